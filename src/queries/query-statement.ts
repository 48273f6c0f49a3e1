import { parseSql } from '../sql/libpg.ts';
import type { ExtractedQuery } from './types.ts';

/** The statements a query review plans: the ones an application runs against its data. */
const QUERY_STATEMENTS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/**
 * True when `sql` (parameters already `$n`) is one statement PostgreSQL's parser accepts and
 * that reads or writes data. Code is full of strings that look a little like SQL: the others are
 * left out without a word.
 */
export function isQuery(sql: string): boolean {
  try {
    const { stmts } = parseSql(sql);
    if (stmts?.length !== 1) return false;
    const node = stmts[0]?.stmt as Record<string, unknown> | undefined;
    return node !== undefined && Object.keys(node).some((kind) => QUERY_STATEMENTS.has(kind));
  } catch {
    return false;
  }
}

/** Lines of the file the change adds or modifies; undefined when the whole file is under review. */
export type ChangedLines = ReadonlySet<number> | undefined;

/** A query is the change's when one of its lines is. */
export function touchesChangedLines(query: Pick<ExtractedQuery, 'line' | 'endLine'>, lines: ChangedLines): boolean {
  if (lines === undefined) return true;
  for (let line = query.line; line <= query.endLine; line++) if (lines.has(line)) return true;
  return false;
}
