import { sizeHint } from '../src/lint/describe.ts';
import type { Rule, RuleContext } from '../src/lint/rule.ts';
import { blocksTraffic, describeBlocked } from '../src/sql/lock-modes.ts';
import { displayName } from '../src/sql/names.ts';
import { article, workOf, type Work } from './support/long-work.ts';

/** How the work blocks traffic: its own lock, one the transaction already holds, or row locks on every row. */
function blockingOf(work: Work, context: RuleContext): string | undefined {
  if (work.kind === 'query') return undefined;
  if (work.table === undefined) {
    return work.mode && blocksTraffic(work.mode) ? `${article(work.mode)} ${work.mode} lock on each table in turn (blocks ${describeBlocked(work.mode)})` : undefined;
  }
  const table = `\`${displayName(work.table)}\``;
  const held = context.tx.held.find((h) => h.table === work.table && blocksTraffic(h.mode));
  if (work.mode && blocksTraffic(work.mode) && (!held || held.mode === work.mode)) {
    return `${article(work.mode)} ${work.mode} lock on ${table} (blocks ${describeBlocked(work.mode)})`;
  }
  if (held) return `the ${held.mode} lock on ${table} (blocks ${describeBlocked(held.mode)}) this transaction took on line ${held.line}`;
  if (work.kind === 'dml' && work.wholeTable) return `a lock on every row of ${table} (writes to them wait)`;
  return undefined;
}

export const requireStatementTimeout: Rule = {
  id: 'require-statement-timeout',
  severity: 'notice',
  summary: 'Long work under a lock that blocks traffic, with no statement_timeout: if it runs far longer than planned, nothing stops it.',
  docs: {
    why: 'Index builds, validation scans, rewrites and full-table UPDATEs take time proportional to the table, and every lock they hold stays held until they finish (PostgreSQL docs, "Explicit Locking"). statement_timeout (Client Connection Defaults) aborts any statement that runs longer than the limit, rolling back its transaction and releasing its locks; it is off (0) by default, so a migration that runs ten times longer than on staging keeps the table blocked until someone notices.',
    safe: 'Set a statement_timeout sized from a run on a production-size copy before the long statement (SET LOCAL inside a transaction), so a runaway migration fails and rolls back on its own; better still, use the non-blocking form of the operation.',
    bad: [
      'CREATE INDEX orders_status_idx ON orders (status);',
      'ALTER TABLE orders ALTER COLUMN amount TYPE bigint;',
      "ALTER TABLE orders ADD COLUMN region text;\nUPDATE orders SET region = 'eu';",
    ],
    good: [
      "SET statement_timeout = '15min';\nCREATE INDEX orders_status_idx ON orders (status);",
      { sql: 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);', transaction: 'per-statement' },
      'ALTER TABLE orders ALTER COLUMN note TYPE varchar(100);',
      'ALTER TABLE orders ADD COLUMN region text;',
      "UPDATE orders SET status = 'paid' WHERE id = 42;",
      'CREATE TABLE invoices (id bigint PRIMARY KEY, status text);\nCREATE INDEX invoices_status_idx ON invoices (status);',
      'ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;',
    ],
  },
  check(statement, context) {
    if (context.tx.statementTimeout) return undefined;
    let found: { work: Work; blocking: string } | undefined;
    for (const work of workOf(statement, context)) {
      const blocking = blockingOf(work, context);
      if (blocking) {
        found = { work, blocking };
        break;
      }
    }
    if (!found || !context.once('first-long-work')) return undefined;
    const { work, blocking } = found;
    const size = work.table ? sizeHint(context, work.table) : '';
    return {
      message: `This statement ${work.what}${size} while holding ${blocking}, and no \`statement_timeout\` is set: if it runs far longer than planned, the lock stays held until someone cancels it by hand. Set \`statement_timeout\` so it fails fast and rolls back.`,
      detail: [
        '```sql',
        "SET statement_timeout = '15min';  -- size it from a run on a production-size copy",
        '```',
        '',
        '- It limits each statement, lock waits included. When it fires, PostgreSQL cancels the statement (`ERROR: canceling statement due to statement timeout`, SQLSTATE 57014), the transaction rolls back and its locks are released.',
        '- Inside a transaction prefer `SET LOCAL statement_timeout`, which ends with the transaction.',
        '- Pair it with a short `lock_timeout`, so that waiting for the lock fails fast too.',
        '- Better still, use the form that does not block traffic (CONCURRENTLY, NOT VALID + VALIDATE, batched updates) where one exists.',
      ].join('\n'),
    };
  },
};
