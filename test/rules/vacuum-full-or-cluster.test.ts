import { describe, expect, it } from 'vitest';
import { vacuumFullOrCluster } from '../../rules/vacuum-full-or-cluster.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [vacuumFullOrCluster];

describe('vacuum-full-or-cluster', () => {
  it('VACUUM FULL: ACCESS EXCLUSIVE for the whole rewrite, disk for a copy, online alternatives', async () => {
    const findings = await lintSql('SELECT 1;\nVACUUM (FULL, VERBOSE) orders;', { rules, transaction: 'per-statement', tableRows: { orders: 9_000_000 } });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'vacuum-full-or-cluster', severity: 'error', line: 2 });
    expect(findings[0]!.message).toBe(
      'VACUUM FULL rewrites `orders` (≈ 9,000,000 rows by the size hints) under an ACCESS EXCLUSIVE lock (blocks reads and writes) for the whole rewrite, and needs free disk for a full copy of the table and its indexes. Use pg_repack or pg_squeeze online, or a plain VACUUM.',
    );
    expect(findings[0]!.detail).toContain('pg_repack --table=orders <database>');
  });

  it('CLUSTER: held until commit inside a transaction, pg_repack --order-by', async () => {
    const findings = await lintSql('CLUSTER orders USING orders_user_id_idx;\nSELECT 1;', { rules });
    expect(findings[0]!.message).toContain('until the transaction commits (1 more statement)');
    expect(findings[0]!.message).toContain('Use pg_repack --order-by online instead.');
    expect(findings[0]!.detail).toContain('pg_repack --table=orders --order-by=<index columns> <database>');
  });

  it('database-wide forms', async () => {
    const [full] = await lintSql('VACUUM FULL;', { rules, transaction: 'per-statement' });
    expect(full!.message).toContain('rewrites every table in the database under an ACCESS EXCLUSIVE lock on each table in turn');
    const [cluster] = await lintSql('CLUSTER;', { rules, transaction: 'per-statement' });
    expect(cluster!.message).toContain('every table clustered before');
  });

  it('lists only the existing tables of a multi-table VACUUM FULL', async () => {
    const [finding] = await lintSql('CREATE TABLE t (id int);\nVACUUM FULL t, users;', { rules, transaction: 'per-statement' });
    expect(finding!.message).toMatch(/^VACUUM FULL rewrites `users` under/);
  });

  it('stays silent on plain VACUUM, ANALYZE, FULL false and new tables', async () => {
    const sql = [
      'VACUUM orders;',
      'VACUUM (ANALYZE, VERBOSE) orders;',
      'ANALYZE orders;',
      'VACUUM (FULL false) orders;',
      'VACUUM (FULL 0) orders;',
      'VACUUM (FULL off) orders;',
      'CREATE TABLE t (id int PRIMARY KEY);',
      'CLUSTER t USING t_pkey;',
      'VACUUM FULL t;',
    ].join('\n');
    expect(await lintSql(sql, { rules, transaction: 'per-statement' })).toEqual([]);
  });
});
