import type { Node } from '@pgsql/types';

/** A place in a file: 1-based lines and columns (columns count characters, not bytes; endCol is exclusive). */
export interface SourceRange {
  path: string;
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
}

export interface SqlComment {
  text: string;
  line: number;
}

export interface Statement {
  /** The statement's SQL exactly as written, without the trailing semicolon. */
  sql: string;
  /** The parse tree node, e.g. `{ AlterTableStmt: {...} }`. */
  ast: Node;
  /** The node's type name, e.g. `AlterTableStmt`. */
  kind: string;
  range: SourceRange;
  /** Character offset of the statement's first character in its file's text. */
  offset: number;
  /** Text on the statement's first line before it, and on its last line after it (for whole-line fixes). */
  linePrefix: string;
  lineSuffix: string;
  /** The statement's tokens from PostgreSQL's scanner, comments left out. */
  tokens: Token[];
  /** Comments between the previous statement and the end of this one. */
  comments: SqlComment[];
  /** Set for statements found inside a PL/pgSQL function body or DO block. */
  embeddedIn?: { kind: 'function' | 'do'; line: number };
}

export interface Token {
  text: string;
  /** Scanner token name: IDENT, SCONST, ICONST, UNKNOWN (keywords), ASCII_59 (;) ... */
  kind: string;
  /** Keyword name (e.g. RESERVED_KEYWORD) or NO_KEYWORD. */
  keyword: string;
  /** Character offsets relative to the start of the statement's `sql`. */
  start: number;
  end: number;
  line: number;
}
