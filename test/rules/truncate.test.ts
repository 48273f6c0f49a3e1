import { describe, expect, it } from 'vitest';
import { truncate } from '../../rules/truncate.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [truncate], ...options });

describe('truncate', () => {
  it('reports the deleted rows, the lock and how long it is held', async () => {
    const findings = await run("TRUNCATE orders RESTART IDENTITY;\nINSERT INTO orders (user_id, amount) VALUES (1, 2);", { tableRows: { orders: 80_000 } });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toBe(
      'TRUNCATE `orders` deletes every row (≈ 80,000 rows by the size hints) for good, holding an ACCESS EXCLUSIVE lock on `orders` (blocks reads and writes) until the transaction commits (1 more statement), and RESTART IDENTITY resets the owned sequences. If emptying it in production is really intended, say so in a suppression comment; otherwise DELETE the rows you mean in batches.',
    );
    expect(findings[0]!.detail).toContain('TRUNCATE is not MVCC-safe');
  });

  it('names only the existing tables', async () => {
    const findings = await run('CREATE TABLE staging (id bigint);\nTRUNCATE staging, users, orders;');
    expect(findings[0]!.message.startsWith('TRUNCATE `users`, `orders` deletes every row for good, holding an ACCESS EXCLUSIVE lock on each')).toBe(true);
  });

  it('ignores tables created in the same migration and plain DELETEs', async () => {
    expect(await run('CREATE TABLE staging (id bigint);\nTRUNCATE staging;')).toEqual([]);
    expect(await run('DELETE FROM orders WHERE id = 1;')).toEqual([]);
  });

  it('can be silenced by a suppression that says why', async () => {
    expect(await run('-- db-review:ignore truncate cache table, rebuilt nightly\nTRUNCATE users;')).toEqual([]);
  });
});
