import { describe, expect, it } from 'vitest';
import { replicaIdentity } from '../../rules/replica-identity.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [replicaIdentity];

describe('replica-identity', () => {
  it('REPLICA IDENTITY NOTHING: UPDATE and DELETE fail on a published table', async () => {
    const findings = await lintSql('SELECT 1;\nALTER TABLE orders REPLICA IDENTITY NOTHING;', { rules });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', line: 2 });
    expect(findings[0]!.message).toContain('`cannot update table "orders" because it does not have a replica identity and publishes updates`');
    expect(findings[0]!.detail).toContain("tablename = 'orders'");
  });

  it('REPLICA IDENTITY FULL: warns about WAL volume and subscriber scans, by version', async () => {
    const findings = await lintSql('ALTER TABLE orders REPLICA IDENTITY FULL;', { rules, pgVersion: 15 });
    expect(findings[0]!.message).toContain('write the whole old row to the WAL');
    expect(findings[0]!.detail).toContain('since PostgreSQL 16 it can use a btree index on the subscriber');
    expect(findings[0]!.detail).toContain('(this project targets PostgreSQL 15)');
  });

  it('fires on NOTHING and FULL for a new table too: it is a design choice that outlives the migration', async () => {
    const sql = 'CREATE TABLE t (id bigint PRIMARY KEY);\nALTER TABLE t REPLICA IDENTITY FULL;';
    expect((await lintSql(sql, { rules })).map((f) => f.line)).toEqual([2]);
  });

  it('dropping the primary key leaves no replica identity', async () => {
    const findings = await lintSql('ALTER TABLE orders DROP CONSTRAINT orders_pkey;', { rules });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/^Dropping `orders_pkey` leaves `orders` without a replica identity/);
    expect(findings[0]!.detail).toContain('ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_new_pkey');
  });

  it('dropping a primary key column drops the key too', async () => {
    const findings = await lintSql('ALTER TABLE users DROP COLUMN id CASCADE;', { rules });
    expect(findings[0]!.message).toMatch(/^Dropping column `id` drops the primary key `users_pkey` with it and leaves `users`/);
  });

  it('a new primary key later in the same transaction is fine; in another transaction it is not', async () => {
    const sql = 'ALTER TABLE orders DROP CONSTRAINT orders_pkey;\nALTER TABLE orders ADD PRIMARY KEY (id);';
    expect(await lintSql(sql, { rules, transaction: 'per-file' })).toEqual([]);
    const findings = await lintSql(sql, { rules, transaction: 'per-statement' });
    expect(findings[0]!.message).toContain('the migration runs without a transaction, so nothing replaces it atomically');
    const committed = 'BEGIN;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\nCOMMIT;\nALTER TABLE orders ADD PRIMARY KEY (id);';
    expect((await lintSql(committed, { rules, transaction: 'per-statement' })).map((f) => f.line)).toEqual([2]);
  });

  it('stays silent when the replica identity was pointed elsewhere first, but not at the key itself', async () => {
    const elsewhere = 'CREATE UNIQUE INDEX orders_id_key ON orders (id);\nALTER TABLE orders REPLICA IDENTITY USING INDEX orders_id_key;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;';
    expect(await lintSql(elsewhere, { rules })).toEqual([]);
    const itself = 'ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_pkey;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;';
    expect((await lintSql(itself, { rules })).map((f) => f.line)).toEqual([2]);
  });

  it('ignores other constraints, DEFAULT, USING INDEX and tables created in the migration', async () => {
    const sql = [
      'ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;',
      'ALTER TABLE orders REPLICA IDENTITY DEFAULT;',
      'CREATE TABLE drafts (id bigint PRIMARY KEY);',
      'ALTER TABLE drafts DROP CONSTRAINT drafts_pkey;',
    ].join('\n');
    expect(await lintSql(sql, { rules })).toEqual([]);
  });
});
