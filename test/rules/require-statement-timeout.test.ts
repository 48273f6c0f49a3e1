import { describe, expect, it } from 'vitest';
import { requireStatementTimeout } from '../../rules/require-statement-timeout.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [requireStatementTimeout];

describe('require-statement-timeout', () => {
  it('reports the first long statement under a blocking lock once per migration', async () => {
    const sql = 'ALTER TABLE orders ADD COLUMN region text;\nCREATE INDEX orders_status_idx ON orders (status);\nCREATE INDEX users_status_idx ON users (status);';
    const findings = await lintSql(sql, { rules, transaction: 'per-statement', tableRows: { orders: 9_000_000 } });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'notice', line: 2 });
    expect(findings[0]!.message).toBe(
      'This statement builds the index `orders_status_idx` (≈ 9,000,000 rows by the size hints) while holding a SHARE lock on `orders` (blocks writes), and no `statement_timeout` is set: if it runs far longer than planned, the lock stays held until someone cancels it by hand. Set `statement_timeout` so it fails fast and rolls back.',
    );
    expect(findings[0]!.detail).toContain("SET statement_timeout = '15min';");
  });

  it('recognises rewrites, scans and full-table updates under a lock taken earlier in the transaction', async () => {
    const rewrite = await lintSql('ALTER TABLE orders ALTER COLUMN amount TYPE bigint;', { rules });
    expect(rewrite[0]!.message).toContain('rewrites the whole table and its indexes to change the type of `amount` while holding an ACCESS EXCLUSIVE lock on `orders`');
    const notNull = await lintSql('ALTER TABLE orders ALTER COLUMN note SET NOT NULL;', { rules });
    expect(notNull[0]!.message).toContain('scans the whole table to check `note` for NULLs');
    const backfill = await lintSql("ALTER TABLE orders ADD COLUMN region text;\nUPDATE orders SET region = 'eu';", { rules });
    expect(backfill[0]!.line).toBe(2);
    expect(backfill[0]!.message).toContain('updates every row of `orders` while holding the ACCESS EXCLUSIVE lock on `orders` (blocks reads and writes) this transaction took on line 1');
    const wholeTable = await lintSql("UPDATE orders SET status = 'x';", { rules, transaction: 'per-statement' });
    expect(wholeTable[0]!.message).toContain('while holding a lock on every row of `orders` (writes to them wait)');
  });

  it('stays silent for work that blocks nothing, metadata-only changes and pinned updates', async () => {
    expect(await lintSql('CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);', { rules, transaction: 'per-statement' })).toEqual([]);
    expect(await lintSql('ALTER TABLE orders VALIDATE CONSTRAINT c;', { rules })).toEqual([]);
    expect(await lintSql('ALTER TABLE orders ALTER COLUMN note TYPE varchar(200), ALTER COLUMN price TYPE numeric(12, 2);', { rules })).toEqual([]);
    expect(await lintSql("ALTER TABLE orders ADD COLUMN region text DEFAULT 'eu';", { rules })).toEqual([]);
    expect(await lintSql("UPDATE orders SET status = 'x' WHERE id = 7;", { rules })).toEqual([]);
    expect(await lintSql("UPDATE orders SET status = 'x' WHERE status = 'y';", { rules, transaction: 'per-statement' })).toEqual([]);
    expect(await lintSql('ALTER TABLE orders ALTER COLUMN user_id SET NOT NULL;', { rules })).toEqual([]);
    expect(await lintSql('REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;', { rules, transaction: 'per-statement' })).toEqual([]);
    expect(await lintSql('REFRESH MATERIALIZED VIEW order_totals;', { rules, transaction: 'per-statement' })).toHaveLength(1);
  });

  it('accepts a statement_timeout set earlier, and knows a volatile default rewrites', async () => {
    expect(await lintSql("SET statement_timeout = '10min';\nCREATE INDEX orders_status_idx ON orders (status);", { rules })).toEqual([]);
    const volatile = await lintSql('ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();', { rules });
    expect(volatile[0]!.message).toContain('rewrites the whole table to fill the new column `token`');
    const before11 = await lintSql("ALTER TABLE orders ADD COLUMN region text DEFAULT 'eu';", { rules, pgVersion: 10 });
    expect(before11).toHaveLength(1);
  });
});
