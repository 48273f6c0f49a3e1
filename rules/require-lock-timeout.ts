import type { Rule } from '../src/lint/rule.ts';
import { blocksTraffic, describeBlocked, strongest, type LockMode } from '../src/sql/lock-modes.ts';
import { displayName } from '../src/sql/names.ts';
import { cannotRunInTransaction } from '../src/sql/non-transactional.ts';

const TIMEOUT = '5s';

export const requireLockTimeout: Rule = {
  id: 'require-lock-timeout',
  severity: 'warning',
  summary: 'A migration that takes a lock blocking reads or writes on an existing table without setting lock_timeout can stall all traffic on the table while it waits.',
  docs: {
    why: 'A lock request waits while a conflicting lock is held (PostgreSQL docs, "Explicit Locking", Table 13.2 "Conflicting Lock Modes"), and PostgreSQL grants waiting requests in arrival order, so every later request that conflicts with the waiting one queues behind it: while an ALTER TABLE waits for a long-running query, even plain SELECTs on the table wait. lock_timeout (Client Connection Defaults: "Abort any statement that waits longer than the specified amount of time while attempting to acquire a lock") stops the queue from building up; it is off (0) by default.',
    safe: 'Start the migration with `SET lock_timeout = \'5s\';` (SET LOCAL inside a transaction), so a statement that cannot get its lock quickly fails instead of stalling traffic, and retry the migration later.',
    bad: [
      'ALTER TABLE orders ADD COLUMN shipped_at timestamptz;',
      'CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));',
    ],
    good: [
      "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN shipped_at timestamptz;",
      "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN shipped_at timestamptz;\nCOMMIT;",
      "SELECT set_config('lock_timeout', '3s', false);\nALTER TABLE orders ADD COLUMN shipped_at timestamptz;",
      'CREATE TABLE invoices (id bigint PRIMARY KEY, note text);\nALTER TABLE invoices ADD COLUMN paid_at timestamptz;',
      { sql: 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);', transaction: 'per-statement' },
      'UPDATE orders SET note = NULL WHERE id = 1;',
    ],
  },
  check(statement, context) {
    if (context.tx.lockTimeout) return undefined;
    const blocking = context.locks.filter((l) => blocksTraffic(l.mode) && context.isExisting(l.table));
    if (blocking.length === 0) return undefined;
    if (!context.once('first-blocking-lock')) return undefined;

    const byTable = new Map<string, LockMode>();
    for (const lock of blocking) byTable.set(lock.table, strongest([lock.mode, byTable.get(lock.table) ?? lock.mode]) ?? lock.mode);
    const tables = [...byTable.keys()].map((t) => `\`${displayName(t)}\``);
    const locks = [...byTable].map(([table, mode]) => `${mode} on \`${displayName(table)}\``).join(' and ');
    const worst = strongest(byTable.values()) ?? 'ACCESS EXCLUSIVE';
    const blocksReads = describeBlocked(worst) === 'reads and writes';
    const queued = blocksReads ? 'every query on' : 'every write to';
    const holder = blocksReads
      ? `a long-running query or transaction holds any lock on ${tables.join(', ')} (a plain SELECT is enough)`
      : `a long-running transaction has written to ${tables.join(', ')} (or holds another conflicting lock)`;

    const indent = /^\s*/.exec(statement.linePrefix)?.[0] ?? '';
    // Adding a statement would put one that refuses transaction blocks into an implicit one (or a mixed Flyway script).
    const fixable = !(cannotRunInTransaction(statement) && context.migration.transaction !== 'per-statement');
    return {
      message: `This is the first statement of the migration that needs a lock blocking traffic (${locks}, blocks ${describeBlocked(worst)}) and no \`lock_timeout\` is set: if ${holder}, this statement waits for it, and ${queued} ${tables.join(', ')} that arrives meanwhile queues behind this statement. Set \`lock_timeout\` first.`,
      detail: [
        '```sql',
        `SET lock_timeout = '${TIMEOUT}';`,
        '```',
        '',
        `- With it, a statement that waits longer than ${TIMEOUT} for its lock fails with \`ERROR: canceling statement due to lock timeout\` (SQLSTATE 55P03) instead of stalling traffic; the migration fails cleanly and can be retried, ideally automatically with a backoff.`,
        '- Inside a transaction prefer `SET LOCAL lock_timeout`, which ends with the transaction; a plain `SET` lasts for the rest of the session. If the timeout fires, the whole transaction rolls back.',
        '- Pick a value long enough to get the lock on a healthy database and short enough that the queries queued behind the statement do not time out: 1 to 5 seconds is typical.',
        '- If the runner\'s role or connection already sets it (`ALTER ROLE ... SET lock_timeout`, or `options=-c lock_timeout=5s` in the connection string), suppress this finding.',
      ].join('\n'),
      fix: fixable
        ? {
            startLine: statement.range.startLine,
            endLine: statement.range.endLine,
            replacement: `${indent}SET lock_timeout = '${TIMEOUT}';\n${statement.linePrefix}${statement.sql}${statement.lineSuffix}`,
          }
        : undefined,
    };
  },
};
