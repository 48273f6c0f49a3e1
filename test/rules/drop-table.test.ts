import { describe, expect, it } from 'vitest';
import { dropTable } from '../../rules/drop-table.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [dropTable], ...options });

describe('drop-table', () => {
  it('reports the data loss, the lock and the two-step way', async () => {
    const findings = await run('SELECT 1;\nDROP TABLE orders;');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 2 });
    expect(findings[0]!.message).toBe(
      'DROP TABLE `orders` deletes the table and all its rows for good, under an ACCESS EXCLUSIVE lock, and the application version still running during the deploy fails on every query that uses it. Stop using the table in code first, deploy, then drop in a later migration.',
    );
    expect(findings[0]!.detail).toContain('ALTER TABLE orders RENAME TO orders_retired;  -- instant, reversible');
    expect(findings[0]!.detail).toContain('brief ACCESS EXCLUSIVE lock on the referenced table');
  });

  it('names only the existing tables of a multi-table DROP', async () => {
    const findings = await run('CREATE TABLE tmp (id bigint);\nDROP TABLE IF EXISTS tmp, users, app.audit;');
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message.startsWith('DROP TABLE `users`, `app.audit` deletes these tables and all their rows for good')).toBe(true);
  });

  it('ignores tables created in the same migration, views and materialized views', async () => {
    expect(await run('CREATE TABLE tmp (id bigint);\nDROP TABLE tmp;')).toEqual([]);
    expect(await run('DROP VIEW IF EXISTS order_totals;\nDROP MATERIALIZED VIEW order_stats;\nDROP INDEX orders_user_id_idx;')).toEqual([]);
  });
});
