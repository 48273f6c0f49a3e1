import type { DropStmt } from '@pgsql/types';
import type { Rule } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualifyParts, stringValues } from '../src/sql/names.ts';

export const dropTable: Rule = {
  id: 'drop-table',
  severity: 'error',
  summary: 'DROP TABLE on an existing table destroys its data and breaks the application version still running during the deploy.',
  docs: {
    why: 'DROP TABLE removes the table, its rows, indexes, triggers and constraints for good (PostgreSQL docs, DROP TABLE); there is no undo short of a restore. It takes an ACCESS EXCLUSIVE lock on the table, and the previous application version, still serving traffic while the migration runs, fails on every query that uses it until the new version is deployed.',
    safe: 'Stop using the table in code and deploy first, then drop it in a later migration. For an easy way back, rename it (or move it to an archive schema) and drop it weeks later; or keep a dump of it.',
    bad: ['DROP TABLE orders;', 'DROP TABLE IF EXISTS users, orders;'],
    good: [
      'CREATE TABLE import_tmp (id bigint, payload jsonb);\nDROP TABLE import_tmp;',
      'DROP VIEW IF EXISTS order_totals;',
      'DROP MATERIALIZED VIEW IF EXISTS order_totals;',
    ],
  },
  check(statement, context) {
    const drop = nodeOf<DropStmt>(statement, 'DropStmt');
    if (drop?.removeType !== 'OBJECT_TABLE') return undefined;
    const tables = listOf(drop.objects)
      .map((o) => qualifyParts(stringValues(unwrap<{ items?: never[] }>(o, 'List')?.items)))
      .filter((table) => context.isExisting(table));
    if (!tables.length) return undefined;
    const names = tables.map((t) => `\`${displayName(t)}\``).join(', ');
    const one = tables.length === 1;
    const first = displayName(tables[0] ?? '');
    return {
      message: `DROP TABLE ${names} deletes ${one ? 'the table and all its rows' : 'these tables and all their rows'} for good, under an ACCESS EXCLUSIVE lock, and the application version still running during the deploy fails on every query that uses ${one ? 'it' : 'them'}. Stop using ${one ? 'the table' : 'them'} in code first, deploy, then drop in a later migration.`,
      detail: [
        'Drop a table in two steps:',
        '',
        '1. Deploy code that no longer reads or writes it.',
        '2. Drop it in a later migration. For an easy way back, rename it first and drop it once nobody has missed it:',
        '',
        '```sql',
        `ALTER TABLE ${first} RENAME TO ${first.split('.').at(-1)}_retired;  -- instant, reversible`,
        `-- weeks later: DROP TABLE ${first.split('.').at(-1)}_retired;`,
        '```',
        '',
        `To keep the data: \`pg_dump --table=${first} --format=custom\` before the migration, or \`CREATE TABLE archive.${first.split('.').at(-1)} AS TABLE ${first};\`.`,
        '',
        'A foreign key from this table to another one also puts a brief ACCESS EXCLUSIVE lock on the referenced table (its foreign-key triggers are removed); a foreign key from another table to this one makes the DROP fail, or, with CASCADE, silently drops that constraint.',
      ].join('\n'),
    };
  },
};
