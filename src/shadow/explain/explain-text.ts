import type { ColumnRef, Node, SelectStmt } from '@pgsql/types';
import { listOf, unwrap } from '../../sql/ast.ts';
import { parseSql } from '../../sql/libpg.ts';
import { stringValues } from '../../sql/names.ts';

/**
 * A condition as EXPLAIN prints it (`(li.order_id = o.id)`), read by PostgreSQL's parser;
 * undefined if it does not parse.
 */
export function explainedCondition(condition: string): Node | undefined {
  return explained(`SELECT 1 WHERE ${condition}`)?.whereClause;
}

/** Sort keys as EXPLAIN prints them (`e.created_at DESC`), read by PostgreSQL's parser. */
export function explainedSortKeys(keys: string[]): Node[] {
  return keys.length > 0 ? listOf(explained(`SELECT 1 ORDER BY ${keys.join(', ')}`)?.sortClause) : [];
}

/** The column a reference names when it is unqualified or qualified by `alias`. */
export function columnOf(node: Node | undefined, alias: string): string | undefined {
  const names = stringValues(listOf(unwrap<ColumnRef>(node, 'ColumnRef')?.fields));
  if (names.length === 1) return names[0];
  return names.length === 2 && names[0] === alias ? names[1] : undefined;
}

function explained(sql: string): SelectStmt | undefined {
  try {
    return unwrap<SelectStmt>(parseSql(sql).stmts?.[0]?.stmt, 'SelectStmt');
  } catch {
    return undefined;
  }
}
