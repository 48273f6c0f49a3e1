import { describe, expect, it } from 'vitest';
import { concurrentlyInTransaction } from '../../rules/concurrently-in-transaction.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [concurrentlyInTransaction];
const CIC = 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);';

describe('concurrently-in-transaction', () => {
  it('names Prisma\'s implicit transaction and the SQLSTATE, with no fix', async () => {
    const findings = await lintSql(`ALTER TABLE orders ADD COLUMN x int;\n${CIC}`, { rules, framework: 'prisma', transaction: 'implicit' });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 2 });
    expect(findings[0]!.message).toBe(
      '`CREATE INDEX CONCURRENTLY` cannot run inside a transaction block, and Prisma sends this migration.sql (2 statements) as one multi-statement query, which PostgreSQL runs as one implicit transaction: the migration fails with `ERROR: CREATE INDEX CONCURRENTLY cannot run inside a transaction block` (SQLSTATE 25001). Move it to a migration of its own whose migration.sql holds only this statement.',
    );
    expect(findings[0]!.fix).toBeUndefined();
  });

  it('gives golang-migrate and Supabase their own advice', async () => {
    const golang = await lintSql(`${CIC}\nSELECT 1;`, { rules, framework: 'golang-migrate', transaction: 'implicit' });
    expect(golang[0]!.message).toContain('golang-migrate sends this file (2 statements) as one multi-statement query');
    expect(golang[0]!.message).toContain('(or enable `x-multi-statement`, which sends the statements one by one)');
    const supabase = await lintSql(`${CIC}\nSELECT 1;`, { rules, framework: 'supabase', transaction: 'implicit' });
    expect(supabase[0]!.message).toContain('the Supabase CLI sends this file (2 statements)');
  });

  it('tells goose and dbmate users the annotation they need', async () => {
    const goose = await lintSql(CIC, { rules, framework: 'goose', transaction: 'per-file' });
    expect(goose[0]!.message).toContain('goose runs this file in a transaction (it is not marked `-- +goose NO TRANSACTION`)');
    expect(goose[0]!.message).toContain('Move it to a migration file of its own marked `-- +goose NO TRANSACTION`.');
    const dbmate = await lintSql(CIC, { rules, framework: 'dbmate', transaction: 'per-file' });
    expect(dbmate[0]!.message).toContain('its up block is not marked `-- migrate:up transaction:false`');
    const dbmateNoTx = await lintSql(`${CIC}\nSELECT 1;`, { rules, framework: 'dbmate', transaction: 'implicit' });
    expect(dbmateNoTx[0]!.message).toContain('dbmate sends the up block (2 statements) as one multi-statement query (even with `transaction:false`)');
  });

  it('explains that Flyway refuses a script mixing both kinds of statements', async () => {
    const findings = await lintSql(`ALTER TABLE orders ADD COLUMN x int;\n${CIC}`, { rules, framework: 'flyway', transaction: 'per-file' });
    expect(findings[0]!.message).toContain('Flyway refuses to run this script');
    expect(findings[0]!.message).toContain('Detected both transactional and non-transactional statements within the same migration');
    expect(findings[0]!.detail).toContain('mixed=true');
    // A script made only of such statements runs without a transaction.
    expect(await lintSql(CIC, { rules, framework: 'flyway', transaction: 'per-file' })).toEqual([]);
  });

  it('points at the BEGIN that opened the block', async () => {
    const findings = await lintSql('BEGIN;\nVACUUM orders;\nCOMMIT;\nVACUUM users;', { rules, transaction: 'per-statement' });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.line).toBe(2);
    expect(findings[0]!.message).toContain('`VACUUM` cannot run inside a transaction block, and the `BEGIN` on line 1 opened a transaction block');
    expect(findings[0]!.message).toContain('Move it outside the BEGIN ... COMMIT block.');
  });

  it('knows the statements cannotRunInTransaction does not list yet', async () => {
    expect(await lintSql('REINDEX SCHEMA public;', { rules })).toHaveLength(1);
    expect(await lintSql("ALTER TYPE order_state ADD VALUE 'refunded';", { rules, pgVersion: 11 })).toHaveLength(1);
    expect(await lintSql("ALTER TYPE order_state ADD VALUE 'refunded';", { rules, pgVersion: 12 })).toEqual([]);
  });

  it('reports a concurrent build inside a DO block, which fails even outside a transaction', async () => {
    const findings = await lintSql(`DO $$\nBEGIN\n  ${CIC}\nEND\n$$;`, { rules, transaction: 'per-statement' });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.line).toBe(3);
    expect(findings[0]!.message).toContain('`ERROR: CREATE INDEX CONCURRENTLY cannot be executed from a function`');
  });

  it('stays silent outside transaction blocks: per-statement runners, single-statement files, after COMMIT', async () => {
    expect(await lintSql(CIC, { rules, transaction: 'per-statement' })).toEqual([]);
    expect(await lintSql(CIC, { rules, transaction: 'implicit', framework: 'prisma' })).toEqual([]);
    expect(await lintSql(`BEGIN;\nALTER TABLE orders ADD COLUMN x int;\nCOMMIT;\n${CIC}`, { rules, transaction: 'per-statement' })).toEqual([]);
  });
});
