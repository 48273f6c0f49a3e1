import { describe, expect, it } from 'vitest';
import { cascade } from '../../rules/cascade.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [cascade], ...options });

describe('cascade', () => {
  it('reports DROP TABLE ... CASCADE with what it silently drops', async () => {
    const findings = await run('DROP TABLE orders CASCADE;');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', line: 1 });
    expect(findings[0]!.message).toBe(
      "DROP TABLE `orders` CASCADE also drops whatever depends on it in the production catalog (views, other tables' foreign keys, defaults and triggers using it), without naming any of it. Drop the dependent objects explicitly and leave CASCADE out, so an unexpected dependency makes the migration fail instead.",
    );
    expect(findings[0]!.detail).toContain('pg_describe_object(classid, objid, objsubid)');
  });

  it('reports TRUNCATE ... CASCADE, column and constraint drops, schemas, functions and DROP OWNED', async () => {
    const sql = [
      'TRUNCATE users, orders CASCADE;',
      'ALTER TABLE orders DROP COLUMN user_id CASCADE;',
      'ALTER TABLE orders DROP CONSTRAINT orders_pkey CASCADE;',
      'DROP SCHEMA reporting CASCADE;',
      'DROP FUNCTION IF EXISTS app.order_total(bigint) CASCADE;',
      'DROP OWNED BY reporting_role CASCADE;',
    ].join('\n');
    const findings = await run(sql);
    expect(findings.map((f) => [f.line, f.message.split(' CASCADE')[0]])).toEqual([
      [1, 'TRUNCATE `users`, `orders`'],
      [2, 'DROP COLUMN `orders.user_id`'],
      [3, 'DROP CONSTRAINT `orders.orders_pkey`'],
      [4, 'DROP SCHEMA `reporting`'],
      [5, 'DROP FUNCTION `app.order_total`'],
      [6, 'DROP OWNED BY `reporting_role`'],
    ]);
    expect(findings[0]!.message).toContain('also empties every table with a foreign key to them');
    expect(findings[3]!.message).toContain('also drops every object in the schema (tables and their data included)');
  });

  it('stays silent without CASCADE and for tables created in the same migration', async () => {
    expect(await run('DROP TABLE orders;\nTRUNCATE users;\nALTER TABLE orders DROP COLUMN note;')).toEqual([]);
    expect(await run('CREATE TABLE tmp (id bigint);\nDROP TABLE tmp CASCADE;\nCREATE TABLE tmp2 (id bigint);\nTRUNCATE tmp2 CASCADE;')).toEqual([]);
  });
});
