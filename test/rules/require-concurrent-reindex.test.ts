import { describe, expect, it } from 'vitest';
import { requireConcurrentReindex } from '../../rules/require-concurrent-reindex.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [requireConcurrentReindex];
const outside = { rules, transaction: 'per-statement' as const };

describe('require-concurrent-reindex', () => {
  it('reports the SHARE lock on the table and the ACCESS EXCLUSIVE lock on the index, with a CONCURRENTLY fix', async () => {
    const findings = await lintSql('SELECT 1;\nREINDEX INDEX orders_user_id_idx;', outside);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 2 });
    expect(findings[0]!.message).toBe(
      'REINDEX takes a SHARE lock on `orders` (blocks writes) and an ACCESS EXCLUSIVE lock on `orders_user_id_idx` for the whole statement; the planner locks every index of a table it plans for, so nearly every read waits as well. Use `REINDEX INDEX CONCURRENTLY orders_user_id_idx`.',
    );
    expect(findings[0]!.fix).toEqual({ startLine: 2, endLine: 2, replacement: 'REINDEX INDEX CONCURRENTLY orders_user_id_idx;' });
  });

  it('puts CONCURRENTLY after the object kind, keeping a parenthesised option list', async () => {
    const findings = await lintSql('REINDEX (VERBOSE) TABLE orders;\nREINDEX SCHEMA public;', outside);
    expect(findings.map((f) => f.fix?.replacement)).toEqual(['REINDEX (VERBOSE) TABLE CONCURRENTLY orders;', 'REINDEX SCHEMA CONCURRENTLY public;']);
    expect(findings[1]!.message).toContain('a SHARE lock on every table of schema `public`');
  });

  it('accepts both spellings of the concurrent form, and treats CONCURRENTLY false as not concurrent', async () => {
    expect(await lintSql('REINDEX TABLE CONCURRENTLY orders;\nREINDEX (CONCURRENTLY) TABLE orders;\nREINDEX (CONCURRENTLY true) INDEX orders_user_id_idx;', outside)).toEqual([]);
    const off = await lintSql('REINDEX (CONCURRENTLY false) INDEX orders_user_id_idx;', outside);
    expect(off).toHaveLength(1);
    expect(off[0]!.fix).toBeUndefined();
  });

  it('before PostgreSQL 12 says there is no CONCURRENTLY and explains the build-and-swap', async () => {
    const findings = await lintSql('REINDEX INDEX orders_user_id_idx;', { ...outside, pgVersion: 11 });
    expect(findings[0]!.message).toContain('PostgreSQL 11 has no REINDEX CONCURRENTLY (it needs 12): build a replacement index concurrently and swap it in.');
    expect(findings[0]!.fix).toBeUndefined();
    expect(findings[0]!.detail).toContain('CREATE INDEX CONCURRENTLY orders_user_id_idx_new ON orders (...);');
    expect(findings[0]!.detail).toContain('ALTER INDEX orders_user_id_idx_new RENAME TO orders_user_id_idx;');
  });

  it('offers no fix inside a transaction block (REINDEX CONCURRENTLY refuses one)', async () => {
    const findings = await lintSql('REINDEX TABLE orders;\nSELECT 1;', { rules, framework: 'dbmate' });
    expect(findings[0]!.fix).toBeUndefined();
    expect(findings[0]!.message).toContain('which cannot run inside a transaction block: move it to a migration of its own, alone in an up block marked `-- migrate:up transaction:false`');
  });

  it('cannot offer CONCURRENTLY for system catalogs', async () => {
    const findings = await lintSql('REINDEX SYSTEM;', outside);
    expect(findings[0]!.message).toContain('System catalogs cannot be reindexed concurrently');
    expect(findings[0]!.fix).toBeUndefined();
  });

  it('ignores tables created in the migration, and partitioned tables before 14 (REINDEX skips them)', async () => {
    expect(await lintSql('CREATE TABLE t (a int);\nCREATE INDEX t_a_idx ON t (a);\nREINDEX INDEX t_a_idx;\nREINDEX TABLE t;', { rules })).toEqual([]);
    expect(await lintSql('REINDEX TABLE events;', { ...outside, pgVersion: 13 })).toEqual([]);
    expect(await lintSql('REINDEX TABLE events;', { ...outside, pgVersion: 14 })).toHaveLength(1);
  });

  it('says when it does not know the index\'s table', async () => {
    const findings = await lintSql('REINDEX INDEX legacy_idx;', outside);
    expect(findings[0]!.message).toContain('a SHARE lock on the table of `legacy_idx` (db-review does not know it');
  });
});
