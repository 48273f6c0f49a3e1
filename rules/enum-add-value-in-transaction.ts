import type { AlterEnumStmt, RangeVar, TypeCast } from '@pgsql/types';
import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import { nodeOf, visit } from '../src/sql/ast.ts';
import { qualify, stringValues } from '../src/sql/names.ts';
import type { Statement } from '../src/sql/statement.ts';
import { bareName, createsEnum, earlierInTransaction, enumTypeOf, stringConstants } from './support/columns.ts';

export const enumAddValueInTransaction: Rule = {
  id: 'enum-add-value-in-transaction',
  severity: 'error',
  summary: 'A value added with ALTER TYPE ... ADD VALUE cannot be used in the same transaction (and before PostgreSQL 12 it cannot be added inside one at all).',
  docs: {
    why: 'PostgreSQL docs, ALTER TYPE (Notes): "If ALTER TYPE ... ADD VALUE (the form that adds a new value to an enum type) is executed inside a transaction block, the new value cannot be used until after the transaction has been committed." Using it fails with `unsafe use of new value "x" of enum type t`. Before PostgreSQL 12, ADD VALUE itself fails inside a transaction block (`ALTER TYPE ... ADD cannot run inside a transaction block`) unless the type was created in the same transaction. Migration runners that wrap each file in a transaction make both easy to hit.',
    safe: 'Add the value in a migration of its own (or end the transaction after it), and use it in a later migration.',
    bad: [
      {
        sql: "ALTER TYPE shipment_state ADD VALUE 'returned';\nUPDATE shipments SET state = 'returned' WHERE id = 42;",
        base: "CREATE TYPE shipment_state AS ENUM ('pending', 'sent');\nCREATE TABLE shipments (id bigint PRIMARY KEY, state shipment_state NOT NULL);",
      },
      "ALTER TYPE order_state ADD VALUE 'refunded';\nSELECT 'refunded'::order_state;",
      { sql: "ALTER TYPE order_state ADD VALUE 'refunded';", pgVersion: 11 },
    ],
    good: [
      "ALTER TYPE order_state ADD VALUE 'refunded';",
      { sql: "ALTER TYPE order_state ADD VALUE 'refunded';\nUPDATE orders SET status = 'refunded' WHERE status = 'cancelled';", transaction: 'per-statement' },
      "ALTER TYPE order_state ADD VALUE 'refunded';\nCOMMIT;\nBEGIN;\nUPDATE orders SET status = 'refunded' WHERE status = 'cancelled';",
      { sql: "CREATE TYPE ticket_state AS ENUM ('open');\nALTER TYPE ticket_state ADD VALUE 'closed';", pgVersion: 11 },
    ],
  },
  check(statement, context) {
    const alterEnum = nodeOf<AlterEnumStmt>(statement, 'AlterEnumStmt');
    if (alterEnum) return addedInTransaction(alterEnum, context);
    if (context.pgVersion < 12) return undefined; // the ADD VALUE itself already failed
    return usesNewValue(statement, context);
  },
};

/** Before PostgreSQL 12: the ADD VALUE statement itself fails inside a transaction block. */
function addedInTransaction(alter: AlterEnumStmt, context: RuleContext): RuleReport | undefined {
  if (!alter.newVal || alter.oldVal || context.pgVersion >= 12 || !context.tx.inTransaction) return undefined;
  const type = enumTypeOf(alter);
  // Allowed when the enum was created earlier in the same transaction.
  if (createsEnum(earlierInTransaction(context), type)) return undefined;
  const wrapper = context.tx.explicit
    ? 'the BEGIN earlier in the file opened it'
    : context.tx.runnerManaged
      ? 'the runner wraps the migration in one'
      : 'the runner sends the file as one multi-statement query, which PostgreSQL runs as an implicit transaction';
  return {
    message: `ALTER TYPE \`${bareName(type)}\` ADD VALUE fails on PostgreSQL ${context.pgVersion} with \`ALTER TYPE ... ADD cannot run inside a transaction block\`, and this statement runs inside one: ${wrapper}. Put it in a migration that runs outside a transaction, or upgrade to PostgreSQL 12+, where it is allowed.`,
    detail: [
      'Before PostgreSQL 12, adding an enum value is only allowed outside a transaction block (or in the transaction that created the type).',
      '',
      'Give the statement a migration of its own and tell the runner not to wrap it (goose: `-- +goose NO TRANSACTION`; dbmate: `-- migrate:up transaction:false`; Flyway: `executeInTransaction=false`), or, with runners that send the file as one query, make it the only statement in the file.',
    ].join('\n'),
  };
}

/** PostgreSQL 12+: a later statement of the same transaction uses a value added earlier in it. */
function usesNewValue(statement: Statement, context: RuleContext): RuleReport[] {
  const added = context.tx.addedEnumValues;
  if (!added.size) return [];
  const constants = new Set(stringConstants(statement.ast).filter((c) => added.has(c)));
  if (!constants.size) return [];
  const reports: RuleReport[] = [];
  const earlier = earlierInTransaction(context);
  for (const label of constants) {
    const adder = [...earlier].reverse().find((s) => {
      const a = nodeOf<AlterEnumStmt>(s, 'AlterEnumStmt');
      return a?.newVal === label && !a.oldVal;
    });
    const alter = adder ? nodeOf<AlterEnumStmt>(adder, 'AlterEnumStmt') : undefined;
    if (!adder || !alter) continue;
    const type = enumTypeOf(alter);
    // PostgreSQL 17+: values added to an enum created in the same transaction are usable at once.
    if (context.pgVersion >= 17 && createsEnum(earlier, type)) continue;
    const certain = mentionsEnum(statement, context, bareName(type));
    reports.push({
      severity: certain ? undefined : 'warning',
      message:
        `${certain ? 'This statement uses' : 'If this string becomes a value of `' + bareName(type) + '`, this statement uses'} the enum value '${label}' added on line ${adder.range.startLine} in the same transaction: PostgreSQL refuses with \`unsafe use of new value "${label}" of enum type ${bareName(type)}\` until that transaction commits. ` +
        'Commit after the ADD VALUE (a migration of its own) and use the value in a later migration.',
      detail: [
        `A value added by \`ALTER TYPE ... ADD VALUE\` is not usable (cast, compared, stored, or used in a DEFAULT or index predicate) until the transaction that added it commits (PostgreSQL docs, ALTER TYPE, Notes).`,
        '',
        'Split the migration: one that only adds the value, and a later one that uses it. With a runner that wraps each file in a transaction, two files are two transactions.',
      ].join('\n'),
    });
  }
  return reports;
}

/** The statement casts to the enum type or touches a table with a column of that type (per the schema). */
function mentionsEnum(statement: Statement, context: RuleContext, enumName: string): boolean {
  let found = false;
  visit(statement.ast, (kind, value) => {
    if (kind === 'TypeCast' && stringValues((value as TypeCast).typeName?.names).at(-1) === enumName) found = true;
  });
  if (found) return true;
  return relations(statement.ast).some((relation) => {
    const table = context.schema.tables.get(qualify(relation));
    return Boolean(table && [...table.columns.values()].some((c) => c.type.name === enumName && !c.type.array));
  });
}

/** Every table reference in the tree (RangeVar nodes, wrapped or not: UPDATE's target is a bare one). */
function relations(root: unknown): RangeVar[] {
  const out: RangeVar[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record.relname === 'string') out.push(record as RangeVar);
    for (const value of Object.values(record)) walk(value);
  };
  walk(root);
  return out;
}
