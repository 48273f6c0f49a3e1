import { describe, expect, it } from 'vitest';
import { identifierTooLong } from '../../rules/identifier-too-long.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [identifierTooLong], ...options });

const name63 = `idx_${'a'.repeat(59)}`;
const name64 = `${name63}b`;

describe('identifier-too-long', () => {
  it('measures bytes: 63 is fine, 64 is truncated', async () => {
    expect(await run(`CREATE INDEX ${name63} ON orders (status);`)).toEqual([]);
    const findings = await run(`SELECT 1;\nCREATE INDEX ${name64} ON orders (status);`);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', line: 2, endLine: 2 });
    expect(findings[0]!.message).toBe(
      `\`${name64}\` is 64 bytes long; PostgreSQL silently truncates identifiers to 63 bytes, so it becomes \`${name63}\`: another name with the same first 63 bytes would refer to the same object, and later migrations that spell the full name silently get the truncated one. Use a shorter name.`,
    );
    expect(findings[0]!.detail).toContain(`NOTICE:  identifier "${name64}" will be truncated to "${name63}"`);
  });

  it('counts UTF-8 bytes and cuts at a character boundary', async () => {
    const fits = `"${'é'.repeat(31)}a"`; // 63 bytes
    expect(await run(`CREATE TABLE ${fits} (id bigint);`)).toEqual([]);
    const long = `${'é'.repeat(32)}`; // 64 bytes, 32 characters
    const findings = await run(`CREATE TABLE "${long}" (id bigint);`);
    expect(findings[0]!.message).toContain(`is 64 bytes long; PostgreSQL silently truncates identifiers to 63 bytes, so it becomes \`${'é'.repeat(31)}\``);
  });

  it('reads quoted identifiers unescaped and unquoted ones lowercased', async () => {
    const quoted = `"${'q'.repeat(31)}""${'q'.repeat(31)}"`; // 63 characters once "" is one quote
    expect(await run(`CREATE TABLE ${quoted} (id bigint);`)).toEqual([]);
    const upper = `IDX_${'A'.repeat(60)}`;
    const findings = await run(`CREATE INDEX ${upper} ON orders (status);`);
    expect(findings[0]!.message.startsWith(`\`idx_${'a'.repeat(60)}\` is 64 bytes long`)).toBe(true);
  });

  it('names the other identifier a truncation collides with, and reports each name once per migration', async () => {
    const v1 = `${name63}_v1`;
    const v2 = `${name63}_v2`;
    const sql = `CREATE INDEX ${v1} ON orders (status);\nCREATE INDEX ${v2} ON orders (user_id);\nDROP INDEX ${v1};`;
    const findings = await run(sql);
    expect(findings.map((f) => f.line)).toEqual([1, 2]);
    expect(findings[0]!.message).toContain(`so it becomes \`${name63}\`, the same name as \`${v2}\` in this migration: they refer to one object.`);
  });

  it('ignores string constants and comments, and looks inside function bodies', async () => {
    const text = 'x'.repeat(80);
    expect(await run(`COMMENT ON TABLE orders IS '${text}';\n-- ${text}\nSELECT 1;`)).toEqual([]);
    const body = `CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  UPDATE orders AS ${name64} SET note = NULL;\nEND $$;`;
    const findings = await run(body);
    expect(findings.map((f) => f.line)).toEqual([3]);
  });
});
