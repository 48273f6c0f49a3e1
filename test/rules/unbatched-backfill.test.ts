import { describe, expect, it } from 'vitest';
import { unbatchedBackfill } from '../../rules/unbatched-backfill.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [unbatchedBackfill];

async function fires(sql: string, options: Parameters<typeof lintSql>[1] = {}): Promise<number[]> {
  return (await lintSql(sql, { rules, ...options })).map((f) => f.line);
}

describe('unbatched-backfill', () => {
  it('reports a whole-table UPDATE after ADD COLUMN, with the held ACCESS EXCLUSIVE lock', async () => {
    const findings = await lintSql('ALTER TABLE orders ADD COLUMN state text;\n\nUPDATE orders\n  SET state = status;', { rules, tableRows: { orders: 3_000_000 } });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', line: 3, endLine: 4 });
    expect(findings[0]!.message).toBe(
      '`UPDATE` of `orders` changes every matching row (no WHERE: the whole table) in one transaction (≈ 3,000,000 rows by the size hints): each updated row stays locked until the statement ends (concurrent writers of those rows wait), the whole change hits the WAL at once (replication lag) and every updated row leaves a dead version behind (bloat). Worse, the ACCESS EXCLUSIVE lock taken on line 1 is still held, so all reads and writes on `orders` wait for the whole change. Change the rows in batches of 1,000–10,000, each committed on its own.',
    );
  });

  it('writes a batch statement that terminates: the not-yet-updated test is derived from SET', async () => {
    const [finding] = await lintSql("UPDATE orders SET status = 'paid', note = NULL WHERE paid_at IS NOT NULL -- legacy\n  OR amount = 0;", { rules });
    expect(finding!.detail).toContain(
      "UPDATE orders SET status = 'paid', note = NULL\nWHERE id IN (\n  SELECT id FROM orders\n  WHERE (paid_at IS NOT NULL OR amount = 0) AND (status, note) IS DISTINCT FROM ('paid', NULL)\n  LIMIT 5000\n  FOR UPDATE SKIP LOCKED\n);",
    );
    expect(finding!.detail).toContain('COMMIT;');
    expect(finding!.detail).toContain('which this migration runs in');
  });

  it('compares with the value as stored (cast to the column type), and gives up on volatile values', async () => {
    const [cast] = await lintSql('UPDATE orders SET amount = price * 100;', { rules });
    expect(cast!.detail).toContain('WHERE amount IS DISTINCT FROM (price * 100)::integer');
    const [volatile] = await lintSql('UPDATE orders SET paid_at = now();', { rules });
    expect(volatile!.detail).toContain('WHERE <rows not yet updated>');
    const [self] = await lintSql('UPDATE orders SET amount = amount + 1;', { rules });
    expect(self!.detail).toContain('The inner condition must be false for rows already updated');
  });

  it('reports DELETE with its own condition as the batch filter', async () => {
    const [finding] = await lintSql("DELETE FROM orders WHERE created_at < now() - interval '2 years';", { rules, transaction: 'per-statement' });
    expect(finding!.message).toMatch(/^`DELETE` from `orders` removes every matching row in one transaction/);
    expect(finding!.detail).toContain("DELETE FROM orders WHERE id IN (SELECT id FROM orders WHERE created_at < now() - interval '2 years' LIMIT 5000 FOR UPDATE SKIP LOCKED);");
    expect(finding!.detail).not.toContain('which this migration runs in');
  });

  it('is a notice for a table the size hints call small', async () => {
    const findings = await lintSql('UPDATE users SET status = NULL;', { rules, tableRows: { users: 8_000 } });
    expect(findings[0]!.severity).toBe('notice');
    expect(findings[0]!.message).toContain('Fine for a small table');
    expect((await lintSql('UPDATE users SET status = NULL;', { rules, tableRows: { users: 20_000 } }))[0]!.severity).toBe('warning');
  });

  it('counts until commit when more statements follow in the transaction', async () => {
    const [finding] = await lintSql('UPDATE users SET status = NULL;\nSELECT 1;\nSELECT 2;', { rules });
    expect(finding!.message).toContain('stays locked until the transaction commits (2 more statements)');
  });

  it('treats LIMIT subqueries, CTEs, key ranges and key lookups as batched', async () => {
    const sql = [
      "UPDATE orders SET status = 'x' WHERE id IN (SELECT id FROM orders WHERE status IS NULL LIMIT 1000 FOR UPDATE SKIP LOCKED);",
      "UPDATE orders SET status = 'x' WHERE id = ANY(ARRAY(SELECT id FROM orders LIMIT 1000));",
      "WITH b AS (SELECT id FROM orders LIMIT 1000) UPDATE orders SET status = 'x' WHERE id IN (SELECT id FROM b);",
      "WITH b AS (SELECT id FROM orders LIMIT 1000) DELETE FROM orders USING b WHERE orders.id = b.id;",
      "UPDATE orders SET status = 'x' FROM (SELECT id FROM orders LIMIT 1000) b WHERE orders.id = b.id;",
      "UPDATE orders SET status = 'x' WHERE id BETWEEN 1 AND 10000;",
      "UPDATE orders SET status = 'x' WHERE 20000 > id AND id >= 10000 AND status IS NULL;",
      "UPDATE orders SET status = 'x' WHERE user_id >= 5 AND user_id < 10;",
      "UPDATE orders SET status = 'x' WHERE id = 42;",
      "UPDATE orders SET status = 'x' WHERE o.id IN (1, 2, 3);".replace('o.id', 'orders.id'),
      "UPDATE orders SET status = 'x' WHERE id = ANY('{1,2}');",
      "DELETE FROM orders WHERE id = 1 OR id = 2;",
      'DELETE FROM orders WHERE CURRENT OF c;',
    ].join('\n');
    expect(await fires(sql)).toEqual([]);
  });

  it('does not take a filter for a batch', async () => {
    const sql = [
      "UPDATE orders SET status = 'x' WHERE id > 1000;", // one-sided range
      "UPDATE orders SET status = 'x' WHERE id BETWEEN 1 AND 100000000;", // the whole table
      "UPDATE orders SET status = 'x' WHERE amount BETWEEN 1 AND 5;", // not indexed
      "UPDATE orders SET status = 'x' WHERE user_id = 5;", // not unique
      "UPDATE orders SET status = 'x' WHERE id = 1 OR status IS NULL;", // one branch unbounded
      "UPDATE orders SET status = 'x' WHERE NOT (id = 1);",
      "UPDATE orders SET status = 'x' WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = orders.user_id LIMIT 1);",
      "UPDATE orders SET status = 'x' FROM users WHERE users.id = orders.user_id;", // a join, not a lookup
      "UPDATE orders SET status = 'x' WHERE id IN (SELECT id FROM orders LIMIT ALL);",
    ].join('\n');
    expect(await fires(sql, { transaction: 'per-statement' })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('gives an equality the benefit of the doubt on a table whose definition it never saw', async () => {
    expect(await fires("UPDATE settings SET value = 'on' WHERE key = 'beta';")).toEqual([]);
    expect(await fires("UPDATE settings SET value = 'on';")).toEqual([1]);
  });

  it('DO blocks: a loop with COMMIT is batched, a loop without it is one transaction', async () => {
    const body = (commit: string) => `DO $$\nDECLARE n bigint;\nBEGIN\n  LOOP\n    UPDATE orders SET note = '' WHERE id IN (SELECT id FROM orders WHERE note IS NULL LIMIT 5000);\n    GET DIAGNOSTICS n = ROW_COUNT;\n    EXIT WHEN n = 0;${commit}\n  END LOOP;\nEND $$;`;
    expect(await fires(body('\n    COMMIT;'), { transaction: 'per-statement' })).toEqual([]);
    const findings = await lintSql(body(''), { rules, transaction: 'per-statement' });
    expect(findings.map((f) => f.line)).toEqual([5]);
    expect(findings[0]!.message).toContain('The DO block around this `UPDATE` on `orders` loops without COMMIT');
    expect(findings[0]!.message).toContain('until the DO block ends');
    expect(findings[0]!.detail).toContain("UPDATE orders SET note = '' WHERE id IN (SELECT id FROM orders WHERE note IS NULL LIMIT 5000);\n    GET DIAGNOSTICS");
  });

  it('DO blocks without a loop: variables count as constants for a key lookup', async () => {
    const sql = "DO $$\nDECLARE v bigint := 1;\nBEGIN\n  UPDATE orders SET status = 'x' WHERE id = v;\n  UPDATE orders SET status = 'y';\nEND $$;";
    expect(await fires(sql, { transaction: 'per-statement' })).toEqual([5]);
  });

  it('ignores tables created in the migration and function bodies', async () => {
    const sql = [
      'CREATE TABLE scratch (id bigint PRIMARY KEY, note text);',
      "UPDATE scratch SET note = '';",
      'CREATE FUNCTION purge() RETURNS void LANGUAGE sql AS $$ DELETE FROM orders $$;',
    ].join('\n');
    expect(await fires(sql)).toEqual([]);
  });

  it('INSERT ... SELECT copying a table: a notice; an upsert: a warning; small or bounded sources: nothing', async () => {
    const copy = await lintSql('INSERT INTO users (email) SELECT note FROM orders;', { rules });
    expect(copy.map((f) => f.severity)).toEqual(['notice']);
    expect(copy[0]!.message).toContain('new rows block no one');
    expect(copy[0]!.detail).toContain('WHERE id > :last_id AND id <= :last_id + 10000');
    const upsert = await lintSql('INSERT INTO users (id, email) OVERRIDING SYSTEM VALUE SELECT user_id, note FROM orders ON CONFLICT (id) DO UPDATE SET email = excluded.email;', { rules });
    expect(upsert.map((f) => f.severity)).toEqual(['warning']);
    expect(upsert[0]!.message).toContain('updates every conflicting row');
    expect(await fires('INSERT INTO users (email) SELECT note FROM orders;', { tableRows: { orders: 500 } })).toEqual([]);
    expect(await fires('INSERT INTO users (email) SELECT note FROM orders WHERE id BETWEEN 1 AND 5000;')).toEqual([]);
    expect(await fires('INSERT INTO users (email) SELECT note FROM orders LIMIT 10;')).toEqual([]);
    expect(await fires("INSERT INTO users (email) SELECT 'x' || g FROM generate_series(1, 10) g;")).toEqual([]);
  });
});
