import { describe, expect, it } from 'vitest';
import { addColumnNotNullWithoutDefault } from '../../rules/add-column-not-null-without-default.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [addColumnNotNullWithoutDefault], ...options });

describe('add-column-not-null-without-default', () => {
  it('quotes the error PostgreSQL raises and the two ways out', async () => {
    const findings = await run('ALTER TABLE users ADD COLUMN plan text NOT NULL;');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 1 });
    expect(findings[0]!.message).toBe(
      'ADD COLUMN `plan` NOT NULL without a DEFAULT fails with `column "plan" of relation "users" contains null values` as soon as `users` has a row: existing rows have nothing to put in it. Add it with a constant DEFAULT (instant since PostgreSQL 11), or nullable, backfill, then make it NOT NULL.',
    );
    expect(findings[0]!.detail).toContain('ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT <constant>;');
    expect(findings[0]!.detail).toContain('ALTER TABLE users ADD CONSTRAINT users_plan_not_null CHECK (plan IS NOT NULL) NOT VALID;');
  });

  it('treats PRIMARY KEY as NOT NULL and DEFAULT NULL as no default, on the subcommand line', async () => {
    const sql = 'ALTER TABLE orders\n  ADD COLUMN note2 text,\n  ADD COLUMN external_id bigint PRIMARY KEY,\n  ADD COLUMN code text NOT NULL DEFAULT NULL;';
    const findings = await run(sql);
    expect(findings.map((f) => [f.line, f.message.split(' fails')[0]])).toEqual([
      [3, 'ADD COLUMN `external_id` PRIMARY KEY without a DEFAULT'],
      [4, 'ADD COLUMN `code` NOT NULL without a DEFAULT'],
    ]);
    expect(findings[0]!.detail).toContain('ADD CONSTRAINT ... PRIMARY KEY USING INDEX');
  });

  it('stays silent when the column fills itself or has a default', async () => {
    const sql = [
      'ALTER TABLE orders ADD COLUMN a integer NOT NULL DEFAULT 0;',
      'ALTER TABLE orders ADD COLUMN b bigint NOT NULL GENERATED ALWAYS AS IDENTITY;',
      'ALTER TABLE orders ADD COLUMN c bigserial NOT NULL;',
      'ALTER TABLE orders ADD COLUMN d numeric NOT NULL GENERATED ALWAYS AS (amount * 2) STORED;',
      'ALTER TABLE orders ADD COLUMN e timestamptz NOT NULL DEFAULT now();',
    ].join('\n');
    expect(await run(sql)).toEqual([]);
  });

  it('ignores tables created in the same migration', async () => {
    expect(await run('CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN name text NOT NULL;')).toEqual([]);
  });

  it('turns into a warning when the size hints say the table is empty', async () => {
    const findings = await run('ALTER TABLE users ADD COLUMN plan text NOT NULL;', { tableRows: { users: 0 } });
    expect(findings[0]!.severity).toBe('warning');
    expect(findings[0]!.message).toContain('as soon as `users` has a row (the size hints say it is empty, so it passes there)');
  });

  it('does not promise an instant default before PostgreSQL 11, and allows for domain defaults', async () => {
    const old = await run('ALTER TABLE users ADD COLUMN plan text NOT NULL;', { pgVersion: 10 });
    expect(old[0]!.message).toContain('Add it with a constant DEFAULT (on PostgreSQL 10 this rewrites the table: see `add-column-rewrite`)');
    const domain = await run('ALTER TABLE users ADD COLUMN contact email_address NOT NULL;');
    expect(domain[0]!.message).toContain('(unless `email_address` is a domain with a DEFAULT)');
  });
});
