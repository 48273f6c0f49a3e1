import type { RangeVar, TruncateStmt } from '@pgsql/types';
import { heldFor, lockPhrase, sizeHint } from '../src/lint/describe.ts';
import type { Rule } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';

export const truncate: Rule = {
  id: 'truncate',
  severity: 'error',
  summary: 'TRUNCATE on an existing table deletes every row under an ACCESS EXCLUSIVE lock.',
  docs: {
    why: 'TRUNCATE removes all rows at once and takes an ACCESS EXCLUSIVE lock on each table it empties, so every read and write waits (PostgreSQL docs, TRUNCATE). It is not MVCC-safe: concurrent transactions with an older snapshot see the table empty. In a migration that runs against production it deletes production data, which only a restore brings back.',
    safe: 'If emptying the table is really intended (a cache or staging table), suppress the finding with a comment saying so. To remove production rows without blocking, DELETE them in batches; to keep them, copy the table first.',
    bad: ['TRUNCATE orders;', 'TRUNCATE TABLE users, orders RESTART IDENTITY;'],
    good: ['CREATE TABLE import_tmp (id bigint, payload jsonb);\nTRUNCATE import_tmp;', 'DELETE FROM orders WHERE created_at < now() - interval \'5 years\';'],
  },
  check(statement, context) {
    const stmt = nodeOf<TruncateStmt>(statement, 'TruncateStmt');
    if (!stmt) return undefined;
    const tables = listOf(stmt.relations)
      .map((r) => qualify(unwrap<RangeVar>(r, 'RangeVar')))
      .filter((table) => context.isExisting(table));
    if (!tables.length) return undefined;
    const first = tables[0] ?? '';
    const names = tables.map((t) => `\`${displayName(t)}\``).join(', ');
    const one = tables.length === 1;
    const locks = one ? lockPhrase('ACCESS EXCLUSIVE', first) : `ACCESS EXCLUSIVE lock on each (blocks reads and writes)`;
    return {
      message: `TRUNCATE ${names} deletes every row${one ? sizeHint(context, first) : ''} for good, holding an ${locks} ${heldFor(context)}${stmt.restart_seqs ? ', and RESTART IDENTITY resets the owned sequences' : ''}. If emptying ${one ? 'it' : 'them'} in production is really intended, say so in a suppression comment; otherwise DELETE the rows you mean in batches.`,
      detail: [
        'TRUNCATE is not MVCC-safe: transactions that started before it see the table empty afterwards. It also fails if another table has a foreign key to this one, unless that table is truncated too (or CASCADE empties it silently).',
        '',
        'To keep a copy first:',
        '',
        '```sql',
        `CREATE TABLE ${displayName(first).split('.').at(-1)}_backup AS TABLE ${displayName(first)};`,
        '```',
        '',
        'To delete without blocking traffic, in batches (each its own transaction):',
        '',
        '```sql',
        `DELETE FROM ${displayName(first)} WHERE ctid IN (SELECT ctid FROM ${displayName(first)} LIMIT 5000);`,
        '```',
      ].join('\n'),
    };
  },
};
