import { describe, expect, it } from 'vitest';
import { constraintMissingNotValid } from '../../rules/constraint-missing-not-valid.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [constraintMissingNotValid];

describe('constraint-missing-not-valid', () => {
  it('reports the ACCESS EXCLUSIVE lock and the scan of a CHECK, and appends NOT VALID', async () => {
    const findings = await lintSql('SELECT 1;\nALTER TABLE orders\n  ADD CONSTRAINT orders_amount_positive CHECK (amount > 0);', { rules, tableRows: { orders: 3_000_000 } });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 2, endLine: 3 });
    expect(findings[0]!.message).toBe(
      'ADD CONSTRAINT `orders_amount_positive` (CHECK) takes an ACCESS EXCLUSIVE lock on `orders` (blocks reads and writes) for the whole statement while it scans every existing row of `orders` (≈ 3,000,000 rows by the size hints). Add it NOT VALID, then VALIDATE CONSTRAINT in a later migration.',
    );
    expect(findings[0]!.fix).toEqual({ startLine: 2, endLine: 3, replacement: 'ALTER TABLE orders\n  ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;' });
    expect(findings[0]!.detail).toContain('ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;');
  });

  it('reports SHARE ROW EXCLUSIVE on both tables for a foreign key', async () => {
    const findings = await lintSql('ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;', { rules });
    expect(findings[0]!.message).toContain('takes SHARE ROW EXCLUSIVE locks on `orders` and `users` (blocks writes to both)');
    expect(findings[0]!.message).toContain('while it checks every existing row of `orders` against `users`');
    expect(findings[0]!.fix?.replacement).toBe('ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;');
  });

  it('names an unnamed constraint the way PostgreSQL does, for the VALIDATE', async () => {
    const check = await lintSql('ALTER TABLE orders ADD CHECK (amount > 0 AND amount < 1000000);', { rules });
    expect(check[0]!.message).toContain('`orders_amount_check`');
    expect(check[0]!.detail).toContain('ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_check;');
    expect(check[0]!.detail).toContain('PostgreSQL names it `orders_amount_check`');
    const twoColumns = await lintSql('ALTER TABLE orders ADD CHECK (amount > price);', { rules });
    expect(twoColumns[0]!.detail).toContain('VALIDATE CONSTRAINT orders_check;');
    // orders_user_id_fkey exists already (examples base): PostgreSQL picks the next free name.
    const fk = await lintSql('ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id);', { rules });
    expect(fk[0]!.detail).toContain('VALIDATE CONSTRAINT orders_user_id_fkey1;');
  });

  it('adds NOT VALID to each constraint of a multi-command ALTER TABLE, and reports the statement\'s strongest lock', async () => {
    const sql = 'ALTER TABLE orders\n  ADD COLUMN region text,\n  ADD CONSTRAINT c1 CHECK (amount > 0),\n  ADD CONSTRAINT c2 FOREIGN KEY (user_id) REFERENCES users; -- two constraints';
    const findings = await lintSql(sql, { rules });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('ADD CONSTRAINT `c1`, `c2` (CHECK and FOREIGN KEY) takes an ACCESS EXCLUSIVE lock on `orders` (blocks reads and writes) and SHARE ROW EXCLUSIVE on `users` (blocks writes)');
    expect(findings[0]!.message).toContain('Add them NOT VALID');
    expect(findings[0]!.fix?.replacement).toBe(
      'ALTER TABLE orders\n  ADD COLUMN region text,\n  ADD CONSTRAINT c1 CHECK (amount > 0) NOT VALID,\n  ADD CONSTRAINT c2 FOREIGN KEY (user_id) REFERENCES users NOT VALID; -- two constraints',
    );
  });

  it('knows NOT VALID foreign keys on partitioned tables need PostgreSQL 18', async () => {
    const sql = 'ALTER TABLE events ADD CONSTRAINT events_user_fk FOREIGN KEY (id) REFERENCES users (id);';
    const before = await lintSql(sql, { rules, pgVersion: 17 });
    expect(before[0]!.fix).toBeUndefined();
    expect(before[0]!.message).toContain('PostgreSQL 17 cannot add a NOT VALID foreign key to the partitioned table `events` (that needs 18)');
    expect(before[0]!.detail).toContain('attaches each partition\'s matching, validated constraint');
    const after = await lintSql(sql, { rules, pgVersion: 18 });
    expect(after[0]!.fix?.replacement).toBe('ALTER TABLE events ADD CONSTRAINT events_user_fk FOREIGN KEY (id) REFERENCES users (id) NOT VALID;');
  });

  it('stays silent for NOT VALID, NOT ENFORCED, other constraint kinds and new tables', async () => {
    expect(await lintSql('ALTER TABLE orders ADD CONSTRAINT c CHECK (amount > 0) NOT VALID;', { rules })).toEqual([]);
    expect(await lintSql('ALTER TABLE orders ADD CONSTRAINT c CHECK (amount > 0) NOT ENFORCED;', { rules, pgVersion: 18 })).toEqual([]);
    expect(await lintSql('ALTER TABLE orders ADD CONSTRAINT orders_note_key UNIQUE (note);', { rules })).toEqual([]);
    expect(await lintSql('CREATE TABLE t (a int, u bigint);\nALTER TABLE t ADD CHECK (a > 0), ADD FOREIGN KEY (u) REFERENCES users (id);', { rules })).toEqual([]);
  });
});
