import type { Rule, RuleReport } from '../src/lint/rule.ts';
import { displayName } from '../src/sql/names.ts';
import { alterTable } from './support/columns.ts';

export const dropNotNull: Rule = {
  id: 'drop-not-null',
  severity: 'notice',
  summary: 'ALTER COLUMN ... DROP NOT NULL is instant but loosens a contract that code, reports and later migrations rely on.',
  docs: {
    why: 'DROP NOT NULL only changes the catalog, but from then on NULLs can appear: code and queries that assume a value (sums, joins, `= ` comparisons, which are never true for NULL, non-nullable fields in generated clients) start to misbehave, and putting the constraint back later needs SET NOT NULL, which scans the whole table under ACCESS EXCLUSIVE and fails as soon as one NULL exists (PostgreSQL docs, ALTER TABLE, SET/DROP NOT NULL).',
    safe: 'Make sure every reader handles NULL before dropping the constraint (and that writers really need to store NULL rather than a default value). If the column is being retired, stop writing it first and drop the column later.',
    bad: ['ALTER TABLE orders ALTER COLUMN amount DROP NOT NULL;'],
    good: [
      'ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;',
      'CREATE TABLE invoices (id bigint PRIMARY KEY, number text NOT NULL);\nALTER TABLE invoices ALTER COLUMN number DROP NOT NULL;',
    ],
  },
  check(statement, context) {
    const alter = alterTable(statement);
    if (!alter || !context.isExisting(alter.table)) return undefined;
    const reports: RuleReport[] = [];
    for (const cmd of alter.cmds) {
      if (cmd.subtype !== 'AT_DropNotNull' || !cmd.name) continue;
      const column = context.schema.column(alter.table, cmd.name);
      // Known to be nullable already: the statement changes nothing.
      if (column && !column.notNull) continue;
      const t = displayName(alter.table);
      reports.push({
        message: `DROP NOT NULL on \`${t}.${cmd.name}\` is instant, but from now on NULLs can appear: code, reports and generated clients that assume a value break on them, and restoring NOT NULL later means a full-table scan under ACCESS EXCLUSIVE that fails once a single NULL exists. Check that every reader handles NULL.`,
        detail: [
          `Before relying on \`${cmd.name}\` being nullable, check the readers: \`WHERE ${cmd.name} = ...\` and \`<>\` never match NULL, \`SUM\`/\`AVG\` skip it, \`NOT IN (SELECT ${cmd.name} ...)\` returns no row once a NULL is in the list, and typed clients (Prisma, sqlc, jOOQ) change the field to optional.`,
          '',
          'If the aim is to stop writing the column before dropping it, this is the right first step; drop the column in a later migration once no code reads it.',
        ].join('\n'),
      });
    }
    return reports;
  },
};
