import type { RenameStmt } from '@pgsql/types';
import type { Rule } from '../src/lint/rule.ts';
import { nodeOf } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';
import { batchKey, columnAddedEarlier } from './support/columns.ts';

export const renameColumn: Rule = {
  id: 'rename-column',
  severity: 'warning',
  summary: 'Renaming a column breaks the application version still running during the deploy: its queries use the old name.',
  docs: {
    why: 'ALTER TABLE ... RENAME COLUMN is instant (a catalog change under a brief ACCESS EXCLUSIVE lock), but from the moment it commits every query that names the old column fails with `column "..." does not exist`: the previous application version keeps serving traffic while the migration runs and until the new one is deployed, and the new version fails the same way if it starts before the migration ran. Views and functions are not affected (views follow the column; function bodies that name it break).',
    safe: 'Expand and contract: add the new column, keep both in sync with a trigger and backfill, switch the code to the new name (deploy), then drop the old column in a later migration. If the brief error window is acceptable, at least deploy the rename together with code that tolerates both names.',
    bad: ['ALTER TABLE orders RENAME COLUMN note TO comment;'],
    good: [
      'CREATE TABLE invoices (id bigint PRIMARY KEY, num text);\nALTER TABLE invoices RENAME COLUMN num TO number;',
      'ALTER TABLE orders ADD COLUMN commnet text;\nALTER TABLE orders RENAME COLUMN commnet TO comment;',
      'ALTER TABLE orders RENAME CONSTRAINT orders_user_id_fkey TO orders_user_fk;',
    ],
  },
  check(statement, context) {
    const rename = nodeOf<RenameStmt>(statement, 'RenameStmt');
    if (rename?.renameType !== 'OBJECT_COLUMN' || rename.relationType !== 'OBJECT_TABLE') return undefined;
    const table = qualify(rename.relation);
    const from = rename.subname ?? '?';
    const to = rename.newname ?? '?';
    if (!context.isExisting(table) || columnAddedEarlier(context, table, from)) return undefined;
    const t = displayName(table);
    const bare = table.split('.').at(-1) ?? table;
    const key = batchKey(context, table);
    const execute = context.pgVersion >= 11 ? 'EXECUTE FUNCTION' : 'EXECUTE PROCEDURE';
    const type = context.schema.column(table, from)?.type;
    return {
      message: `Renaming \`${t}.${from}\` to \`${to}\` breaks the application version still running during the deploy: its queries name \`${from}\` and fail from the moment this commits until the new code is out (and new code that starts first fails on \`${to}\`). Add \`${to}\` alongside, sync and backfill it, switch the code, then drop \`${from}\` later.`,
      detail: [
        'Rename without an error window (expand and contract):',
        '',
        '```sql',
        `ALTER TABLE ${t} ADD COLUMN ${to} ${type ? typeText(type) : '<type>'};`,
        `CREATE FUNCTION ${bare}_${to}_sync() RETURNS trigger LANGUAGE plpgsql AS $$`,
        `BEGIN  -- old code writes ${from}, new code writes ${to}: copy whichever changed`,
        `  IF TG_OP = 'INSERT' THEN`,
        `    IF NEW.${to} IS NULL THEN NEW.${to} := NEW.${from}; ELSE NEW.${from} := NEW.${to}; END IF;`,
        `  ELSIF NEW.${from} IS DISTINCT FROM OLD.${from} THEN NEW.${to} := NEW.${from};`,
        `  ELSIF NEW.${to} IS DISTINCT FROM OLD.${to} THEN NEW.${from} := NEW.${to};`,
        `  END IF;`,
        `  RETURN NEW;`,
        `END $$;`,
        `CREATE TRIGGER ${bare}_${to}_sync BEFORE INSERT OR UPDATE ON ${t} FOR EACH ROW ${execute} ${bare}_${to}_sync();`,
        `-- backfill in batches: UPDATE ${t} SET ${to} = ${from} WHERE ${key} IN (SELECT ${key} FROM ${t} WHERE ${to} IS NULL AND ${from} IS NOT NULL LIMIT 5000);`,
        `-- deploy code that reads and writes ${to}; then, in a later migration:`,
        `DROP TRIGGER ${bare}_${to}_sync ON ${t};`,
        `DROP FUNCTION ${bare}_${to}_sync();`,
        `ALTER TABLE ${t} DROP COLUMN ${from};`,
        '```',
        '',
        'Indexes and constraints on the old column have to be recreated on the new one (CREATE INDEX CONCURRENTLY, constraints NOT VALID + VALIDATE). Functions and triggers whose bodies name the column by its old name break on rename; views keep working (they follow the column).',
      ].join('\n'),
    };
  },
};

function typeText(type: { name: string; mods: number[]; array: boolean }): string {
  const shown: Record<string, string> = { int2: 'smallint', int4: 'integer', int8: 'bigint', bpchar: 'char', float4: 'real', float8: 'double precision', bool: 'boolean',
    serial2: 'smallint', serial4: 'integer', serial8: 'bigint' };
  return `${shown[type.name] ?? type.name}${type.mods.length ? `(${type.mods.join(', ')})` : ''}${type.array ? '[]' : ''}`;
}
