import { describe, expect, it } from 'vitest';
import { dropColumn } from '../../rules/drop-column.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [dropColumn], ...options });

describe('drop-column', () => {
  it('reports the data loss, the indexes that go with it and the broken running code', async () => {
    const findings = await run('ALTER TABLE orders DROP COLUMN user_id;');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 1 });
    expect(findings[0]!.message).toBe(
      'DROP COLUMN `orders.user_id` deletes its data for good (and the index `orders_user_id_idx`), and the application version still running during the deploy fails on every query that names `user_id`. Stop using the column in code first, deploy, then drop it in a later migration.',
    );
    expect(findings[0]!.detail).toContain('CREATE TABLE orders_user_id_backup AS SELECT id, user_id FROM orders;');
    // A NOT NULL column must be relaxed before code stops writing it.
    expect(findings[0]!.detail).toContain('`user_id` is NOT NULL: in the first step also `ALTER TABLE orders ALTER COLUMN user_id DROP NOT NULL`');
  });

  it('gives the Prisma way for Prisma migrations', async () => {
    const findings = await run('ALTER TABLE "orders" DROP COLUMN "note";', { framework: 'prisma', transaction: 'implicit' });
    expect(findings[0]!.message).toContain('(Prisma Client selects every field of the model by name)');
    expect(findings[0]!.detail).toContain('Mark the field `@ignore` in `schema.prisma`');
    expect(findings[0]!.detail).not.toContain('is NOT NULL');
  });

  it('ignores columns added earlier in the migration, new tables, and IF EXISTS of a column that is not there', async () => {
    expect(await run('ALTER TABLE orders ADD COLUMN tmp text;\nALTER TABLE orders DROP COLUMN tmp;')).toEqual([]);
    expect(await run('CREATE TABLE t (id bigint, legacy text);\nALTER TABLE t DROP COLUMN legacy;')).toEqual([]);
    expect(await run('ALTER TABLE orders DROP COLUMN IF EXISTS legacy_code;')).toEqual([]);
    // A table the schema does not know, or whose columns it does not know: the column may well exist.
    expect(await run('ALTER TABLE legacy DROP COLUMN IF EXISTS code;')).toHaveLength(1);
    expect(await run('ALTER TABLE order_copy DROP COLUMN IF EXISTS note;', { base: 'CREATE TABLE orders (id bigint, note text);\nCREATE TABLE order_copy AS SELECT * FROM orders;' })).toHaveLength(1);
  });

  it('reports each dropped column on a multi-column statement', async () => {
    const findings = await run('ALTER TABLE orders DROP COLUMN note, DROP COLUMN status;');
    expect(findings.map((f) => f.message.slice(0, 36))).toEqual(['DROP COLUMN `orders.note` deletes it', 'DROP COLUMN `orders.status` deletes ']);
  });
});
