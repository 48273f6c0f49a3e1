import { describe, expect, it } from 'vitest';
import { preferTimestamptz } from '../../rules/prefer-timestamptz.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [preferTimestamptz], ...options });

describe('prefer-timestamptz', () => {
  it('rewrites every spelling of timestamp without time zone, keeping the precision and the case', async () => {
    const sql = [
      'CREATE TABLE audits (',
      '  id bigint PRIMARY KEY,',
      '  a TIMESTAMP(3) WITHOUT TIME ZONE NOT NULL DEFAULT now(),',
      '  b timestamp, c timestamp without time zone,',
      '  d pg_catalog.timestamp(0)[]',
      ');',
    ].join('\n');
    const findings = await run(sql);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'notice', line: 3, endLine: 5 });
    expect(findings[0]!.message).toBe(
      'Columns `a`, `b`, `c` and `d` of `audits` are `timestamp` without time zone: the values lose their time zone, and comparisons with now() or timestamptz values depend on the session TimeZone. Use `timestamptz`.',
    );
    expect(findings[0]!.fix).toEqual({
      startLine: 3,
      endLine: 5,
      replacement: '  a TIMESTAMPTZ(3) NOT NULL DEFAULT now(),\n  b timestamptz, c timestamptz,\n  d pg_catalog.timestamptz(0)[]',
    });
  });

  it('keeps Prisma generated SQL a notice without a fix, pointing at @db.Timestamptz(3)', async () => {
    const sql = 'CREATE TABLE "User" (\n    "id" BIGSERIAL NOT NULL,\n    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP\n);';
    const findings = await run(sql, { framework: 'prisma', transaction: 'implicit' });
    expect(findings.map((f) => [f.severity, f.line, f.fix])).toEqual([['notice', 3, undefined]]);
    expect(findings[0]!.message).toContain('(Prisma: `DateTime @db.Timestamptz(3)` in schema.prisma)');
    expect(findings[0]!.detail).toContain('Prisma maps `DateTime` to `timestamp(3)`');
  });

  it('ignores timestamptz, date and time columns', async () => {
    const sql = 'CREATE TABLE t (a timestamptz, b timestamp with time zone, c date, d time, e timestamptz(3));\nALTER TABLE orders ADD COLUMN f timestamp(6) with time zone;';
    expect(await run(sql)).toEqual([]);
  });

  it('covers ADD COLUMN on existing tables', async () => {
    const findings = await run('ALTER TABLE orders ADD COLUMN shipped_at timestamp;');
    expect(findings[0]!.fix?.replacement).toBe('ALTER TABLE orders ADD COLUMN shipped_at timestamptz;');
  });
});
