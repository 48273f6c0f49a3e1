import { beforeAll, describe, expect, it } from 'vitest';
import { SchemaModel } from '../../src/lint/schema.ts';
import { loadParser } from '../../src/sql/libpg.ts';
import { parseSection } from '../../src/sql/parse.ts';

beforeAll(() => loadParser());

function build(sql: string): SchemaModel {
  const schema = new SchemaModel();
  for (const statement of parseSection({ sql, startLine: 1, startColumn: 1 }, 'm.sql').statements) schema.apply(statement, 'm1');
  return schema;
}

describe('SchemaModel', () => {
  it('names unnamed constraints as PostgreSQL does', () => {
    const schema = build(
      'CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE);\n' +
        'CREATE TABLE orders (id bigint, user_id bigint REFERENCES users, amount int CHECK (amount > 0), CHECK (id > 0 AND amount < 10));\n' +
        'ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
    );
    expect([...schema.constraints.keys()].sort()).toEqual([
      'public.orders.orders_amount_check',
      'public.orders.orders_check',
      'public.orders.orders_user_id_fkey',
      'public.orders.orders_user_id_fkey1',
      'public.users.users_email_key',
      'public.users.users_pkey',
    ]);
    expect(schema.constraints.get('public.orders.orders_user_id_fkey1')).toMatchObject({ kind: 'foreign', validated: false, columns: ['user_id'] });
    expect(schema.indexOwner('public.users_email_key')).toBe('public.users');
  });

  it('keeps enum labels in their sort order when added BEFORE or AFTER another', () => {
    const schema = build("CREATE TYPE mood AS ENUM ('sad', 'happy');\nALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy';\nALTER TYPE mood ADD VALUE 'ecstatic' AFTER 'happy';\nALTER TYPE mood ADD VALUE 'meh';");
    expect(schema.enums.get('public.mood')).toEqual(['sad', 'ok', 'happy', 'ecstatic', 'meh']);
  });

  it('makes a column NOT NULL once a PostgreSQL 18 NOT NULL constraint is validated', () => {
    const schema = build('CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT t_a_nn NOT NULL a NOT VALID;');
    expect(schema.column('public.t', 'a')?.notNull).toBe(false);
    expect(schema.constraints.get('public.t.t_a_nn')).toMatchObject({ kind: 'not-null', provesNotNull: 'a', validated: false });
    const validated = build('CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT t_a_nn NOT NULL a NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_a_nn;');
    expect(validated.column('public.t', 'a')?.notNull).toBe(true);
  });

  it('tells char(n) from the internal "char" type', () => {
    const schema = build('CREATE TABLE t (a "char", b char(2), c character);');
    expect(['a', 'b', 'c'].map((c) => schema.column('public.t', c)?.type)).toEqual([
      { name: 'char', mods: [], array: false },
      { name: 'bpchar', mods: [2], array: false },
      { name: 'bpchar', mods: [1], array: false },
    ]);
  });

  it('follows renames of tables, columns and indexes', () => {
    const schema = build('CREATE TABLE a (x int);\nCREATE INDEX a_x_idx ON a (x);\nALTER TABLE a RENAME TO b;\nALTER TABLE b RENAME COLUMN x TO y;\nALTER INDEX a_x_idx RENAME TO b_y_idx;');
    expect([...schema.tables.keys()]).toEqual(['public.b']);
    expect(schema.indexes.get('public.b_y_idx')).toMatchObject({ table: 'public.b', columns: ['y'] });
  });
});
