import { nodeOf } from './ast.ts';
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
  const reindex = nodeOf<{ params?: unknown[] }>(statement, 'ReindexStmt');
  if (reindex && JSON.stringify(reindex.params ?? []).toLowerCase().includes('"concurrently"')) return 'REINDEX CONCURRENTLY';
  const vacuum = nodeOf<{ is_vacuumcmd?: boolean }>(statement, 'VacuumStmt');
  if (vacuum?.is_vacuumcmd) return 'VACUUM';
  if (nodeOf(statement, 'AlterSystemStmt')) return 'ALTER SYSTEM';
  if (nodeOf(statement, 'CreatedbStmt')) return 'CREATE DATABASE';
  if (nodeOf(statement, 'DropdbStmt')) return 'DROP DATABASE';
  if (nodeOf(statement, 'CreateTableSpaceStmt')) return 'CREATE TABLESPACE';
  const alterTable = nodeOf<{ cmds?: unknown[] }>(statement, 'AlterTableStmt');
  if (alterTable && JSON.stringify(alterTable.cmds ?? []).includes('"concurrent":true')) return 'DETACH PARTITION CONCURRENTLY';
  return undefined;
}
