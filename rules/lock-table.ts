import type { LockStmt } from '@pgsql/types';
import { statementsLaterInTransaction } from '../src/lint/describe.ts';
import type { Rule, RuleContext } from '../src/lint/rule.ts';
import { nodeOf } from '../src/sql/ast.ts';
import { blockedBy, blocksTraffic, describeBlocked, type LockMode } from '../src/sql/lock-modes.ts';
import { displayName } from '../src/sql/names.ts';

export const lockTable: Rule = {
  id: 'lock-table',
  severity: 'warning',
  summary: 'An explicit LOCK TABLE on an existing table in a migration blocks application traffic until the transaction ends.',
  docs: {
    why: 'LOCK TABLE takes the named table-level lock, ACCESS EXCLUSIVE when no mode is given, and holds it until the transaction ends; every statement whose lock conflicts with it waits (PostgreSQL docs, LOCK and "Explicit Locking", Table 13.2: SHARE and stronger block INSERT, UPDATE and DELETE; EXCLUSIVE also blocks SELECT FOR UPDATE; ACCESS EXCLUSIVE blocks plain SELECT too). While it waits for the lock, every later query on the table queues behind it.',
    safe: 'Take the weakest mode the migration needs, as late as possible in a short transaction, with a lock_timeout (or NOWAIT) so it gives up instead of queueing traffic behind it. Modes that block no reads or writes (ACCESS SHARE, ROW SHARE, ROW EXCLUSIVE, SHARE UPDATE EXCLUSIVE) are not reported.',
    bad: ['LOCK TABLE orders;\nUPDATE orders SET status = NULL WHERE id = 1;', 'LOCK TABLE orders IN SHARE MODE;\nSELECT count(*) FROM orders;'],
    good: [
      'LOCK TABLE orders IN ACCESS SHARE MODE;\nSELECT count(*) FROM orders;',
      'LOCK TABLE orders IN ROW EXCLUSIVE MODE;',
      'LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE;',
      'CREATE TABLE staging (id bigint);\nLOCK TABLE staging;',
    ],
  },
  check(statement, context) {
    const lock = nodeOf<LockStmt>(statement, 'LockStmt');
    if (!lock) return undefined;
    // A DO block runs as one statement, in a transaction of its own: LOCK works there.
    if (!context.tx.inTransaction && !statement.embeddedIn) {
      return {
        severity: 'error',
        message: `LOCK TABLE runs outside a transaction block here, so PostgreSQL refuses it (\`LOCK TABLE can only be used in transaction blocks\`) and the migration fails.`,
        detail: 'A lock taken outside a transaction would be released at once, so PostgreSQL rejects the statement. Put it inside the transaction whose statements need it, or drop it.',
      };
    }
    const locked = context.locks.filter((l) => context.isExisting(l.table) && blocksTraffic(l.mode));
    const mode = locked[0]?.mode;
    if (!mode) return undefined;
    const tables = locked.map((l) => `\`${displayName(l.table)}\``).join(', ');
    const written = /\bMODE\b/i.test(statement.sql) ? '' : ' (the default when no mode is given)';
    return {
      message: `LOCK TABLE takes ${mode.startsWith('S') ? 'a' : 'an'} ${mode} lock${written} on ${tables}, blocking ${blockedWhat(mode)} ${until(context)}${context.tx.lockTimeout || lock.nowait ? '' : `; while it waits for the lock, new ${describeBlocked(mode)} on the table queue behind it`}.`,
      detail: [
        `${mode} conflicts with ${conflictList(mode)}. Application ${describeBlocked(mode)} wait until the transaction commits.`,
        '',
        '- Use the weakest mode the migration really needs: SHARE keeps out writers, EXCLUSIVE also SELECT FOR UPDATE/SHARE, and only ACCESS EXCLUSIVE also plain reads, which is rarely needed: ALTER TABLE takes its own lock anyway.',
        '- Take the lock right before the statements that need it, keep the transaction short, and commit.',
        context.tx.lockTimeout || lock.nowait
          ? '- A lock timeout or NOWAIT is set: the LOCK gives up instead of queueing traffic behind it; retry the migration when it does.'
          : "- Set a lock timeout first (`SET LOCAL lock_timeout = '2s'`) or use NOWAIT, so that if a long query holds the table the LOCK fails fast instead of queueing every other query behind it; retry then.",
      ].join('\n'),
    };
  },
};

function blockedWhat(mode: LockMode): string {
  const blocked = blockedBy(mode);
  if (blocked.reads) return 'every read and write';
  if (mode === 'EXCLUSIVE') return 'every INSERT, UPDATE, DELETE and SELECT FOR UPDATE/SHARE (plain reads go on)';
  return 'every INSERT, UPDATE and DELETE (reads go on)';
}

function conflictList(mode: LockMode): string {
  switch (mode) {
    case 'SHARE':
      return 'ROW EXCLUSIVE (INSERT, UPDATE, DELETE), SHARE UPDATE EXCLUSIVE (VACUUM, CREATE INDEX CONCURRENTLY) and every stronger mode';
    case 'SHARE ROW EXCLUSIVE':
      return 'ROW EXCLUSIVE (INSERT, UPDATE, DELETE), SHARE UPDATE EXCLUSIVE (VACUUM), SHARE (CREATE INDEX), itself and every stronger mode';
    case 'EXCLUSIVE':
      return 'every mode but ACCESS SHARE: ROW SHARE (SELECT FOR UPDATE/SHARE), ROW EXCLUSIVE (INSERT, UPDATE, DELETE) and all stronger ones';
    case 'ACCESS EXCLUSIVE':
      return 'every mode, ACCESS SHARE (plain SELECT) included';
    default:
      return 'the modes of the statements it blocks';
  }
}

/** A LOCK is always held to the end of the transaction. */
function until(context: RuleContext): string {
  const n = statementsLaterInTransaction(context);
  return n > 0 ? `until the transaction commits (${n} more statement${n === 1 ? '' : 's'})` : 'until the transaction commits';
}
