import type { DropStmt, Node } from '@pgsql/types';
import { code, heldFor, lockPhrase } from '../src/lint/describe.ts';
import { findToken, fixStatement, insertAfter } from '../src/lint/fix.ts';
import type { Rule } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualifyParts, stringValues } from '../src/sql/names.ts';
import { canRunOutsideTransactionHere, outsideTransactionAdvice } from './support/runner-transactions.ts';

export const requireConcurrentDropIndex: Rule = {
  id: 'require-concurrent-drop-index',
  severity: 'warning',
  summary: 'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table: quick once granted, but every query queues behind it while it waits.',
  docs: {
    why: 'A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index\'s table (PostgreSQL docs, DROP INDEX, CONCURRENTLY: "A normal DROP INDEX acquires an ACCESS EXCLUSIVE lock on the table, blocking other accesses until the index drop can be completed"). The drop itself is instant, but the lock request waits for every running query on the table, and every query that arrives meanwhile queues behind it ("Explicit Locking", Table 13.2: ACCESS EXCLUSIVE conflicts with every mode).',
    safe: 'DROP INDEX CONCURRENTLY waits for the transactions using the index without blocking anyone. It takes a single index and no CASCADE, cannot run inside a transaction block, and is not available for indexes of partitioned tables (there, keep the plain form short with lock_timeout and retry).',
    bad: [
      'DROP INDEX orders_user_id_idx;',
      { sql: 'DROP INDEX IF EXISTS orders_user_id_idx;', transaction: 'per-statement' },
      'DROP INDEX legacy_orders_idx;',
    ],
    good: [
      { sql: 'DROP INDEX CONCURRENTLY orders_user_id_idx;', transaction: 'per-statement' },
      'CREATE TABLE invoices (id bigint PRIMARY KEY, status text);\nCREATE INDEX invoices_status_idx ON invoices (status);\nDROP INDEX invoices_status_idx;',
    ],
  },
  check(statement, context) {
    const drop = nodeOf<DropStmt>(statement, 'DropStmt');
    if (!drop || drop.removeType !== 'OBJECT_INDEX' || drop.concurrent) return undefined;
    const indexes = listOf(drop.objects).map((o) => qualifyParts(stringValues(unwrap<{ items?: Node[] }>(o, 'List')?.items)));
    const owners = indexes.map((index) => ({ index, table: context.schema.indexOwner(index) }));
    // Indexes of tables created earlier in this migration: nobody uses those tables yet.
    const relevant = owners.filter((o) => o.table === undefined || context.isExisting(o.table));
    if (relevant.length === 0) return undefined;

    const cascade = drop.behavior === 'DROP_CASCADE';
    const partitioned = relevant.filter((o) => o.table && context.schema.tables.get(o.table)?.partitioned);
    const single = indexes.length === 1;
    const known = relevant.filter((o): o is { index: string; table: string } => o.table !== undefined);
    const unknown = relevant.filter((o) => o.table === undefined);

    const names = relevant.map((o) => `\`${displayName(o.index)}\``).join(', ');
    const tables = [...new Set(known.map((o) => o.table))];
    const lockParts = tables.map((t) => `an ${lockPhrase('ACCESS EXCLUSIVE', t)}`);
    if (unknown.length > 0) {
      lockParts.push(`an ACCESS EXCLUSIVE lock on the table of ${unknown.map((o) => `\`${displayName(o.index)}\``).join(', ')} (blocks reads and writes; db-review does not know that table: the index was not created by the migrations it read)`);
    }
    const queue = 'the drop is quick once granted, but while it waits for running queries every new query on the table queues behind it';

    const canConcurrently = single && !cascade && partitioned.length === 0;
    const runsOutside = canRunOutsideTransactionHere(statement, context);
    let advice: string;
    if (partitioned.length > 0) {
      advice = 'DROP INDEX CONCURRENTLY does not support indexes of partitioned tables: set a short `lock_timeout` and retry instead';
    } else if (!canConcurrently) {
      advice = `Use one \`DROP INDEX CONCURRENTLY\` per index${cascade ? ', without CASCADE' : ''}`;
    } else if (runsOutside) {
      advice = 'Use DROP INDEX CONCURRENTLY';
    } else {
      advice = `Use DROP INDEX CONCURRENTLY, which cannot run inside a transaction block: ${outsideTransactionAdvice(context.migration)}`;
    }

    const detail = [
      `${code('DROP INDEX CONCURRENTLY')} takes only a SHARE UPDATE EXCLUSIVE lock: it waits for the transactions that use the index to finish, without blocking reads or writes.`,
      '',
      '- It drops a single index per statement and does not support CASCADE' +
        (cascade ? ': drop whatever depends on the index (a foreign key relying on a unique index, say) in its own step first.' : '.'),
      `- It cannot run inside a transaction block: ${outsideTransactionAdvice(context.migration)}.`,
      '- It is not available for indexes of partitioned tables; for those keep the plain DROP INDEX and set `lock_timeout` (e.g. `SET lock_timeout = \'2s\'`) so it gives up instead of queueing traffic, then retry.',
      '- An index that backs a PRIMARY KEY or UNIQUE constraint cannot be dropped with DROP INDEX at all: `ALTER TABLE ... DROP CONSTRAINT` it (ACCESS EXCLUSIVE, also instant once granted).',
    ].join('\n');

    const keyword = findToken(statement, 'INDEX');
    return {
      message: `DROP INDEX ${names} takes ${lockParts.join(' and ')} ${heldFor(context)}: ${queue}. ${advice}.`,
      detail,
      fix: canConcurrently && runsOutside && keyword ? fixStatement(statement, [insertAfter(keyword, 'CONCURRENTLY')]) : undefined,
    };
  },
};
