import { describe, expect, it } from 'vitest';
import { renameColumn } from '../../rules/rename-column.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [renameColumn], ...options });

describe('rename-column', () => {
  it('reports the broken running code and the expand/contract way', async () => {
    const findings = await run('ALTER TABLE orders RENAME COLUMN note TO comment;');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', line: 1 });
    expect(findings[0]!.message).toBe(
      'Renaming `orders.note` to `comment` breaks the application version still running during the deploy: its queries name `note` and fail from the moment this commits until the new code is out (and new code that starts first fails on `comment`). Add `comment` alongside, sync and backfill it, switch the code, then drop `note` later.',
    );
    expect(findings[0]!.detail).toContain('ALTER TABLE orders ADD COLUMN comment varchar(50);');
    expect(findings[0]!.detail).toContain('FOR EACH ROW EXECUTE FUNCTION orders_comment_sync();');
  });

  it('writes EXECUTE PROCEDURE for PostgreSQL 10', async () => {
    const findings = await run('ALTER TABLE orders RENAME note TO comment;', { pgVersion: 10 });
    expect(findings[0]!.detail).toContain('FOR EACH ROW EXECUTE PROCEDURE orders_comment_sync();');
  });

  it('ignores new tables, columns added earlier in the migration, and other renames', async () => {
    expect(await run('CREATE TABLE t (id bigint, num text);\nALTER TABLE t RENAME COLUMN num TO number;')).toEqual([]);
    expect(await run('ALTER TABLE orders ADD COLUMN commnet text;\nALTER TABLE orders RENAME COLUMN commnet TO comment;')).toEqual([]);
    expect(await run('ALTER TABLE orders RENAME CONSTRAINT orders_pkey TO orders_pk;\nALTER TABLE orders RENAME TO purchases;')).toEqual([]);
  });
});
