import { describe, expect, it } from 'vitest';
import { multipleTablesLocked } from '../../rules/multiple-tables-locked.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [multipleTablesLocked];

describe('multiple-tables-locked', () => {
  it('reports the second table locked in the transaction, once per transaction', async () => {
    const sql = 'ALTER TABLE orders ADD COLUMN region text;\nCREATE INDEX users_status_idx ON users (status);\nALTER TABLE events ADD COLUMN source text;';
    const findings = await lintSql(sql, { rules });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', line: 2 });
    expect(findings[0]!.message).toBe(
      'This statement takes a SHARE lock on `users` (blocks writes) while the transaction still holds the ACCESS EXCLUSIVE lock on `orders` from line 1 (blocks reads and writes): `orders` stays blocked while this statement waits for its lock and then, with `users`, until the commit, and an application transaction that locks them in the opposite order can deadlock with the migration. Change one table per transaction.',
    );
    expect(findings[0]!.detail).toContain('LOCK TABLE orders, users IN ACCESS EXCLUSIVE MODE;');
  });

  it('reports again in a later transaction of the same migration', async () => {
    const sql = 'BEGIN;\nALTER TABLE orders ADD COLUMN a int;\nALTER TABLE users ADD COLUMN a int;\nCOMMIT;\nBEGIN;\nALTER TABLE users ADD COLUMN b int;\nALTER TABLE orders ADD COLUMN b int;\nCOMMIT;';
    const findings = await lintSql(sql, { rules, transaction: 'per-statement' });
    expect(findings.map((f) => f.line)).toEqual([3, 7]);
  });

  it('uses the right article for every lock mode', async () => {
    const findings = await lintSql('ALTER TABLE users ADD COLUMN tier text;\nALTER TABLE orders ADD COLUMN region text;', { rules });
    expect(findings[0]!.message).toContain('This statement takes an ACCESS EXCLUSIVE lock on `orders` (blocks reads and writes) while');
  });

  it('counts the referenced table of a foreign key', async () => {
    const findings = await lintSql('ALTER TABLE users ADD COLUMN tier text;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;', { rules });
    expect(findings[0]!.message).toContain('takes a SHARE ROW EXCLUSIVE lock on `orders` (blocks writes) while the transaction still holds the ACCESS EXCLUSIVE lock on `users` from line 1');
  });

  it('stays silent for one table, separate transactions, weak locks, new tables and dropped tables', async () => {
    expect(await lintSql('ALTER TABLE orders ADD COLUMN a int;\nALTER TABLE orders ADD COLUMN b int;', { rules })).toEqual([]);
    expect(await lintSql('ALTER TABLE orders ADD COLUMN a int;\nALTER TABLE users ADD COLUMN a int;', { rules, transaction: 'per-statement' })).toEqual([]);
    expect(await lintSql("ALTER TABLE orders ADD COLUMN a int;\nUPDATE users SET name = 'x' WHERE id = 1;\nALTER TABLE users VALIDATE CONSTRAINT c;", { rules })).toEqual([]);
    expect(await lintSql('CREATE TABLE t (id int);\nALTER TABLE orders ADD COLUMN a int;\nALTER TABLE t ADD COLUMN a int;', { rules })).toEqual([]);
    expect(await lintSql('DROP TABLE legacy_a;\nDROP TABLE legacy_b;', { rules, base: 'CREATE TABLE legacy_a (id int);\nCREATE TABLE legacy_b (id int);' })).toEqual([]);
  });
});
