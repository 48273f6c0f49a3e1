import { describe, expect, it } from 'vitest';
import { addColumnRewrite } from '../../rules/add-column-rewrite.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [addColumnRewrite], ...options });

describe('add-column-rewrite', () => {
  it('reports a volatile default with the lock, the cause and the safe way', async () => {
    const findings = await run('ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'add-column-rewrite', severity: 'error', line: 1, endLine: 1 });
    expect(findings[0]!.message).toBe(
      'ADD COLUMN `token` rewrites all of `users` and rebuilds its indexes, holding an ACCESS EXCLUSIVE lock on `users` (blocks reads and writes) for the whole statement: its DEFAULT calls `gen_random_uuid()`, a volatile function, so PostgreSQL computes a value for every existing row. Add the column without the default, SET DEFAULT afterwards (new rows only), and backfill existing rows in batches.',
    );
    expect(findings[0]!.detail).toContain('ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();');
    // Batches by the primary key the schema knows.
    expect(findings[0]!.detail).toContain('WHERE id IN (SELECT id FROM users WHERE token IS NULL LIMIT 5000)');
  });

  it('reports each cause of a multi-subcommand ALTER TABLE on its own line', async () => {
    const sql = [
      'ALTER TABLE orders',
      '  ADD COLUMN a double precision DEFAULT random(),',
      "  ADD COLUMN b text DEFAULT 'x',",
      '  ADD COLUMN c bigserial,',
      '  ADD COLUMN d bigint GENERATED ALWAYS AS IDENTITY,',
      '  ADD COLUMN e numeric GENERATED ALWAYS AS (amount * price) STORED;',
    ].join('\n');
    const findings = await run(sql);
    expect(findings.map((f) => [f.line, f.message.match(/: (.*?)\./)?.[1]])).toEqual([
      [2, 'its DEFAULT calls `random()`, a volatile function, so PostgreSQL computes a value for every existing row'],
      [4, 'a `bigserial` column defaults to `nextval()` of a new sequence, so every existing row gets its own value'],
      [5, 'an identity column takes a value from its sequence for every existing row'],
      [6, 'a STORED generated column is computed and written for every existing row'],
    ]);
  });

  it('stays silent for defaults PostgreSQL 11+ stores in the catalog', async () => {
    const sql = [
      'ALTER TABLE users ADD COLUMN a timestamptz DEFAULT now();',
      'ALTER TABLE users ADD COLUMN b timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP;',
      'ALTER TABLE users ADD COLUMN c bigint DEFAULT txid_current();',
      "ALTER TABLE users ADD COLUMN d jsonb NOT NULL DEFAULT '{}'::jsonb;",
      "ALTER TABLE users ADD COLUMN e timestamptz DEFAULT now() + interval '1 day';",
      'ALTER TABLE users ADD COLUMN f integer DEFAULT NULL;',
      "ALTER TABLE users ADD COLUMN g text DEFAULT current_setting('app.tenant');",
      'ALTER TABLE users ADD COLUMN h uuid;',
    ].join('\n');
    expect(await run(sql)).toEqual([]);
  });

  it('treats any non-null default as a rewrite before PostgreSQL 11', async () => {
    const sql = "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';";
    const old = await run(sql, { pgVersion: 10 });
    expect(old).toHaveLength(1);
    expect(old[0]!.message).toContain('before PostgreSQL 11 (the target is 10) any non-null DEFAULT is written into every existing row');
    expect(old[0]!.detail).toContain('From PostgreSQL 11 on, a non-volatile DEFAULT is stored in the catalog');
    expect(await run(sql, { pgVersion: 11 })).toEqual([]);
    expect(await run('ALTER TABLE users ADD COLUMN plan text DEFAULT NULL;', { pgVersion: 10 })).toEqual([]);
  });

  it('warns about functions of unknown volatility, and uses a CREATE FUNCTION of the same migration', async () => {
    const unknown = await run('ALTER TABLE users ADD COLUMN code text DEFAULT app.make_code();');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.severity).toBe('warning');
    expect(unknown[0]!.message).toContain('for the whole statement, unless `app.make_code()` is declared STABLE or IMMUTABLE: functions are VOLATILE unless declared otherwise');

    const stable = "CREATE FUNCTION make_code() RETURNS text LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN 'x'; END $$;\nALTER TABLE users ADD COLUMN code text DEFAULT make_code();";
    expect(await run(stable)).toEqual([]);

    const volatilePlpgsql = "CREATE FUNCTION make_code() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'x'; END $$;\nALTER TABLE users ADD COLUMN code text DEFAULT make_code();";
    const v = await run(volatilePlpgsql);
    expect(v.map((f) => [f.severity, f.line])).toEqual([['error', 2]]);
    expect(v[0]!.message).toContain('its DEFAULT calls `make_code()`, a volatile function');

    // A VOLATILE SQL function may be inlined: not certain either way.
    const sqlFunction = "CREATE FUNCTION make_code() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$;\nALTER TABLE users ADD COLUMN code text DEFAULT make_code();";
    const s = await run(sqlFunction);
    expect(s.map((f) => f.severity)).toEqual(['warning']);
    expect(s[0]!.message).toContain('the function (created on line 1) is VOLATILE');
  });

  it('knows VIRTUAL generated columns (PostgreSQL 18) do not rewrite', async () => {
    expect(await run('ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (amount * price) VIRTUAL;', { pgVersion: 18 })).toEqual([]);
    expect(await run('ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (amount * price);', { pgVersion: 18 })).toEqual([]);
    const stored = await run('ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (amount * price) STORED;', { pgVersion: 18 });
    expect(stored[0]!.message).toContain('Use a VIRTUAL generated column (computed on read, no rewrite)');
    const stored16 = await run('ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (amount * price) STORED;', { pgVersion: 16 });
    expect(stored16[0]!.message).not.toContain('VIRTUAL');
  });

  it('knows a constrained domain created in the migration makes ADD COLUMN rewrite (through PostgreSQL 18)', async () => {
    const sql = 'CREATE DOMAIN positive AS integer CHECK (VALUE > 0);\nCREATE DOMAIN label AS text;\nALTER TABLE orders ADD COLUMN qty positive, ADD COLUMN tag label;';
    const findings = await run(sql);
    expect(findings.map((f) => f.line)).toEqual([3]);
    expect(findings[0]!.message).toContain('ADD COLUMN `qty` rewrites all of `orders`');
    expect(findings[0]!.message).toContain('its type `positive` (line 1) is a domain with constraints');
    expect(await run(sql, { pgVersion: 19 })).toEqual([]);
  });

  it('ignores tables created in the same migration, and sees statements inside DO blocks', async () => {
    expect(await run('CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid();')).toEqual([]);
    const findings = await run('DO $$\nBEGIN\n  ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();\nEND $$;');
    expect(findings.map((f) => f.line)).toEqual([3]);
  });

  it('says how long the lock is held and how big the table is', async () => {
    const findings = await run("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();\nUPDATE users SET name = 'x' WHERE id = 1;", {
      tableRows: { users: 3_000_000 },
    });
    expect(findings[0]!.message).toContain('rewrites all of `users` (≈ 3,000,000 rows by the size hints)');
    expect(findings[0]!.message).toContain('until the transaction commits (1 more statement)');
  });
});
