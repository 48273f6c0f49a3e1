import { describe, expect, it } from 'vitest';
import { concurrentIndexIfNotExists } from '../../rules/concurrent-index-if-not-exists.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [concurrentIndexIfNotExists];
const outside = { rules, transaction: 'per-statement' as const };

describe('concurrent-index-if-not-exists', () => {
  it('warns that a leftover INVALID index would be kept, and shows the drop-first form', async () => {
    const findings = await lintSql('SELECT 1;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx\n  ON orders (status);', outside);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'notice', line: 2, endLine: 3 });
    expect(findings[0]!.message).toBe(
      'If an earlier run of this CREATE INDEX CONCURRENTLY on `orders` failed, it left an INVALID index `orders_status_idx`, and IF NOT EXISTS then skips the build: the index is never used by queries but still maintained on every write. Drop a leftover invalid index before building instead of IF NOT EXISTS.',
    );
    expect(findings[0]!.detail).toContain('DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;\nCREATE INDEX CONCURRENTLY orders_status_idx\n  ON orders (status);');
    expect(findings[0]!.detail).toContain('SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;');
    expect(findings[0]!.fix).toBeUndefined();
  });

  it('qualifies the index name with the table\'s schema', async () => {
    const findings = await lintSql('CREATE INDEX CONCURRENTLY IF NOT EXISTS sales_idx ON billing.sales (at);', outside);
    expect(findings[0]!.detail).toContain('DROP INDEX CONCURRENTLY IF EXISTS billing.sales_idx;');
  });

  it('stays silent without IF NOT EXISTS, without CONCURRENTLY, and on new tables', async () => {
    expect(await lintSql('CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);', outside)).toEqual([]);
    expect(await lintSql('CREATE INDEX IF NOT EXISTS orders_status_idx ON orders (status);', { rules })).toEqual([]);
    expect(await lintSql('CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON t (a);', outside)).toEqual([]);
  });
});
