import type { RangeVar } from '@pgsql/types';
import { listOf, nodeOf, unwrap, visit } from '../sql/ast.ts';
import { quoteIdentifier, stringValues } from '../sql/names.ts';
import type { Statement } from '../sql/statement.ts';

/**
 * The relations a statement that runs outside a transaction block works on, as SQL names
 * (`"public"."orders"`), or undefined when it could touch any (REINDEX SCHEMA, CLUSTER without a
 * table): what to read again after it, since no lock is left to tell.
 */
export function relationsNamed(statement: Statement): string[] | undefined {
  const index = nodeOf<{ relation?: RangeVar }>(statement, 'IndexStmt');
  if (index?.relation) return [sqlName(index.relation)];
  const drop = nodeOf<{ objects?: unknown[] }>(statement, 'DropStmt');
  if (drop) return listOf(drop.objects).map((object) => stringValues(listOf(unwrap<{ items?: unknown[] }>(object, 'List')?.items)).map(quoteIdentifier).join('.'));
  const reindex = nodeOf<{ relation?: RangeVar }>(statement, 'ReindexStmt');
  if (reindex?.relation) return [sqlName(reindex.relation)];
  const named: string[] = [];
  if (nodeOf(statement, 'VacuumStmt') || nodeOf(statement, 'AlterTableStmt')) {
    visit(statement.ast, (kind, value) => {
      if (kind === 'RangeVar') named.push(sqlName(value as RangeVar));
    });
  }
  return named.length ? named : undefined;
}

function sqlName(relation: RangeVar): string {
  return [relation.schemaname, relation.relname].filter((part): part is string => Boolean(part)).map(quoteIdentifier).join('.');
}

