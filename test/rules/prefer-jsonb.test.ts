import { describe, expect, it } from 'vitest';
import { preferJsonb } from '../../rules/prefer-jsonb.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [preferJsonb], ...options });

describe('prefer-jsonb', () => {
  it('reports json columns once per statement, on their lines, with a fix of just those lines', async () => {
    const sql = 'CREATE TABLE webhooks (\n  id bigint PRIMARY KEY,\n  payload JSON NOT NULL, -- raw\n  extra pg_catalog.json[]\n);';
    const findings = await run(sql);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'notice', line: 3, endLine: 4 });
    expect(findings[0]!.message).toBe(
      'Columns `payload` and `extra` of `webhooks` are declared `json`, which has no equality operator (DISTINCT, GROUP BY, UNION and = fail on it), no GIN indexing, and is re-parsed on every access. Use `jsonb`.',
    );
    expect(findings[0]!.fix).toEqual({ startLine: 3, endLine: 4, replacement: '  payload JSONB NOT NULL, -- raw\n  extra pg_catalog.jsonb[]' });
  });

  it('covers ADD COLUMN and ALTER COLUMN ... TYPE, existing table or not', async () => {
    const findings = await run('ALTER TABLE orders ADD COLUMN meta json, ALTER COLUMN note TYPE "json" USING note::json;');
    expect(findings[0]!.message.startsWith('Columns `meta` and `note` of `orders`')).toBe(true);
    expect(findings[0]!.fix?.replacement).toBe('ALTER TABLE orders ADD COLUMN meta jsonb, ALTER COLUMN note TYPE "jsonb" USING note::json;');
  });

  it('points Prisma users at schema.prisma instead of fixing generated SQL', async () => {
    const findings = await run('CREATE TABLE "Event" ("id" BIGSERIAL NOT NULL, "data" JSON);', { framework: 'prisma', transaction: 'implicit' });
    expect(findings[0]!.message).toContain('drop the `@db.Json` attribute');
    expect(findings[0]!.fix).toBeUndefined();
  });

  it('looks inside function bodies (no fix there) and ignores json in expressions', async () => {
    const body = "CREATE FUNCTION mk() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  CREATE TABLE IF NOT EXISTS scratch (doc json);\nEND $$;";
    const findings = await run(body);
    expect(findings.map((f) => [f.line, f.fix])).toEqual([[3, undefined]]);
    expect(await run("SELECT '{}'::json;\nCREATE TABLE t (doc jsonb);")).toEqual([]);
  });
});
