import type { Fix } from '../findings.ts';
import type { Statement, Token } from '../sql/statement.ts';

export interface Edit {
  /** Character offsets within `statement.sql`. */
  start: number;
  end: number;
  text: string;
}

/** A fix that rewrites the statement's lines with the edits applied, keeping the rest of those lines. */
export function fixStatement(statement: Statement, edits: Edit[], append = ''): Fix {
  let sql = statement.sql;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) {
    sql = sql.slice(0, edit.start) + edit.text + sql.slice(edit.end);
  }
  return {
    startLine: statement.range.startLine,
    endLine: statement.range.endLine,
    replacement: `${statement.linePrefix}${sql}${statement.lineSuffix}${append}`,
  };
}

/** Inserts ` text` right after the token. */
export function insertAfter(token: Token, text: string): Edit {
  return { start: token.end, end: token.end, text: ` ${text}` };
}

/** Inserts text at the end of the statement (before its semicolon). */
export function appendToStatement(statement: Statement, text: string): Edit {
  return { start: statement.sql.length, end: statement.sql.length, text: ` ${text}` };
}

/** The first token spelling `word` (case-insensitive), optionally after a given token index. */
export function findToken(statement: Statement, word: string, from = 0): Token | undefined {
  const upper = word.toUpperCase();
  return statement.tokens.slice(from).find((t) => t.text.toUpperCase() === upper);
}
