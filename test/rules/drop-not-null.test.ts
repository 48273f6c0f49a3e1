import { describe, expect, it } from 'vitest';
import { dropNotNull } from '../../rules/drop-not-null.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [dropNotNull], ...options });

describe('drop-not-null', () => {
  it('notes the loosened contract and the cost of restoring it', async () => {
    const findings = await run('ALTER TABLE orders ALTER COLUMN amount DROP NOT NULL;');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'notice', line: 1 });
    expect(findings[0]!.message).toBe(
      'DROP NOT NULL on `orders.amount` is instant, but from now on NULLs can appear: code, reports and generated clients that assume a value break on them, and restoring NOT NULL later means a full-table scan under ACCESS EXCLUSIVE that fails once a single NULL exists. Check that every reader handles NULL.',
    );
    expect(findings[0]!.detail).toContain('`NOT IN (SELECT amount ...)` returns no row once a NULL is in the list');
  });

  it('is silent for columns known to be nullable and for new tables', async () => {
    expect(await run('ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;')).toEqual([]);
    expect(await run('CREATE TABLE t (id bigint, name text NOT NULL);\nALTER TABLE t ALTER COLUMN name DROP NOT NULL;')).toEqual([]);
  });

  it('reports columns the schema does not know', async () => {
    const findings = await run('ALTER TABLE legacy ALTER COLUMN code DROP NOT NULL;');
    expect(findings.map((f) => f.rule)).toEqual(['drop-not-null']);
  });
});
