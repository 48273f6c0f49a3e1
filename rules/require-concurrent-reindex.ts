import type { Node, ReindexStmt } from '@pgsql/types';
import { code, heldFor, sizeHint } from '../src/lint/describe.ts';
import { findToken, fixStatement, insertAfter } from '../src/lint/fix.ts';
import type { Rule } from '../src/lint/rule.ts';
import { nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';
import { canRunOutsideTransactionHere, outsideTransactionAdvice } from './support/runner-transactions.ts';
import { isFalse } from './support/long-work.ts';

/** REINDEX ... CONCURRENTLY exists from PostgreSQL 12 on; partitioned tables can be reindexed from 14 on. */
const CONCURRENT_REINDEX_SINCE = 12;
const PARTITIONED_REINDEX_SINCE = 14;

const KIND_KEYWORD: Record<string, string> = {
  REINDEX_OBJECT_INDEX: 'INDEX',
  REINDEX_OBJECT_TABLE: 'TABLE',
  REINDEX_OBJECT_SCHEMA: 'SCHEMA',
  REINDEX_OBJECT_DATABASE: 'DATABASE',
  REINDEX_OBJECT_SYSTEM: 'SYSTEM',
};

export const requireConcurrentReindex: Rule = {
  id: 'require-concurrent-reindex',
  severity: 'error',
  summary: 'REINDEX without CONCURRENTLY blocks writes to the table, and nearly every read, for the whole rebuild.',
  docs: {
    why: 'A plain REINDEX takes a SHARE lock on the table (writes wait) and an ACCESS EXCLUSIVE lock on each index it rebuilds for the whole rebuild; since the planner takes a lock on every index of a table it plans a query for, virtually every query on the table waits too, except prepared statements with a cached plan that does not use the index (PostgreSQL docs, REINDEX: Notes). REINDEX ... CONCURRENTLY (PostgreSQL 12+) rebuilds under SHARE UPDATE EXCLUSIVE instead ("Rebuilding Indexes Concurrently").',
    safe: 'On PostgreSQL 12 and later use REINDEX INDEX CONCURRENTLY (or TABLE/SCHEMA/DATABASE ... CONCURRENTLY, or the `(CONCURRENTLY)` option), outside a transaction block. Before 12, build a replacement with CREATE INDEX CONCURRENTLY, drop the old index with DROP INDEX CONCURRENTLY and rename the new one.',
    bad: [
      'REINDEX INDEX orders_user_id_idx;',
      { sql: 'REINDEX TABLE orders;', transaction: 'per-statement' },
      { sql: 'REINDEX (VERBOSE) INDEX orders_user_id_idx;', pgVersion: 11, transaction: 'per-statement' },
      { sql: 'REINDEX SCHEMA public;', transaction: 'per-statement' },
    ],
    good: [
      { sql: 'REINDEX INDEX CONCURRENTLY orders_user_id_idx;', transaction: 'per-statement' },
      { sql: 'REINDEX (CONCURRENTLY, VERBOSE) TABLE orders;', transaction: 'per-statement', pgVersion: 14 },
      'CREATE TABLE invoices (id bigint PRIMARY KEY, status text);\nCREATE INDEX invoices_status_idx ON invoices (status);\nREINDEX INDEX invoices_status_idx;\nREINDEX TABLE invoices;',
    ],
  },
  check(statement, context) {
    const reindex = nodeOf<ReindexStmt>(statement, 'ReindexStmt');
    if (!reindex) return undefined;
    const params = (reindex.params ?? []).map((p: Node) => unwrap<{ defname?: string; arg?: Node }>(p, 'DefElem'));
    const concurrently = params.find((p) => p?.defname?.toLowerCase() === 'concurrently');
    if (concurrently && !isFalse(concurrently.arg)) return undefined;

    const kind = reindex.kind ?? 'REINDEX_OBJECT_INDEX';
    const keyword = KIND_KEYWORD[kind] ?? 'INDEX';
    const relation = qualify(reindex.relation);
    let table: string | undefined;
    let subject: string;
    let indexes: string;
    if (kind === 'REINDEX_OBJECT_INDEX') {
      table = context.schema.indexOwner(relation);
      if (table && !context.isExisting(table)) return undefined;
      subject = table ? `\`${displayName(table)}\`` : `the table of \`${displayName(relation)}\` (db-review does not know it: the index was not created by the migrations it read)`;
      indexes = `\`${displayName(relation)}\``;
    } else if (kind === 'REINDEX_OBJECT_TABLE') {
      table = relation;
      if (!context.isExisting(table)) return undefined;
      subject = `\`${displayName(table)}\``;
      indexes = 'each of its indexes in turn';
    } else {
      subject = kind === 'REINDEX_OBJECT_SCHEMA'
        ? `every table of schema \`${reindex.name ?? ''}\``
        : kind === 'REINDEX_OBJECT_SYSTEM' ? 'every system catalog' : 'every table of the database';
      indexes = 'each index in turn';
    }
    const partitioned = table !== undefined && Boolean(context.schema.tables.get(table)?.partitioned);
    // Before 14, REINDEX skips (TABLE) or refuses (INDEX) partitioned tables: nothing is locked for long.
    if (partitioned && context.pgVersion < PARTITIONED_REINDEX_SINCE) return undefined;

    const size = table ? sizeHint(context, table) : '';
    const blocked = `REINDEX takes a SHARE lock on ${subject} (blocks writes) and an ACCESS EXCLUSIVE lock on ${indexes} ${heldFor(context)}; the planner locks every index of a table it plans for, so nearly every read waits as well${size}`;

    if (context.pgVersion < CONCURRENT_REINDEX_SINCE) {
      const index = kind === 'REINDEX_OBJECT_INDEX' ? displayName(relation) : 'some_idx';
      const on = `${table ? displayName(table) : 'some_table'} (...)`;
      return {
        message: `${blocked}. PostgreSQL ${context.pgVersion} has no REINDEX CONCURRENTLY (it needs 12): build a replacement index concurrently and swap it in.`,
        detail: [
          'Before PostgreSQL 12, rebuild an index without blocking traffic by building a copy and swapping it in:',
          '',
          '```sql',
          '-- each statement outside a transaction block; repeat for every index to rebuild',
          `CREATE INDEX CONCURRENTLY ${index}_new ON ${on};  -- same definition as the old index`,
          `DROP INDEX CONCURRENTLY ${index};`,
          `ALTER INDEX ${index}_new RENAME TO ${index};`,
          '```',
          '',
          'For an index that backs a PRIMARY KEY or UNIQUE constraint, build `CREATE UNIQUE INDEX CONCURRENTLY` and swap the constraint in one short transaction: `ALTER TABLE ... DROP CONSTRAINT old, ADD CONSTRAINT old UNIQUE USING INDEX new` (this takes ACCESS EXCLUSIVE briefly; set `lock_timeout`). Foreign keys that reference the constraint must be dropped and re-added (NOT VALID, then VALIDATE).',
        ].join('\n'),
      };
    }

    if (kind === 'REINDEX_OBJECT_SYSTEM') {
      return {
        message: `${blocked}. System catalogs cannot be reindexed concurrently: run REINDEX SYSTEM in a maintenance window, not in a migration.`,
      };
    }

    const runsOutside = canRunOutsideTransactionHere(statement, context);
    const where = runsOutside ? '' : `, which cannot run inside a transaction block: ${outsideTransactionAdvice(context.migration)}`;
    const target = reindex.relation ? ` ${displayName(relation)}` : reindex.name ? ` ${reindex.name}` : '';
    const concurrentForm = `REINDEX ${keyword} CONCURRENTLY${target}`;
    const kindToken = findToken(statement, keyword);
    return {
      message: `${blocked}. Use ${code(concurrentForm)}${where}.`,
      detail: [
        `${code(concurrentForm)} (also written ${code(`REINDEX (CONCURRENTLY) ${keyword}${target}`)} since PostgreSQL 14) builds a new copy of each index under a SHARE UPDATE EXCLUSIVE lock, so reads and writes continue, then swaps it in.`,
        '',
        `- It cannot run inside a transaction block: ${outsideTransactionAdvice(context.migration)}.`,
        '- It takes longer and needs room for a second copy of each index while it runs.',
        '- If it fails, it leaves an INVALID index named `..._ccnew` (or `..._ccold`) behind: drop it with `DROP INDEX CONCURRENTLY` and run it again.',
        kind !== 'REINDEX_OBJECT_INDEX' ? '- System catalog indexes are skipped: they cannot be reindexed concurrently.' : '',
      ].filter(Boolean).join('\n'),
      fix: runsOutside && !concurrently && kindToken ? fixStatement(statement, [insertAfter(kindToken, 'CONCURRENTLY')]) : undefined,
    };
  },
};
