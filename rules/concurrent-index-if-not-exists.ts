import type { IndexStmt } from '@pgsql/types';
import type { Rule } from '../src/lint/rule.ts';
import { nodeOf } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';

export const concurrentIndexIfNotExists: Rule = {
  id: 'concurrent-index-if-not-exists',
  severity: 'notice',
  summary: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS silently keeps the INVALID index a failed earlier attempt left behind.',
  docs: {
    why: 'When a concurrent index build fails (deadlock, uniqueness violation, cancellation, lock or statement timeout), PostgreSQL leaves the index in place marked INVALID: it is ignored by queries but still updated on every write (PostgreSQL docs, CREATE INDEX, "Building Indexes Concurrently"). IF NOT EXISTS only checks the name ("there is no guarantee that the existing index is anything like the one that would have been created"), so re-running the migration skips the build with a notice and the broken index stays.',
    safe: 'Drop any leftover first, then build without IF NOT EXISTS: `DROP INDEX CONCURRENTLY IF EXISTS name;` followed by `CREATE INDEX CONCURRENTLY name ...`. Find invalid indexes with `SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;`.',
    bad: [{ sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status);', transaction: 'per-statement' }],
    good: [
      { sql: 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);', transaction: 'per-statement' },
      { sql: 'DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;\nCREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);', transaction: 'per-statement' },
      'CREATE INDEX IF NOT EXISTS orders_status_idx ON orders (status);',
      { sql: 'CREATE TABLE invoices (id bigint PRIMARY KEY, status text);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS invoices_status_idx ON invoices (status);', transaction: 'per-statement' },
    ],
  },
  check(statement, context) {
    const index = nodeOf<IndexStmt>(statement, 'IndexStmt');
    if (!index?.concurrent || !index.if_not_exists) return undefined;
    const table = qualify(index.relation);
    // A table created in this migration is empty and unused: its concurrent build has nothing to fail on.
    if (!context.isExisting(table)) return undefined;
    const schema = index.relation?.schemaname;
    const name = index.idxname ? (schema ? `${schema}.${index.idxname}` : index.idxname) : 'the_index';
    return {
      message: `If an earlier run of this CREATE INDEX CONCURRENTLY on \`${displayName(table)}\` failed, it left an INVALID index \`${name}\`, and IF NOT EXISTS then skips the build: the index is never used by queries but still maintained on every write. Drop a leftover invalid index before building instead of IF NOT EXISTS.`,
      detail: [
        'A failed concurrent build (deadlock, uniqueness violation, cancellation, `lock_timeout` or `statement_timeout`) leaves the index behind marked INVALID. IF NOT EXISTS only compares names, so a retry succeeds with `NOTICE: relation "..." already exists, skipping` and the broken index stays.',
        '',
        'Make the migration safe to re-run by dropping any leftover first (each statement outside a transaction block):',
        '',
        '```sql',
        `DROP INDEX CONCURRENTLY IF EXISTS ${name};`,
        `${statement.sql.replace(/\s+IF\s+NOT\s+EXISTS\b/i, '')};`,
        '```',
        '',
        'To find invalid indexes: `SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;`',
      ].join('\n'),
    };
  },
};
