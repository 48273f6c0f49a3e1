import type { DefElem, Node } from '@pgsql/types';
import { listOf, nodeOf, unwrap } from './ast.ts';
import type { Statement } from './statement.ts';

/**
 * Why PostgreSQL refuses to run the statement inside a transaction block
 * (PreventInTransactionBlock), or undefined when it may.
 */
export function cannotRunInTransaction(statement: Statement): string | undefined {
  const index = nodeOf<{ concurrent?: boolean }>(statement, 'IndexStmt');
  if (index?.concurrent) return 'CREATE INDEX CONCURRENTLY';
  const drop = nodeOf<{ concurrent?: boolean }>(statement, 'DropStmt');
  if (drop?.concurrent) return 'DROP INDEX CONCURRENTLY';
  const reindex = nodeOf<{ kind?: string; params?: Node[] }>(statement, 'ReindexStmt');
  if (reindex && isOptionOn(reindex.params, 'concurrently')) return 'REINDEX CONCURRENTLY';
  if (reindex && ['REINDEX_OBJECT_SCHEMA', 'REINDEX_OBJECT_SYSTEM', 'REINDEX_OBJECT_DATABASE'].includes(reindex.kind ?? '')) {
    return `REINDEX ${reindex.kind!.replace('REINDEX_OBJECT_', '')}`;
  }
  const cluster = nodeOf<{ relation?: unknown }>(statement, 'ClusterStmt');
  if (cluster && !cluster.relation) return 'CLUSTER without a table name';
  const vacuum = nodeOf<{ is_vacuumcmd?: boolean }>(statement, 'VacuumStmt');
  if (vacuum?.is_vacuumcmd) return 'VACUUM';
  if (nodeOf(statement, 'AlterSystemStmt')) return 'ALTER SYSTEM';
  if (nodeOf(statement, 'CreatedbStmt')) return 'CREATE DATABASE';
  if (nodeOf(statement, 'DropdbStmt')) return 'DROP DATABASE';
  if (nodeOf(statement, 'CreateTableSpaceStmt')) return 'CREATE TABLESPACE';
  const alterTable = nodeOf<{ cmds?: unknown[] }>(statement, 'AlterTableStmt');
  if (alterTable && JSON.stringify(alterTable.cmds ?? []).includes('"concurrent":true')) return 'ALTER TABLE ... DETACH CONCURRENTLY';
  return undefined;
}

/** Whether a utility option list turns the option on: `(CONCURRENTLY)` or `(CONCURRENTLY true)`, not `(CONCURRENTLY false)`. */
export function isOptionOn(options: Node[] | undefined, name: string): boolean {
  const option = listOf(options).map((o) => unwrap<DefElem>(o, 'DefElem')).find((o) => o?.defname?.toLowerCase() === name);
  if (!option) return false;
  if (!option.arg) return true;
  const arg = option.arg as { String?: { sval?: string }; Boolean?: { boolval?: boolean }; Integer?: { ival?: number } };
  if (arg.Boolean) return Boolean(arg.Boolean.boolval);
  if (arg.Integer) return Boolean(arg.Integer.ival);
  return !['false', 'off', '0', 'no'].includes((arg.String?.sval ?? '').toLowerCase());
}
