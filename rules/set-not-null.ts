import type { AlterTableCmd, Constraint } from '@pgsql/types';
import { heldFor, lockPhrase, sizeHint } from '../src/lint/describe.ts';
import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import { unwrap } from '../src/sql/ast.ts';
import { displayName, stringValues } from '../src/sql/names.ts';
import { alterTable, earlierStatements } from './support/columns.ts';

export const setNotNull: Rule = {
  id: 'set-not-null',
  severity: 'error',
  summary: 'ALTER COLUMN ... SET NOT NULL scans the whole table under ACCESS EXCLUSIVE unless a validated CHECK (col IS NOT NULL) proves it.',
  docs: {
    why: 'PostgreSQL docs, ALTER TABLE, SET/DROP NOT NULL: "SET NOT NULL may only be applied to a column provided none of the records in the table contain a NULL value for the column. Ordinarily this is checked during the ALTER TABLE by scanning the entire table; however, if a valid CHECK constraint is found which proves no NULL can exist, then the table scan is skipped" (PostgreSQL 12 and later). The scan runs under the ACCESS EXCLUSIVE lock ALTER TABLE takes, so every read and write of the table waits for it.',
    safe: 'PostgreSQL 12+: ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID (instant), VALIDATE CONSTRAINT in a later migration (scans under SHARE UPDATE EXCLUSIVE: reads and writes go on), then SET NOT NULL (no scan) and drop the CHECK. PostgreSQL 18 can also ADD CONSTRAINT ... NOT NULL col NOT VALID and VALIDATE it. Before 12 the scan cannot be avoided.',
    bad: [
      'ALTER TABLE orders ALTER COLUMN note SET NOT NULL;',
      {
        sql: 'ALTER TABLE orders ALTER COLUMN note SET NOT NULL;',
        base: 'CREATE TABLE orders (id bigint PRIMARY KEY, note text);\nALTER TABLE orders ADD CONSTRAINT orders_note_not_null CHECK (note IS NOT NULL) NOT VALID;',
      },
      {
        sql: 'ALTER TABLE orders ALTER COLUMN note SET NOT NULL;',
        base: 'CREATE TABLE orders (id bigint PRIMARY KEY, note text);\nALTER TABLE orders ADD CONSTRAINT orders_note_not_null CHECK (note IS NOT NULL);',
        pgVersion: 11,
      },
    ],
    good: [
      {
        sql: 'ALTER TABLE orders ALTER COLUMN note SET NOT NULL;\nALTER TABLE orders DROP CONSTRAINT orders_note_not_null;',
        base: 'CREATE TABLE orders (id bigint PRIMARY KEY, note text);\nALTER TABLE orders ADD CONSTRAINT orders_note_not_null CHECK (note IS NOT NULL) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_note_not_null;',
      },
      'ALTER TABLE orders ALTER COLUMN amount SET NOT NULL;',
      'CREATE TABLE invoices (id bigint PRIMARY KEY, number text);\nALTER TABLE invoices ALTER COLUMN number SET NOT NULL;',
      {
        sql: 'ALTER TABLE orders ADD CONSTRAINT orders_note_not_null NOT NULL note NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_note_not_null;\nALTER TABLE orders ALTER COLUMN note SET NOT NULL;',
        base: 'CREATE TABLE orders (id bigint PRIMARY KEY, note text);',
        pgVersion: 18,
        transaction: 'per-statement',
      },
    ],
  },
  check(statement, context) {
    const alter = alterTable(statement);
    if (!alter || !context.isExisting(alter.table)) return undefined;
    const reports: RuleReport[] = [];
    for (const cmd of alter.cmds) {
      for (const { column, what } of notNullTargets(cmd)) {
        const report = checkColumn(alter.table, column, what, alter.cmds, context);
        if (report) reports.push(report);
      }
    }
    return reports;
  },
};

/** SET NOT NULL, and (PostgreSQL 18) ADD CONSTRAINT ... NOT NULL col without NOT VALID, which checks the same way. */
function notNullTargets(cmd: AlterTableCmd): { column: string; what: string }[] {
  if (cmd.subtype === 'AT_SetNotNull' && cmd.name) return [{ column: cmd.name, what: 'SET NOT NULL' }];
  if (cmd.subtype === 'AT_AddConstraint') {
    const c = unwrap<Constraint>(cmd.def, 'Constraint');
    if (c?.contype === 'CONSTR_NOTNULL' && !c.skip_validation) {
      return stringValues(c.keys).map((column) => ({ column, what: `ADD CONSTRAINT${c.conname ? ` ${c.conname}` : ''} NOT NULL` }));
    }
  }
  return [];
}

function checkColumn(table: string, column: string, what: string, cmds: AlterTableCmd[], context: RuleContext): RuleReport | undefined {
  // Already NOT NULL: PostgreSQL does nothing (no scan).
  if (context.schema.column(table, column)?.notNull) return undefined;
  const checks = context.schema.constraintsOf(table).filter((c) => c.kind === 'check' && c.provesNotNull === column);
  // The same ALTER TABLE dropping the proving constraint voids it (PostgreSQL checks "not dropped in the same command").
  const dropped = new Set(cmds.filter((c) => c.subtype === 'AT_DropConstraint' && c.name).map((c) => c.name));
  const proving = checks.find((c) => c.validated && !dropped.has(c.name));
  if (context.pgVersion >= 12 && proving) return undefined;
  if (context.pgVersion >= 18 && validatedNotNullConstraint(context, table, column)) return undefined;

  const t = displayName(table);
  const bare = table.split('.').at(-1) ?? table;
  const scan = `${what} on \`${t}.${column}\` scans all of \`${t}\`${sizeHint(context, table)} for NULLs while holding an ${lockPhrase('ACCESS EXCLUSIVE', table)} ${heldFor(context)}`;
  const pending = checks.find((c) => !c.validated);
  const name = pending?.name ?? checks[0]?.name ?? `${bare}_${column}_not_null`;

  if (context.pgVersion < 12) {
    return {
      message: `${scan}. Before PostgreSQL 12 (the target is ${context.pgVersion}) nothing lets it skip the scan: run it when the table is quiet, or enforce the rule with a CHECK constraint added NOT VALID and validated instead.`,
      detail: [
        'A CHECK constraint gives the same guarantee without the blocking scan:',
        '',
        '```sql',
        `ALTER TABLE ${t} ADD CONSTRAINT ${name} CHECK (${column} IS NOT NULL) NOT VALID;  -- instant`,
        '-- in a later migration:',
        `ALTER TABLE ${t} VALIDATE CONSTRAINT ${name};  -- scans under SHARE UPDATE EXCLUSIVE: reads and writes go on`,
        '```',
        '',
        'Once on PostgreSQL 12 or later, SET NOT NULL uses that validated constraint and skips the scan.',
      ].join('\n'),
    };
  }

  const hint = pending
    ? `\`${pending.name}\` proves it but is NOT VALID: VALIDATE CONSTRAINT ${pending.name} in an earlier migration first, and the scan is skipped.`
    : context.pgVersion >= 18
      ? `Add \`NOT NULL ${column}\` as a constraint NOT VALID and VALIDATE it in a later migration (PostgreSQL 18), or do the same with a CHECK (${column} IS NOT NULL) and then SET NOT NULL: the scan then runs without blocking traffic.`
      : `Add a CHECK (${column} IS NOT NULL) NOT VALID, VALIDATE it in a later migration, then SET NOT NULL: the scan is skipped.`;
  const steps = [
    `A validated \`CHECK (${column} IS NOT NULL)\` lets PostgreSQL skip the scan. Build it without blocking traffic:`,
    '',
    '```sql',
    ...(pending ? [] : [`ALTER TABLE ${t} ADD CONSTRAINT ${name} CHECK (${column} IS NOT NULL) NOT VALID;  -- instant`, '-- in a later migration (a separate transaction):']),
    `ALTER TABLE ${t} VALIDATE CONSTRAINT ${name};  -- scans under SHARE UPDATE EXCLUSIVE: reads and writes go on`,
    `ALTER TABLE ${t} ALTER COLUMN ${column} SET NOT NULL;  -- no scan`,
    `ALTER TABLE ${t} DROP CONSTRAINT ${name};  -- redundant now`,
    '```',
    ...(pending ? [] : ['', 'VALIDATE must not run in the same transaction as the ADD CONSTRAINT: that one holds ACCESS EXCLUSIVE until commit.']),
  ];
  if (context.pgVersion >= 18) {
    steps.push(
      '',
      'On PostgreSQL 18 a NOT NULL constraint can itself be added NOT VALID; validating it makes the column NOT NULL, with no SET NOT NULL needed:',
      '',
      '```sql',
      `ALTER TABLE ${t} ADD CONSTRAINT ${bare}_${column}_not_null NOT NULL ${column} NOT VALID;  -- instant`,
      '-- in a later migration:',
      `ALTER TABLE ${t} VALIDATE CONSTRAINT ${bare}_${column}_not_null;  -- reads and writes go on`,
      '```',
    );
  }
  return { message: `${scan}. ${hint}`, detail: steps.join('\n') };
}

/**
 * PostgreSQL 18: `ADD CONSTRAINT c NOT NULL col [NOT VALID]` then `VALIDATE CONSTRAINT c` earlier in
 * this migration leaves the column NOT NULL, so SET NOT NULL has nothing to check. (The schema
 * model does not record NOT NULL constraints added this way.)
 */
function validatedNotNullConstraint(context: RuleContext, table: string, column: string): boolean {
  const state = new Map<string, boolean>();
  for (const statement of earlierStatements(context)) {
    const alter = alterTable(statement);
    if (!alter || alter.table !== table) continue;
    for (const cmd of alter.cmds) {
      if (cmd.subtype === 'AT_AddConstraint') {
        const c = unwrap<Constraint>(cmd.def, 'Constraint');
        if (c?.contype === 'CONSTR_NOTNULL' && c.conname && stringValues(c.keys).includes(column)) state.set(c.conname, !c.skip_validation);
      } else if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name && state.has(cmd.name)) {
        state.set(cmd.name, true);
      } else if (cmd.subtype === 'AT_DropConstraint' && cmd.name) {
        state.delete(cmd.name);
      }
    }
  }
  return [...state.values()].some(Boolean);
}
