import { sizeHint } from '../src/lint/describe.ts';
import type { AlterTableCmd, AlterTableStmt } from '@pgsql/types';
import type { Rule, RuleContext } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import type { Statement } from '../src/sql/statement.ts';
import { displayName, qualify } from '../src/sql/names.ts';
import { workOf } from './support/long-work.ts';

/** VALIDATE CONSTRAINT of a constraint this transaction added NOT VALID: validate-in-same-transaction reports it. */
function validatesOwnNotValid(statement: Statement, context: RuleContext): boolean {
  const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
  if (!alter) return false;
  const table = qualify(alter.relation);
  const cmds = listOf(alter.cmds).map((c) => unwrap<AlterTableCmd>(c, 'AlterTableCmd'));
  return cmds.length > 0 &&
    cmds.every((c) => c?.subtype === 'AT_ValidateConstraint') &&
    [...context.tx.notValidConstraints].some((key) => key.startsWith(`${table}.`));
}

export const workAfterAccessExclusive: Rule = {
  id: 'work-after-access-exclusive',
  severity: 'warning',
  summary: 'Time-consuming work after an ACCESS EXCLUSIVE lock was taken in the same transaction: the table stays blocked for reads and writes until it is done.',
  docs: {
    why: 'A lock is held until the end of the transaction that took it (PostgreSQL docs, "Explicit Locking": "Once acquired, a lock is normally held until the end of the transaction"). After an ALTER TABLE (or any statement taking ACCESS EXCLUSIVE) on an existing table, every later statement of the same transaction runs while no one can read or write that table, so a backfill, index build or validation placed after it extends the outage by its whole duration.',
    safe: 'Keep the ACCESS EXCLUSIVE statement in a short transaction of its own (commit right after it) and do the slow work in separate transactions or migrations, in a form that does not block traffic (batched updates, CREATE INDEX CONCURRENTLY, NOT VALID + VALIDATE).',
    bad: [
      "ALTER TABLE orders ADD COLUMN region text;\nUPDATE orders SET region = 'eu' WHERE region IS NULL;",
      'ALTER TABLE orders ADD COLUMN shipped_at timestamptz;\nCREATE INDEX orders_shipped_at_idx ON orders (shipped_at);',
      "ALTER TABLE users ADD COLUMN tier text;\nUPDATE orders SET status = 'archived' WHERE created_at < now() - interval '5 years';",
    ],
    good: [
      'ALTER TABLE orders ADD COLUMN region text;\nALTER TABLE orders ADD COLUMN shipped_at timestamptz;\nCOMMENT ON COLUMN orders.region IS \'ISO region\';',
      { sql: "ALTER TABLE orders ADD COLUMN region text;\nUPDATE orders SET region = 'eu' WHERE region IS NULL;", transaction: 'per-statement' },
      "BEGIN;\nALTER TABLE orders ADD COLUMN region text;\nCOMMIT;\nUPDATE orders SET region = 'eu' WHERE region IS NULL;",
      "ALTER TABLE orders ADD COLUMN region text;\nSET statement_timeout = '1min';\nUPDATE orders SET region = 'eu' WHERE id = 1;",
      "CREATE TABLE invoices (id bigint PRIMARY KEY, region text);\nALTER TABLE invoices ADD COLUMN paid boolean;\nUPDATE invoices SET region = 'eu';",
      'ALTER TABLE orders ADD COLUMN region text;\nALTER TABLE orders ALTER COLUMN amount TYPE bigint;',
    ],
  },
  check(statement, context) {
    if (!context.tx.inTransaction) return undefined;
    const held = context.tx.held.filter((h) => h.mode === 'ACCESS EXCLUSIVE');
    if (held.length === 0) return undefined;
    const work = workOf(statement, context);
    if (work.length === 0 || validatesOwnNotValid(statement, context)) return undefined;
    // A statement that itself takes ACCESS EXCLUSIVE on the table would block it anyway: its own rules say so.
    const extended = held.filter((lock) => !context.locks.some((l) => l.table === lock.table && l.mode === 'ACCESS EXCLUSIVE'));
    const fresh = extended.filter((lock) => context.once(`${lock.table}@${lock.line}`));
    if (fresh.length === 0) return undefined;
    const item = work.find((w) => fresh.some((lock) => lock.table === w.table)) ?? work[0];
    if (!item) return undefined;
    const size = item.table ? sizeHint(context, item.table) : '';
    const names = fresh.map((lock) => `\`${displayName(lock.table)}\``);
    const locks = fresh.map((lock) => `\`${displayName(lock.table)}\` (taken on line ${lock.line})`);
    const elsewhere = item.table !== undefined && !fresh.some((lock) => lock.table === item.table) ? `, although it works on \`${displayName(item.table)}\`` : '';
    const one = fresh.length === 1;
    return {
      message: `This statement ${item.what}${size} while the transaction still holds the ACCESS EXCLUSIVE lock${one ? '' : 's'} on ${locks.join(' and ')}: reads and writes on ${names.join(' and ')} wait for this statement too${elsewhere}. Commit the lock-taking statement first and do this in a transaction of its own.`,
      detail: [
        `Line${one ? '' : 's'} ${fresh.map((lock) => lock.line).join(' and ')} locked ${names.join(' and ')} in ACCESS EXCLUSIVE mode, and PostgreSQL keeps ${one ? 'that lock' : 'those locks'} until the transaction commits, so everything after ${one ? 'it' : 'them'} in the same transaction extends the time ${names.join(' and ')} ${one ? 'is' : 'are'} unavailable.`,
        '',
        '- Put the ACCESS EXCLUSIVE statement in a transaction (or migration) of its own, kept short, with a `lock_timeout`.',
        '- Run the slow part afterwards, in a separate transaction, in a form that does not block traffic: batched UPDATEs committed one by one, `CREATE INDEX CONCURRENTLY`, `ADD CONSTRAINT ... NOT VALID` then `VALIDATE CONSTRAINT`.',
        '- If the two must be atomic, measure the slow part on a production-size copy: the table is unavailable for that long.',
      ].join('\n'),
    };
  },
};
