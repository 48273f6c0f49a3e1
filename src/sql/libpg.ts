import {
  loadModule,
  parseSync,
  parsePlPgSQLSync,
  scanSync,
  type ParseResult,
  type ScanToken,
} from 'libpg-query';

let loading: Promise<void> | undefined;

/** Loads the PostgreSQL parser (WebAssembly) once per process. */
export function loadParser(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

export interface ParserError {
  message: string;
  /** 0-based character offset PostgreSQL points at, when it names one. */
  position?: number;
}

export function toParserError(error: unknown): ParserError {
  if (error && typeof error === 'object' && 'sqlDetails' in error) {
    const details = (error as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    if (details) {
      return {
        message: details.message,
        position: details.cursorPosition >= 0 ? details.cursorPosition : undefined,
      };
    }
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

export function parseSql(sql: string): ParseResult {
  return parseSync(sql);
}

export function parsePlpgsql(createFunctionSql: string): ParseResult {
  return parsePlPgSQLSync(createFunctionSql);
}

export function scanSql(sql: string): ScanToken[] {
  return scanSync(sql).tokens;
}

export type { ParseResult, ScanToken };
