import { parseSql } from '../sql/libpg.ts';

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
