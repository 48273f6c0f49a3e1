import type { AlterTableCmd, AlterTableStmt, Constraint } from '@pgsql/types';
import { code, sizeHint } from '../src/lint/describe.ts';
import type { Rule, RuleContext } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { describeBlocked } from '../src/sql/lock-modes.ts';
import { displayName, qualify } from '../src/sql/names.ts';
import type { Statement } from '../src/sql/statement.ts';
import { pgConstraintName } from '../src/lint/constraint-names.ts';
import { explicitBegin } from './support/runner-transactions.ts';

interface Added {
  statement: Statement;
  constraint: Constraint;
}

/** The statements of this migration before `context.index` that add `name` NOT VALID to `table`. */
function addedNotValid(context: RuleContext, table: string, name: string): Added | undefined {
  for (let i = context.index - 1; i >= 0; i--) {
    const statement = context.statements[i];
    const alter = statement ? nodeOf<AlterTableStmt>(statement, 'AlterTableStmt') : undefined;
    if (!statement || !alter || qualify(alter.relation) !== table) continue;
    for (const item of listOf(alter.cmds)) {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      const constraint = unwrap<Constraint>(cmd?.def, 'Constraint');
      if (cmd?.subtype !== 'AT_AddConstraint' || !constraint?.skip_validation) continue;
      if (pgConstraintName(table, constraint).name === name || constraint.conname === name) return { statement, constraint };
    }
  }
  return undefined;
}

export const validateInSameTransaction: Rule = {
  id: 'validate-in-same-transaction',
  severity: 'error',
  summary: 'VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID scans the table while the ADD\'s lock is still held.',
  docs: {
    why: 'Locks are held until the transaction ends (PostgreSQL docs, "Explicit Locking": "Once acquired, a lock is normally held until the end of the transaction"). ADD CONSTRAINT ... NOT VALID takes ACCESS EXCLUSIVE (CHECK) or SHARE ROW EXCLUSIVE on both tables (FOREIGN KEY); validating in the same transaction runs the full scan while that lock is still held, which is exactly what NOT VALID is meant to avoid (ALTER TABLE, Notes: validation "acquires only a SHARE UPDATE EXCLUSIVE lock" — in a transaction of its own).',
    safe: 'Commit the NOT VALID constraint first, then run VALIDATE CONSTRAINT in a later migration (its own transaction), where it holds only SHARE UPDATE EXCLUSIVE and reads and writes go on.',
    bad: [
      'ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;',
      { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;', transaction: 'implicit' },
      'ALTER TABLE orders ADD CHECK (amount > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_amount_check;',
    ],
    good: [
      'ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;',
      { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;', transaction: 'per-statement' },
      { sql: 'BEGIN;\nALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;', transaction: 'per-statement' },
      'CREATE TABLE invoices (id bigint PRIMARY KEY, amount int);\nALTER TABLE invoices ADD CONSTRAINT invoices_amount_positive CHECK (amount > 0) NOT VALID;\nALTER TABLE invoices VALIDATE CONSTRAINT invoices_amount_positive;',
    ],
  },
  check(statement, context) {
    const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
    if (!alter || !context.tx.inTransaction) return undefined;
    const table = qualify(alter.relation);
    if (!context.isExisting(table)) return undefined;
    const reports = [];
    for (const item of listOf(alter.cmds)) {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      if (cmd?.subtype !== 'AT_ValidateConstraint' || !cmd.name) continue;
      const name = cmd.name;
      const added = addedNotValid(context, table, name);
      if (!context.tx.notValidConstraints.has(`${table}.${name}`)) continue;
      const foreign = added?.constraint.contype === 'CONSTR_FOREIGN';
      const referenced = foreign && added?.constraint.pktable ? qualify(added.constraint.pktable) : undefined;
      const held = context.tx.held.filter((h) => h.table === table || h.table === referenced);
      const own = held.find((h) => h.table === table);
      const heldText = held.length > 0
        ? held.map((h) => `${h.mode} lock on \`${displayName(h.table)}\` (blocks ${describeBlocked(h.mode)}; taken on line ${h.line})`).join(' and the ')
        : `${foreign ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE'} lock on \`${displayName(table)}\``;
      const addedAt = added ? ` on line ${added.statement.range.startLine}` : '';
      const begin = explicitBegin(context);
      const split = begin && context.migration.transaction === 'per-statement'
        ? 'COMMIT before it, or move it to a later migration'
        : 'Move it to a later migration';
      reports.push({
        message: `VALIDATE CONSTRAINT \`${name}\` runs in the same transaction that added it NOT VALID${addedAt}, so the transaction still holds the ${heldText} during the validation scan${sizeHint(context, table)}: NOT VALID gains nothing. ${split.charAt(0).toUpperCase()}${split.slice(1)}.`,
        detail: [
          `The lock taken by ADD CONSTRAINT is held until the transaction commits, so the scan VALIDATE CONSTRAINT does runs under it${own ? ` (${own.mode}: ${describeBlocked(own.mode)} wait)` : ''}.`,
          '',
          'Split it:',
          '',
          '1. This migration: `ALTER TABLE ... ADD CONSTRAINT ... NOT VALID` (the lock is needed only for an instant) and commit.',
          `2. A later migration, in a transaction of its own: ${code(`ALTER TABLE ${displayName(table)} VALIDATE CONSTRAINT ${name};`)} It takes SHARE UPDATE EXCLUSIVE${foreign ? ' (and ROW SHARE on the referenced table)' : ''}, so reads and writes go on while it scans.`,
        ].join('\n'),
        line: statement.range.startLine,
      });
    }
    return reports.length > 0 ? reports : undefined;
  },
};
