import type { AlterTableCmd, AlterTableStmt, DropStmt } from '@pgsql/types';
import { listOf, nodeOf, unwrap } from '../sql/ast.ts';
import type { Statement } from '../sql/statement.ts';

/**
 * Whether a migration statement can break a query that planned before it: it drops, renames,
 * moves or retypes something a query may name (dropping an index cannot).
 */
export function breaksQueries(statement: Statement): boolean {
  if (nodeOf(statement, 'RenameStmt') || nodeOf(statement, 'AlterObjectSchemaStmt')) return true;
  const drop = nodeOf<DropStmt>(statement, 'DropStmt');
  if (drop) return drop.removeType !== 'OBJECT_INDEX';
  const enumValue = nodeOf<{ oldVal?: string }>(statement, 'AlterEnumStmt');
  if (enumValue?.oldVal) return true;
  const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
  return listOf(alter?.cmds).some((cmd) => {
    const subtype = unwrap<AlterTableCmd>(cmd, 'AlterTableCmd')?.subtype;
    return subtype === 'AT_DropColumn' || subtype === 'AT_AlterColumnType';
  });
}
