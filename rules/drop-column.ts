import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import { displayName } from '../src/sql/names.ts';
import { alterTable, columnAddedEarlier, primaryKeyColumns } from './support/columns.ts';

export const dropColumn: Rule = {
  id: 'drop-column',
  severity: 'error',
  summary: 'DROP COLUMN on an existing table destroys the data and breaks the application version still running during the deploy.',
  docs: {
    why: 'ALTER TABLE ... DROP COLUMN makes the column and its data unreachable at once (PostgreSQL docs, ALTER TABLE: the column is not physically removed but "simply makes it invisible to SQL operations"; there is no undo short of a restore), and drops the indexes and constraints that use it. While the migration runs, the previous application version is still serving traffic: every query it sends that names the column (an INSERT listing it, an ORM that selects every mapped column) fails until the new version is deployed.',
    safe: 'Two deploys: first ship code that no longer reads or writes the column (Prisma: `@ignore` on the field; ActiveRecord: `ignored_columns`), then drop the column in a later migration. Copy the data out first if it might be needed again.',
    bad: ['ALTER TABLE orders DROP COLUMN note;'],
    good: [
      'ALTER TABLE orders ADD COLUMN tmp text;\nALTER TABLE orders DROP COLUMN tmp;',
      'CREATE TABLE invoices (id bigint PRIMARY KEY, legacy text);\nALTER TABLE invoices DROP COLUMN legacy;',
      'ALTER TABLE orders DROP COLUMN IF EXISTS legacy_code;',
    ],
  },
  check(statement, context) {
    const alter = alterTable(statement);
    if (!alter || !context.isExisting(alter.table)) return undefined;
    const reports: RuleReport[] = [];
    for (const cmd of alter.cmds) {
      if (cmd.subtype !== 'AT_DropColumn' || !cmd.name) continue;
      // Added earlier in this migration: nothing has stored data in it or uses it yet.
      if (columnAddedEarlier(context, alter.table, cmd.name)) continue;
      // IF EXISTS for a column the schema knows is not there: a no-op. (A table made by CREATE TABLE
      // AS has no known columns: nothing to conclude.)
      const known = context.schema.tables.get(alter.table);
      if (cmd.missing_ok && known && known.columns.size > 0 && !known.columns.has(cmd.name)) continue;
      reports.push(report(alter.table, cmd.name, context));
    }
    return reports;
  },
};

function report(table: string, column: string, context: RuleContext): RuleReport {
  const t = displayName(table);
  const bare = table.split('.').at(-1) ?? table;
  const indexes = context.schema.indexesOf(table).filter((i) => i.columns.includes(column)).map((i) => `\`${displayName(i.name)}\``);
  const key = primaryKeyColumns(context, table);
  const keep = key?.length ? [...key, column].join(', ') : `<primary key>, ${column}`;
  const prisma = context.migration.framework === 'prisma';
  const message =
    `DROP COLUMN \`${t}.${column}\` deletes its data for good${indexes.length ? ` (and the index${indexes.length > 1 ? 'es' : ''} ${indexes.join(', ')})` : ''}, and the application version still running during the deploy fails on every query that names \`${column}\`` +
    (prisma ? ' (Prisma Client selects every field of the model by name)' : '') +
    '. Stop using the column in code first, deploy, then drop it in a later migration.';
  const steps = [
    'Drop a column in two deploys:',
    '',
    prisma
      ? `1. Mark the field \`@ignore\` in \`schema.prisma\` (the client stops selecting and writing it; \`prisma migrate\` keeps the column) and deploy that.`
      : '1. Deploy code that no longer reads or writes the column (ORMs that list every mapped column need it removed or ignored, e.g. ActiveRecord `ignored_columns`).',
    prisma
      ? '2. Then remove the field from `schema.prisma`; the migration Prisma generates drops the column.'
      : '2. Then drop the column in a later migration.',
    ...(context.schema.column(table, column)?.notNull
      ? ['', `\`${column}\` is NOT NULL: in the first step also \`ALTER TABLE ${t} ALTER COLUMN ${column} DROP NOT NULL\` (or give it a DEFAULT), or inserts from code that no longer writes it fail.`]
      : []),
    '',
    'To keep a copy of the data before dropping it:',
    '',
    '```sql',
    `CREATE TABLE ${bare}_${column}_backup AS SELECT ${keep} FROM ${t};`,
    '```',
    '',
    '(or `pg_dump --table` of the table). DROP COLUMN itself is quick: it takes a brief ACCESS EXCLUSIVE lock and only marks the column dropped; the space is reclaimed as rows are rewritten.',
  ];
  return { message, detail: steps.join('\n') };
}
