import type { IndexStmt } from '@pgsql/types';
import { code, heldFor, lockPhrase, sizeHint } from '../src/lint/describe.ts';
import { findToken, fixStatement, insertAfter } from '../src/lint/fix.ts';
import type { Rule } from '../src/lint/rule.ts';
import { nodeOf } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';

export const requireConcurrentIndex: Rule = {
  id: 'require-concurrent-index',
  severity: 'error',
  summary: 'CREATE INDEX without CONCURRENTLY on an existing table blocks every write while the index builds.',
  docs: {
    why: 'A plain CREATE INDEX takes a SHARE lock on the table for the whole build, which conflicts with ROW EXCLUSIVE: INSERT, UPDATE and DELETE wait until the index is built, which on a large table takes minutes (PostgreSQL docs, CREATE INDEX: "Building Indexes Concurrently").',
    safe: 'CREATE INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE, which lets reads and writes go on. It cannot run inside a transaction block, so give it a migration of its own (or a runner mode without a transaction). If it fails it leaves an INVALID index behind: drop it and retry.',
    bad: ['CREATE INDEX orders_status_idx ON orders (status);'],
    good: [
      'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);',
      'CREATE TABLE invoices (id bigint PRIMARY KEY, status text);\nCREATE INDEX invoices_status_idx ON invoices (status);',
    ],
  },
  check(statement, context) {
    const index = nodeOf<IndexStmt>(statement, 'IndexStmt');
    if (!index || index.concurrent) return undefined;
    const table = qualify(index.relation);
    if (!context.isExisting(table)) return undefined;
    const keyword = findToken(statement, 'INDEX');
    return {
      message: `CREATE INDEX on \`${displayName(table)}\` takes a ${lockPhrase('SHARE', table)} ${heldFor(context)}: every INSERT, UPDATE and DELETE waits until the index is built${sizeHint(context, table)}. Use CREATE INDEX CONCURRENTLY.`,
      detail: [
        `${code('CREATE INDEX CONCURRENTLY')} builds the index with a SHARE UPDATE EXCLUSIVE lock, so reads and writes continue.`,
        'It cannot run inside a transaction block: put it in a migration of its own (or one your runner applies without a transaction).',
        'If the build fails it leaves an INVALID index: `DROP INDEX CONCURRENTLY` it and run the migration again.',
      ].join('\n'),
      fix: keyword ? fixStatement(statement, [insertAfter(keyword, 'CONCURRENTLY')]) : undefined,
    };
  },
};
