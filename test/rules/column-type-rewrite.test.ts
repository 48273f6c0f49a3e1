import { describe, expect, it } from 'vitest';
import { columnTypeRewrite } from '../../rules/column-type-rewrite.ts';
import { EXAMPLES_BASE, lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [columnTypeRewrite], ...options });

const LOGS = 'CREATE TABLE logs (id bigint PRIMARY KEY, logged_at timestamp, seen_at timestamptz, tag varchar(10), code text, addr cidr);\nCREATE INDEX logs_seen_at_idx ON logs (seen_at);\nCREATE INDEX logs_tag_idx ON logs (tag);';

describe('column-type-rewrite', () => {
  it('reports a rewriting change with the old type, the lock and the safe way', async () => {
    const findings = await run('ALTER TABLE orders ALTER COLUMN amount TYPE bigint;');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 1 });
    expect(findings[0]!.message).toBe(
      'ALTER COLUMN `amount` TYPE bigint (from integer) rewrites all of `orders` and rebuilds its indexes, holding an ACCESS EXCLUSIVE lock on `orders` (blocks reads and writes) for the whole statement. Add a new column, keep it in sync with a trigger, backfill it in batches, then switch over.',
    );
    expect(findings[0]!.detail).toContain('ALTER TABLE orders ADD COLUMN amount_new bigint;  -- instant');
    expect(findings[0]!.detail).toContain('FOR EACH ROW EXECUTE FUNCTION orders_amount_sync();');
  });

  it('stays silent for binary-compatible changes (checked against PostgreSQL: no new relfilenode)', async () => {
    const sql = [
      'ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);',
      'ALTER TABLE orders ALTER COLUMN note TYPE varchar;',
      'ALTER TABLE orders ALTER COLUMN note TYPE text;',
      'ALTER TABLE orders ALTER COLUMN status TYPE varchar;',
      'ALTER TABLE orders ALTER COLUMN price TYPE numeric(14, 2);',
      'ALTER TABLE orders ALTER COLUMN price TYPE numeric;',
      'ALTER TABLE orders ALTER COLUMN amount TYPE int4;',
      'ALTER TABLE logs ALTER COLUMN addr TYPE inet;',
      'ALTER TABLE logs ALTER COLUMN tag TYPE varchar(20) USING tag::varchar(20);',
      'ALTER TABLE logs ALTER COLUMN tag TYPE varchar(30) USING (tag);',
    ].join('\n');
    expect(await run(sql, { base: `${EXAMPLES_BASE}\n${LOGS}` })).toEqual([]);
  });

  it('knows the precision rules of time, timestamp and interval', async () => {
    const base = 'CREATE TABLE t (id bigint PRIMARY KEY, a timestamp(3), b time(3), c interval day, c2 interval day, d interval second(3), e timestamp);';
    const silent = [
      'ALTER TABLE t ALTER COLUMN a TYPE timestamp(6);',
      'ALTER TABLE t ALTER COLUMN a TYPE timestamp;',
      'ALTER TABLE t ALTER COLUMN b TYPE time(5);',
      'ALTER TABLE t ALTER COLUMN c TYPE interval;',
      'ALTER TABLE t ALTER COLUMN c2 TYPE interval hour;',
      'ALTER TABLE t ALTER COLUMN d TYPE interval second(5);',
      'ALTER TABLE t ALTER COLUMN e TYPE timestamp(6);',
    ].join('\n');
    expect(await run(silent, { base })).toEqual([]);
    const rewrites = await run('ALTER TABLE t ALTER COLUMN e TYPE timestamp(3);\nALTER TABLE t ALTER COLUMN c TYPE interval month;', { base });
    expect(rewrites.map((f) => [f.line, f.severity])).toEqual([[1, 'error'], [2, 'error']]);
    expect(rewrites[0]!.message).toContain('Lowering the precision rounds every value.');
    expect(rewrites[1]!.message).toContain('ALTER COLUMN `c` TYPE interval month (from interval day) rewrites');
  });

  it('says when a narrowing change can fail', async () => {
    const findings = await run('ALTER TABLE orders ALTER COLUMN note TYPE varchar(20), ALTER COLUMN user_id TYPE integer;');
    expect(findings.map((f) => f.message.match(/\. (It fails [^.]*\.)/)?.[1])).toEqual([
      'It fails if an existing value does not fit varchar(20).',
      'It fails if an existing value is out of range for integer.',
    ]);
    const text = await run('ALTER TABLE users ALTER COLUMN name TYPE varchar(200);');
    expect(text[0]!.message).toContain('(from text) rewrites all of `users`');
    expect(text[0]!.message).toContain('Every value is checked against the limit');
    const scale = await run('ALTER TABLE orders ALTER COLUMN price TYPE numeric(12, 3);');
    expect(scale[0]!.message).toContain('A change of scale rewrites every value, even when it widens.');
  });

  it('treats a USING expression that computes values as a rewrite, whatever the types', async () => {
    const findings = await run('ALTER TABLE orders ALTER COLUMN note TYPE varchar(100) USING lower(note);');
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('its USING expression computes every value anew');
    expect(findings[0]!.detail).toContain('NEW.note_new := <the USING expression, on NEW.note>');
  });

  it('handles timestamp ↔ timestamptz by the session TimeZone (PostgreSQL 12+)', async () => {
    const base = LOGS;
    const unknown = await run('ALTER TABLE logs ALTER COLUMN logged_at TYPE timestamptz;', { base });
    expect(unknown[0]!.severity).toBe('warning');
    expect(unknown[0]!.message).toContain("unless the session TimeZone is UTC: since PostgreSQL 12 timestamp ↔ timestamptz is free only then. Put `SET LOCAL TimeZone = 'UTC';` right before it to make sure.");

    const perStatement = await run('ALTER TABLE logs ALTER COLUMN logged_at TYPE timestamptz;', { base, transaction: 'per-statement' });
    expect(perStatement[0]!.message).toContain("Put `SET TimeZone = 'UTC';` right before it");

    expect(await run("SET TimeZone = 'UTC';\nALTER TABLE logs ALTER COLUMN logged_at TYPE timestamptz;", { base })).toEqual([]);
    expect(await run("SET TIME ZONE 'Etc/UTC';\nALTER TABLE logs ALTER COLUMN logged_at TYPE timestamptz(6);", { base })).toEqual([]);

    const paris = await run("SET TimeZone = 'Europe/Paris';\nALTER TABLE logs ALTER COLUMN logged_at TYPE timestamptz;", { base });
    expect(paris.map((f) => [f.severity, f.line])).toEqual([['error', 2]]);
    expect(paris[0]!.message).toContain('the migration sets TimeZone to a zone other than UTC');

    // Even in UTC, the index on the column is rebuilt (different operator class).
    const indexed = await run("SET TimeZone = 'UTC';\nALTER TABLE logs ALTER COLUMN seen_at TYPE timestamp;", { base });
    expect(indexed.map((f) => f.severity)).toEqual(['warning']);
    expect(indexed[0]!.message).toContain('does not rewrite `logs`, but it rebuilds the index on the column (`logs_seen_at_idx`)');

    const precision = await run("SET TimeZone = 'UTC';\nALTER TABLE logs ALTER COLUMN logged_at TYPE timestamptz(3);", { base });
    expect(precision[0]!.severity).toBe('error');
    expect(precision[0]!.message).toContain('so timestamptz(3) rewrites even with the session TimeZone in UTC; `timestamptz` (or `timestamptz(6)`) would not');

    const old = await run("SET TimeZone = 'UTC';\nALTER TABLE logs ALTER COLUMN logged_at TYPE timestamptz;", { base, pgVersion: 11 });
    expect(old[0]!.message).toContain('Before PostgreSQL 12 (the target is 11) the conversion always rewrites.');
  });

  it('says what the column would have to be when the schema does not know it', async () => {
    const findings = await run('ALTER TABLE legacy ALTER COLUMN title TYPE varchar(100);\nALTER TABLE legacy ALTER COLUMN n TYPE bigint;');
    expect(findings.map((f) => f.severity)).toEqual(['warning', 'warning']);
    expect(findings[0]!.message).toContain('unless the change is binary-compatible, which needs the column to be `varchar(n)` with n ≤ 100 now; the review does not know its current type');
    expect(findings[1]!.message).toContain('unless the column already is bigint (no other type converts to it without a rewrite)');
  });

  it('warns rather than errs for types it cannot judge (domains, extension types)', async () => {
    const findings = await run('ALTER TABLE users ALTER COLUMN email TYPE citext;');
    expect(findings[0]!.severity).toBe('warning');
    expect(findings[0]!.message).toContain('unless varchar(100) is binary coercible to citext');
  });

  it('resolves domains created in the migration: unconstrained ones are their base type', async () => {
    const sql = 'CREATE DOMAIN note_text AS text;\nCREATE DOMAIN short_note AS varchar(200) CHECK (length(VALUE) > 0);\nALTER TABLE orders ALTER COLUMN note TYPE note_text;\nALTER TABLE orders ALTER COLUMN note TYPE short_note;';
    const findings = await run(sql);
    expect(findings.map((f) => [f.line, f.severity])).toEqual([[4, 'error']]);
    expect(findings[0]!.message).toContain('`short_note` is a domain with constraints (line 2): converting to it checks every value by rewriting the table.');
  });

  it('warns about index rebuilds a COLLATE clause causes, only when the column is indexed', async () => {
    const base = LOGS;
    const indexed = await run('ALTER TABLE logs ALTER COLUMN tag TYPE varchar(40) COLLATE "C";', { base });
    expect(indexed.map((f) => f.severity)).toEqual(['warning']);
    expect(indexed[0]!.message).toContain('but if `C` is not the column\'s current collation, it rebuilds the index on the column (`logs_tag_idx`)');
    expect(await run('ALTER TABLE logs ALTER COLUMN code TYPE text COLLATE "C";', { base })).toEqual([]);
  });

  it('knows a serial column is an integer column', async () => {
    const base = 'CREATE TABLE s (id serial PRIMARY KEY);';
    expect(await run('ALTER TABLE s ALTER COLUMN id TYPE integer;', { base })).toEqual([]);
    const findings = await run('ALTER TABLE s ALTER COLUMN id TYPE bigint;', { base });
    expect(findings[0]!.message).toContain('ALTER COLUMN `id` TYPE bigint (from integer) rewrites all of `s`');
  });

  it('ignores new tables and reports each column on its own line', async () => {
    expect(await run('CREATE TABLE t (id integer);\nALTER TABLE t ALTER COLUMN id TYPE bigint;')).toEqual([]);
    const findings = await run('ALTER TABLE orders\n  ALTER COLUMN note TYPE text,\n  ALTER COLUMN amount TYPE bigint,\n  ALTER COLUMN status TYPE varchar(10);');
    expect(findings.map((f) => [f.line, f.endLine])).toEqual([[3, 3], [4, 4]]);
  });
});

describe('column-type-rewrite with quoted type names', () => {
  it('knows a quoted enum created earlier in the migration, so text to it is a certain rewrite', async () => {
    const sql = [
      `CREATE TYPE "ProjectRole" AS ENUM ('OWNER', 'MEMBER');`,
      `ALTER TABLE users ALTER COLUMN status TYPE "ProjectRole" USING status::"ProjectRole";`,
    ].join('\n');
    const findings = (await lintSql(sql, { rules: [columnTypeRewrite] })).filter((f) => f.rule === 'column-type-rewrite');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 2 });
    expect(findings[0]!.message).toContain('TYPE ProjectRole (from text) rewrites all of `users`');
  });
});
