import { describe, expect, it } from 'vitest';
import { workAfterAccessExclusive } from '../../rules/work-after-access-exclusive.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [workAfterAccessExclusive];

describe('work-after-access-exclusive', () => {
  it('names the table and the line that took the lock, once per held lock', async () => {
    const sql = "ALTER TABLE orders ADD COLUMN region text;\nSET statement_timeout = '5min';\nUPDATE orders SET region = 'eu' WHERE region IS NULL;\nCREATE INDEX orders_region_idx ON orders (region);";
    const findings = await lintSql(sql, { rules, tableRows: { orders: 40_000 } });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', line: 3 });
    expect(findings[0]!.message).toBe(
      'This statement updates rows of `orders` (≈ 40,000 rows by the size hints) while the transaction still holds the ACCESS EXCLUSIVE lock on `orders` (taken on line 1): reads and writes on `orders` wait for this statement too. Commit the lock-taking statement first and do this in a transaction of its own.',
    );
  });

  it('reports a build that would otherwise block only writes', async () => {
    const findings = await lintSql('ALTER TABLE orders ADD COLUMN shipped_at timestamptz;\nCREATE INDEX orders_shipped_at_idx ON orders (shipped_at);', { rules });
    expect(findings[0]!.message).toContain('This statement builds the index `orders_shipped_at_idx` while the transaction still holds the ACCESS EXCLUSIVE lock on `orders` (taken on line 1)');
  });

  it('reports work on another table, naming both', async () => {
    const findings = await lintSql("ALTER TABLE users ADD COLUMN tier text;\nDELETE FROM orders WHERE created_at < now() - interval '5 years';", { rules });
    expect(findings[0]!.message).toContain('deletes rows of `orders` while the transaction still holds the ACCESS EXCLUSIVE lock on `users` (taken on line 1): reads and writes on `users` wait for this statement too, although it works on `orders`.');
  });

  it('lists every held lock in one finding', async () => {
    const findings = await lintSql("ALTER TABLE users ADD COLUMN tier text;\nALTER TABLE orders ADD COLUMN region text;\nUPDATE orders SET region = 'eu';", { rules });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('the ACCESS EXCLUSIVE locks on `users` (taken on line 1) and `orders` (taken on line 2): reads and writes on `users` and `orders` wait');
  });

  it('stays silent for statements that cost nothing, outside transactions, and on new tables', async () => {
    const cheap = [
      'ALTER TABLE orders ADD COLUMN region text;',
      'ALTER TABLE orders ADD COLUMN shipped_at timestamptz;',
      "COMMENT ON COLUMN orders.region IS 'ISO region';",
      "SET lock_timeout = '1s';",
      "UPDATE orders SET region = 'eu' WHERE id = 3;",
      "INSERT INTO users (email) VALUES ('a@example.com');",
      'SELECT count(*) FROM pg_class;',
      'GRANT SELECT ON orders TO reporting;',
      'CREATE TABLE audit (id bigint);',
      'CREATE INDEX audit_id_idx ON audit (id);',
      'RESET lock_timeout;',
    ].join('\n');
    expect(await lintSql(cheap, { rules })).toEqual([]);
    expect(await lintSql("ALTER TABLE orders ADD COLUMN region text;\nUPDATE orders SET region = 'eu';", { rules, transaction: 'per-statement' })).toEqual([]);
    expect(await lintSql("BEGIN;\nALTER TABLE orders ADD COLUMN region text;\nCOMMIT;\nUPDATE orders SET region = 'eu';", { rules, transaction: 'per-statement' })).toEqual([]);
    expect(await lintSql("CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;\nUPDATE t SET b = 1;", { rules })).toEqual([]);
  });

  it('leaves a statement that takes ACCESS EXCLUSIVE itself, and a VALIDATE of its own NOT VALID constraint, to other rules', async () => {
    expect(await lintSql('ALTER TABLE orders ADD COLUMN region text;\nALTER TABLE orders ALTER COLUMN amount TYPE bigint;', { rules })).toEqual([]);
    const validate = 'ALTER TABLE orders ADD CONSTRAINT c CHECK (amount > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;';
    expect(await lintSql(validate, { rules })).toEqual([]);
    // Validating an older constraint while the lock is held is this rule's business.
    const older = await lintSql('ALTER TABLE orders ADD COLUMN region text;\nALTER TABLE orders VALIDATE CONSTRAINT old_check;', { rules });
    expect(older[0]!.message).toContain('This statement scans the whole table to validate `old_check` while the transaction still holds the ACCESS EXCLUSIVE lock on `orders` (taken on line 1)');
  });
});
