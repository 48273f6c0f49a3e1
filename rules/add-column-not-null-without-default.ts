import type { ColumnDef } from '@pgsql/types';
import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import { displayName, formatType } from '../src/sql/names.ts';
import { BUILTIN_TYPES, columnsAddedToExistingTable, columnLine, constraintsOf, defaultExpression, typeOf } from './support/columns.ts';

export const addColumnNotNullWithoutDefault: Rule = {
  id: 'add-column-not-null-without-default',
  severity: 'error',
  summary: 'ADD COLUMN ... NOT NULL without a DEFAULT fails on an existing table as soon as it has a row.',
  docs: {
    why: 'A column added without a DEFAULT reads NULL in every existing row (PostgreSQL docs, ALTER TABLE: "If no DEFAULT is specified, NULL is used"), so a NOT NULL (or PRIMARY KEY) on it fails with `column "x" of relation "t" contains null values` on any table that is not empty: the migration works on an empty development database and breaks in production.',
    safe: 'Give the column a constant DEFAULT (instant since PostgreSQL 11: the value is stored in the catalog), or add it nullable, backfill it in batches, and then make it NOT NULL through a validated CHECK constraint.',
    bad: [
      'ALTER TABLE users ADD COLUMN plan text NOT NULL;',
      'ALTER TABLE orders ADD COLUMN external_id bigint PRIMARY KEY;',
    ],
    good: [
      "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';",
      'ALTER TABLE users ADD COLUMN plan text;',
      'ALTER TABLE orders ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;',
      'ALTER TABLE orders ADD COLUMN total numeric NOT NULL GENERATED ALWAYS AS (amount * 2) STORED;',
      'CREATE TABLE invoices (id bigint PRIMARY KEY);\nALTER TABLE invoices ADD COLUMN number text NOT NULL;',
    ],
  },
  check(statement, context) {
    const added = columnsAddedToExistingTable(statement, context);
    return added?.defs.flatMap((def) => {
      const notNull = notNullKind(def);
      if (!notNull || fillsItself(def) || defaultExpression(def)) return [];
      return [{ ...columnLine(statement, (site) => site.def === def), ...report(added.table, def, notNull, context) }];
    });
  },
};

function notNullKind(def: ColumnDef): 'NOT NULL' | 'PRIMARY KEY' | undefined {
  const constraints = constraintsOf(def);
  if (constraints.some((c) => c.contype === 'CONSTR_PRIMARY')) return 'PRIMARY KEY';
  if (def.is_not_null || constraints.some((c) => c.contype === 'CONSTR_NOTNULL')) return 'NOT NULL';
  return undefined;
}

/** Identity, serial and generated columns compute a value for every existing row. */
function fillsItself(def: ColumnDef): boolean {
  const type = typeOf(def.typeName);
  if (type.name.startsWith('serial') && !type.array) return true;
  return constraintsOf(def).some((c) => c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED');
}

function report(table: string, def: ColumnDef, notNull: 'NOT NULL' | 'PRIMARY KEY', context: RuleContext): RuleReport {
  const t = displayName(table);
  const bare = table.split('.').at(-1) ?? table;
  const column = def.colname ?? '?';
  const type = typeOf(def.typeName);
  const typeText = formatType(type);
  const rows = context.tableRows(table);
  const instant = context.pgVersion >= 11 ? ' (instant since PostgreSQL 11)' : ' (on PostgreSQL ' + context.pgVersion + ' this rewrites the table: see `add-column-rewrite`)';
  // A domain type may carry its own DEFAULT, which fills the column.
  const maybeDomain = !BUILTIN_TYPES.has(type.name);
  const message =
    `ADD COLUMN \`${column}\` ${notNull} without a DEFAULT fails with \`column "${column}" of relation "${bare}" contains null values\` as soon as \`${t}\` has a row` +
    (rows === 0 ? ' (the size hints say it is empty, so it passes there)' : '') +
    (maybeDomain ? ` (unless \`${typeText}\` is a domain with a DEFAULT)` : '') +
    `: existing rows have nothing to put in it. Add it with a constant DEFAULT${instant}, or nullable, backfill, then make it NOT NULL.`;
  const detail = [
    'Either give it a constant default, so that existing rows read that value:',
    '',
    '```sql',
    `ALTER TABLE ${t} ADD COLUMN ${column} ${typeText} NOT NULL DEFAULT <constant>;`,
    '```',
    '',
    'or add it nullable and tighten it once every row has a value:',
    '',
    '```sql',
    `ALTER TABLE ${t} ADD COLUMN ${column} ${typeText};  -- instant`,
    `-- backfill in batches, each in its own transaction`,
    `ALTER TABLE ${t} ADD CONSTRAINT ${bare}_${column}_not_null CHECK (${column} IS NOT NULL) NOT VALID;`,
    '-- in a later migration:',
    `ALTER TABLE ${t} VALIDATE CONSTRAINT ${bare}_${column}_not_null;  -- scans without blocking reads and writes`,
    `ALTER TABLE ${t} ALTER COLUMN ${column} SET NOT NULL;  -- no scan on PostgreSQL 12+: the CHECK proves it`,
    `ALTER TABLE ${t} DROP CONSTRAINT ${bare}_${column}_not_null;`,
    '```',
  ];
  if (notNull === 'PRIMARY KEY') {
    detail.push('', `For a new primary key, build a unique index CONCURRENTLY on the backfilled column and then \`ADD CONSTRAINT ... PRIMARY KEY USING INDEX\`.`);
  }
  return { message, detail: detail.join('\n'), severity: rows === 0 ? 'warning' : undefined };
}
