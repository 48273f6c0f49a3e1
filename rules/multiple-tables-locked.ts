import type { DropStmt } from '@pgsql/types';
import type { Rule, RuleContext } from '../src/lint/rule.ts';
import type { HeldLock } from '../src/lint/transaction.ts';
import { nodeOf } from '../src/sql/ast.ts';
import { blocksTraffic, describeBlocked, strongest, type LockMode } from '../src/sql/lock-modes.ts';
import { displayName } from '../src/sql/names.ts';
import type { Statement } from '../src/sql/statement.ts';
import { article } from './support/long-work.ts';

function dropsTables(statement: Statement | undefined): boolean {
  return statement !== undefined && nodeOf<DropStmt>(statement, 'DropStmt')?.removeType === 'OBJECT_TABLE';
}

/** Held locks that matter: those on tables the application uses, i.e. not on tables being dropped. */
function heldTrafficLocks(context: RuleContext): HeldLock[] {
  return context.tx.held.filter((h) => {
    if (!blocksTraffic(h.mode)) return false;
    const taker = context.statements.find((s) => s.range.startLine === h.line && !s.embeddedIn);
    return !dropsTables(taker);
  });
}

export const multipleTablesLocked: Rule = {
  id: 'multiple-tables-locked',
  severity: 'warning',
  summary: 'One transaction takes traffic-blocking locks on several existing tables: the outage spans all of them, and lock-order deadlocks with the application become possible.',
  docs: {
    why: 'Locks are held until the transaction ends (PostgreSQL docs, "Explicit Locking"), so a migration transaction that locks a second table keeps the first one blocked while it waits for and works on the second. Transactions that take the same locks in a different order deadlock, and PostgreSQL then aborts one of them ("Explicit Locking", Deadlocks: "the best defense against deadlocks is generally to avoid them by being certain that all applications using a database acquire locks on multiple objects in a consistent order").',
    safe: 'Change one table per transaction (one migration per table, or COMMIT between them). If the changes must be atomic, take all the locks up front in a fixed order with LOCK TABLE and a short lock_timeout, and keep the transaction short.',
    bad: [
      'ALTER TABLE orders ADD COLUMN region text;\nALTER TABLE users ADD COLUMN region text;',
      'ALTER TABLE users ADD COLUMN tier text;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nCREATE INDEX orders_note_idx ON orders (note);',
    ],
    good: [
      'ALTER TABLE orders ADD COLUMN region text;\nALTER TABLE orders ADD COLUMN shipped_at timestamptz;',
      { sql: 'ALTER TABLE orders ADD COLUMN region text;\nALTER TABLE users ADD COLUMN region text;', transaction: 'per-statement' },
      'BEGIN;\nALTER TABLE orders ADD COLUMN region text;\nCOMMIT;\nBEGIN;\nALTER TABLE users ADD COLUMN region text;\nCOMMIT;',
      'CREATE TABLE invoices (id bigint PRIMARY KEY);\nALTER TABLE orders ADD COLUMN region text;\nALTER TABLE invoices ADD COLUMN region text;',
      "ALTER TABLE orders ADD COLUMN region text;\nUPDATE users SET name = 'x' WHERE id = 1;",
      { base: 'CREATE TABLE legacy_a (id int);\nCREATE TABLE legacy_b (id int);', sql: 'DROP TABLE legacy_a;\nDROP TABLE legacy_b;' },
    ],
  },
  check(statement, context) {
    if (!context.tx.inTransaction || dropsTables(statement)) return undefined;
    const held = heldTrafficLocks(context);
    if (held.length === 0) return undefined;
    const heldTables = new Set(held.map((h) => h.table));
    const mine = new Map<string, LockMode>();
    for (const lock of context.locks) {
      if (!blocksTraffic(lock.mode) || heldTables.has(lock.table) || !context.isExisting(lock.table)) continue;
      mine.set(lock.table, strongest([lock.mode, mine.get(lock.table) ?? lock.mode]) ?? lock.mode);
    }
    if (mine.size === 0) return undefined;
    const firstLine = Math.min(...context.tx.held.map((h) => h.line));
    if (!context.once(`transaction@${firstLine}`)) return undefined;

    const taking = [...mine].map(([t, mode]) => `${article(mode)} ${mode} lock on \`${displayName(t)}\` (blocks ${describeBlocked(mode)})`).join(' and ');
    const holding = held.map((h) => `the ${h.mode} lock on \`${displayName(h.table)}\` from line ${h.line} (blocks ${describeBlocked(h.mode)})`).join(' and ');
    const heldNames = [...heldTables].map((t) => `\`${displayName(t)}\``).join(', ');
    const newNames = [...mine.keys()].map((t) => `\`${displayName(t)}\``).join(', ');
    return {
      message: `This statement takes ${taking} while the transaction still holds ${holding}: ${heldNames} ${heldTables.size === 1 ? 'stays' : 'stay'} blocked while this statement waits for its lock and then, with ${newNames}, until the commit, and an application transaction that locks them in the opposite order can deadlock with the migration. Change one table per transaction.`,
      detail: [
        'Each lock is kept until the transaction commits, so the outage of every table already locked grows by however long the next lock takes to get (it waits for all running queries on that table) and by the work done under it.',
        '',
        '- Split the migration: one table per transaction (one migration per table, or COMMIT between the tables when the runner sends statements one by one).',
        `- If the changes must be atomic, take every lock up front in a fixed order, with a short lock_timeout, and keep the rest of the transaction short:`,
        '',
        '```sql',
        "SET LOCAL lock_timeout = '2s';",
        `LOCK TABLE ${[...heldTables, ...mine.keys()].map(displayName).join(', ')} IN ${strongest([...held.map((h) => h.mode), ...mine.values()]) ?? 'ACCESS EXCLUSIVE'} MODE;  -- the strongest mode the transaction needs`,
        '```',
        '',
        '- Application code that touches these tables in one transaction should lock them in the same order.',
      ].join('\n'),
    };
  },
};
