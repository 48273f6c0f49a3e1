import { describe, expect, it } from 'vitest';
import { renameTable } from '../../rules/rename-table.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [renameTable], ...options });

describe('rename-table', () => {
  it('reports the broken running code and the view that keeps the old name working', async () => {
    const findings = await run('ALTER TABLE orders RENAME TO purchases;');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', line: 1 });
    expect(findings[0]!.message).toBe(
      'Renaming `orders` to `purchases` breaks the application version still running during the deploy: its queries name `orders` and fail from the moment this commits until the new code is out. Create a view named `orders` over `purchases` in the same transaction, and drop it once the new code is deployed.',
    );
    expect(findings[0]!.detail).toContain('CREATE VIEW orders AS SELECT * FROM purchases;');
  });

  it('keeps the schema of the renamed table', async () => {
    const findings = await run('ALTER TABLE billing.invoices RENAME TO bills;');
    expect(findings[0]!.message).toContain('Renaming `billing.invoices` to `billing.bills`');
  });

  it('is silent when a view under the old name follows, for new tables, and for index renames', async () => {
    expect(await run('ALTER TABLE orders RENAME TO purchases;\nCREATE VIEW orders AS SELECT * FROM purchases;')).toEqual([]);
    expect(await run('CREATE TABLE invoice (id bigint);\nALTER TABLE invoice RENAME TO invoices;')).toEqual([]);
    expect(await run('ALTER INDEX orders_user_id_idx RENAME TO orders_user_idx;\nALTER TABLE orders RENAME COLUMN note TO comment;')).toEqual([]);
  });
});
