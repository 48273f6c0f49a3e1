import { describe, expect, it } from 'vitest';
import { preferTextOverChar } from '../../rules/prefer-text-over-char.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [preferTextOverChar], ...options });

describe('prefer-text-over-char', () => {
  it('reports char(n) and character(n), fixing them to varchar(n)', async () => {
    const findings = await run('CREATE TABLE countries (code CHAR(2) PRIMARY KEY, iso3 character(3), name text);');
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toBe(
      'Columns `code` and `iso3` of `countries` are blank-padded `char(n)`: values are padded with spaces, `=` ignores trailing spaces while LIKE and regular expressions see them, and it saves no space. Use `text` or `varchar(n)`.',
    );
    expect(findings[0]!.fix?.replacement).toBe('CREATE TABLE countries (code VARCHAR(2) PRIMARY KEY, iso3 varchar(3), name text);');
  });

  it('reports a bare char (char(1)) without a fix for it', async () => {
    const findings = await run('CREATE TABLE t (\n  flag char,\n  code char(4)\n);');
    expect(findings[0]).toMatchObject({ line: 2, endLine: 3 });
    // Only code gets a suggestion.
    expect(findings[0]!.fix).toEqual({ startLine: 3, endLine: 3, replacement: '  code varchar(4)' });
    const bare = await run('ALTER TABLE users ADD COLUMN gender char;');
    expect(bare[0]!.fix).toBeUndefined();
  });

  it('leaves the internal "char" type and varchar spellings alone', async () => {
    expect(await run('CREATE TABLE t (a "char", b character varying(10), c char varying(3), d varchar(2), e text);')).toEqual([]);
  });
});
