import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractQueries } from '../../src/queries/index.ts';
import { normaliseParameters } from '../../src/queries/parameters.ts';
import { loadParser } from '../../src/sql/libpg.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/queries');
const fixture = (file: string, changedLines?: ReadonlySet<number>) => extractQueries(file, readFileSync(path.join(FIXTURES, file), 'utf8'), changedLines);

beforeAll(() => loadParser());

describe('queries in .sql files', () => {
  it('reads sqlc queries by name, with $n, sqlc.arg, sqlc.narg and @name as parameters', () => {
    expect(fixture('sqlc/query.sql')).toEqual([
      { path: 'sqlc/query.sql', line: 2, column: 1, endLine: 3, origin: 'sqlc', name: 'GetAuthor', sql: 'SELECT * FROM authors\nWHERE id = $1 LIMIT 1', parameters: ['$1'] },
      {
        path: 'sqlc/query.sql',
        line: 6,
        column: 1,
        endLine: 8,
        origin: 'sqlc',
        name: 'ListAuthorsByName',
        sql: 'SELECT id, name FROM authors\nWHERE name = $1 AND bio IS NOT DISTINCT FROM $2\nORDER BY name',
        parameters: ['name', 'bio'],
      },
      {
        path: 'sqlc/query.sql',
        line: 11,
        column: 1,
        endLine: 11,
        origin: 'sqlc',
        name: 'UpdateAuthorEmail',
        sql: 'UPDATE authors SET email = $1 WHERE id = $2 AND email <> $1',
        parameters: ['email', 'id'],
      },
    ]);
  });

  it('reads PgTyped queries by name, :name parameters but not ::casts', () => {
    expect(fixture('pgtyped/books.sql')).toEqual([
      {
        path: 'pgtyped/books.sql',
        line: 2,
        column: 1,
        endLine: 4,
        origin: 'pgtyped',
        name: 'FindBooksByAuthor',
        sql: "SELECT b.id, b.title\nFROM books b\nWHERE b.author_id = $1 AND b.title ILIKE $2 AND b.published_at::date > '2020-01-01'",
        parameters: ['authorId', 'pattern'],
      },
    ]);
  });

  it('splits plain files at semicolons outside strings and comments, and leaves out what is not a query', () => {
    expect(fixture('plain/reports.sql')).toEqual([
      {
        path: 'plain/reports.sql',
        line: 2,
        column: 1,
        endLine: 5,
        origin: 'sql-file',
        sql: "SELECT date_trunc('month', created_at) AS month, sum(amount)\nFROM orders\nWHERE note <> 'a;b' AND created_at > $1\nGROUP BY 1",
        parameters: ['$1'],
      },
    ]);
  });
});

describe('queries in TypeScript and JavaScript', () => {
  it('reads pg queries, sql and Prisma tagged templates, and a pg query config, at the line their SQL starts', () => {
    expect(fixture('app/orders.ts')).toEqual([
      {
        path: 'app/orders.ts',
        line: 11,
        column: 5,
        endLine: 14,
        origin: 'client-query',
        sql: 'SELECT id, amount\n    FROM orders\n    WHERE user_id = $1 AND status = $2\n    ORDER BY created_at DESC',
        parameters: ['$1', '$2'],
      },
      { path: 'app/orders.ts', line: 21, column: 14, endLine: 21, origin: 'tagged-template', sql: 'SELECT * FROM orders WHERE created_at > $1 AND note IS NOT NULL', parameters: ['${since}'] },
      { path: 'app/orders.ts', line: 25, column: 27, endLine: 25, origin: 'prisma-raw', sql: 'SELECT sum(amount) FROM orders WHERE user_id = $1', parameters: ['${userId}'] },
      { path: 'app/orders.ts', line: 33, column: 30, endLine: 33, origin: 'client-query', sql: 'SELECT * FROM users WHERE id = $1', parameters: ['$1'] },
    ]);
  });

  it("reads knex.raw's ? and Sequelize's :name parameters", () => {
    expect(fixture('app/legacy.js').map(({ line, origin, sql, parameters }) => ({ line, origin, sql, parameters }))).toEqual([
      { line: 5, origin: 'knex-raw', sql: 'select * from users where name like $1 limit $2', parameters: ['?', '?'] },
      { line: 6, origin: 'sequelize-query', sql: 'SELECT * FROM users WHERE email = $1', parameters: ['email'] },
    ]);
  });

  it('keeps only the queries on lines the change adds or modifies', () => {
    expect(fixture('app/orders.ts', new Set([13, 40])).map((q) => q.line)).toEqual([11]);
    expect(fixture('app/orders.ts', new Set([1, 2, 3]))).toEqual([]);
    expect(fixture('sqlc/query.sql', new Set([7])).map((q) => q.name)).toEqual(['ListAuthorsByName']);
  });

  it('reads a file that does not parse as far as it can, and binary files not at all', () => {
    expect(extractQueries('broken.ts', 'const a = pool.query("SELECT 1 FROM t");\nfunction (((\n')).toEqual([
      expect.objectContaining({ line: 1, sql: 'SELECT 1 FROM t' }),
    ]);
    expect(extractQueries('blob.js', 'pool.query("SELECT 1")\0\0')).toEqual([]);
    expect(extractQueries('notes.md', 'SELECT * FROM users')).toEqual([]);
  });
});

describe('parameter styles', () => {
  it('rewrites parameters only in code: not in strings, quoted names, comments or dollar quotes', () => {
    expect(normaliseParameters(`SELECT ':a', "?", $$ :a $$, E'\\' :a' /* :a ? */ -- :a\n FROM t WHERE x = :a AND y = ?`, ['colon', 'question'])).toEqual({
      sql: `SELECT ':a', "?", $$ :a $$, E'\\' :a' /* :a ? */ -- :a\n FROM t WHERE x = $1 AND y = $2`,
      parameters: ['a', '?'],
    });
  });

  it("leaves jsonb's ?| and ?& and knex's ?? identifiers alone", () => {
    expect(normaliseParameters("SELECT * FROM t WHERE tags ?| array['a'] AND tags ?& array['b'] AND ?? = ?", ['question'])).toEqual({
      sql: "SELECT * FROM t WHERE tags ?| array['a'] AND tags ?& array['b'] AND ?? = $1",
      parameters: ['?'],
    });
  });

  it("numbers a template's interpolations first, then the parameters written in its text", () => {
    expect(normaliseParameters('SELECT * FROM t WHERE a = $1 AND b = :b', ['colon'], ['${a}'])).toEqual({
      sql: 'SELECT * FROM t WHERE a = $1 AND b = $2',
      parameters: ['${a}', 'b'],
    });
  });
});
