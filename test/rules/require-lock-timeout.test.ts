import { describe, expect, it } from 'vitest';
import { requireLockTimeout } from '../../rules/require-lock-timeout.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [requireLockTimeout];

describe('require-lock-timeout', () => {
  it('reports the first traffic-blocking statement once per migration, with a SET lock_timeout fix', async () => {
    const sql = 'CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;\n    ALTER TABLE orders\n      ADD COLUMN region text; -- region\nALTER TABLE users ADD COLUMN region text;';
    const findings = await lintSql(sql, { rules });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', line: 3, endLine: 4 });
    expect(findings[0]!.message).toBe(
      'This is the first statement of the migration that needs a lock blocking traffic (ACCESS EXCLUSIVE on `orders`, blocks reads and writes) and no `lock_timeout` is set: if a long-running query or transaction holds any lock on `orders` (a plain SELECT is enough), this statement waits for it, and every query on `orders` that arrives meanwhile queues behind this statement. Set `lock_timeout` first.',
    );
    expect(findings[0]!.fix).toEqual({
      startLine: 3,
      endLine: 4,
      replacement: "    SET lock_timeout = '5s';\n    ALTER TABLE orders\n      ADD COLUMN region text; -- region",
    });
  });

  it('describes a lock that blocks only writes accurately', async () => {
    const findings = await lintSql('CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));', { rules });
    expect(findings[0]!.message).toContain('(SHARE ROW EXCLUSIVE on `orders`, blocks writes)');
    expect(findings[0]!.message).toContain('if a long-running transaction has written to `orders` (or holds another conflicting lock)');
    expect(findings[0]!.message).toContain('every write to `orders` that arrives meanwhile');
  });

  it('accepts lock_timeout set by SET, SET LOCAL or set_config, but not a zero timeout', async () => {
    expect(await lintSql("SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN region text;", { rules })).toEqual([]);
    expect(await lintSql("SET LOCAL lock_timeout TO 2000;\nALTER TABLE orders ADD COLUMN region text;", { rules })).toEqual([]);
    expect(await lintSql("SELECT set_config('lock_timeout', '3s', false);\nDROP TABLE orders;", { rules })).toEqual([]);
    expect(await lintSql("SET lock_timeout = 0;\nALTER TABLE orders ADD COLUMN region text;", { rules })).toHaveLength(1);
  });

  it('ignores locks that let reads and writes go on, and new tables', async () => {
    expect(await lintSql('CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);', { rules, transaction: 'per-statement' })).toEqual([]);
    expect(await lintSql('ALTER TABLE orders VALIDATE CONSTRAINT c;\nUPDATE orders SET note = NULL;', { rules })).toEqual([]);
    expect(await lintSql('CREATE TABLE t (a int);\nCREATE INDEX t_a_idx ON t (a);', { rules })).toEqual([]);
  });

  it('offers no fix where the extra statement would break the migration', async () => {
    // VACUUM FULL alone in a Prisma file runs outside a transaction; a SET before it would make it an implicit one.
    const findings = await lintSql('VACUUM FULL orders;', { rules, framework: 'prisma', transaction: 'implicit' });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.fix).toBeUndefined();
    const plain = await lintSql('VACUUM FULL orders;', { rules, transaction: 'per-statement' });
    expect(plain[0]!.fix?.replacement).toBe("SET lock_timeout = '5s';\nVACUUM FULL orders;");
  });
});
