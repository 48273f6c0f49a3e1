import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectQueries, MAX_FILES_BEYOND_CHANGE, type CollectedQuery } from '../../src/queries/collect.ts';
import { extractQueries, loadParsersFor } from '../../src/queries/index.ts';
import { normaliseParameters } from '../../src/queries/parameters.ts';
import { loadParser } from '../../src/sql/libpg.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/queries');
const fixture = (file: string) => extractQueries(file, readFileSync(path.join(FIXTURES, file), 'utf8'));

beforeAll(() => Promise.all([loadParser(), loadParsersFor(['a.ts', 'a.py', 'a.go', 'a.rb'])]));

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

  it("reads psycopg's %s and %(name)s, but not an escaped %%", () => {
    expect(normaliseParameters("SELECT * FROM t WHERE a = %s AND b = %(b)s AND c = %(b)s AND d LIKE 'x%%' AND e = %%s", ['percent'])).toEqual({
      sql: "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $2 AND d LIKE 'x%%' AND e = %%s",
      parameters: ['?', 'b'],
    });
  });

  it("numbers a template's interpolations first, then the parameters written in its text", () => {
    expect(normaliseParameters('SELECT * FROM t WHERE a = $1 AND b = :b', ['colon'], ['${a}'])).toEqual({
      sql: 'SELECT * FROM t WHERE a = $1 AND b = $2',
      parameters: ['${a}', 'b'],
    });
  });
});

describe('queries in Python, Go and Ruby', () => {
  const brief = (file: string) => fixture(file).map(({ line, column, endLine, origin, sql, parameters }) => ({ line, column, endLine, origin, sql, parameters }));

  it("reads DB-API's execute with %s and %(name)s, SQLAlchemy's text with :name, asyncpg's $1, and an f-string's interpolation", () => {
    expect(brief('python/reports.py')).toEqual([
      { line: 8, column: 9, endLine: 11, origin: 'db-execute', sql: 'SELECT id, total\n        FROM orders\n        WHERE customer_id = $1 AND status = $2', parameters: ['?', 'status'] },
      { line: 18, column: 34, endLine: 18, origin: 'db-execute', sql: 'SELECT id FROM users WHERE email = $1', parameters: ['email'] },
      { line: 22, column: 30, endLine: 22, origin: 'client-query', sql: 'SELECT name FROM users WHERE id = ANY($1)', parameters: ['$1'] },
      { line: 26, column: 19, endLine: 26, origin: 'db-execute', sql: "SELECT count(*) FROM orders WHERE note = '$1'", parameters: ['{table}'] },
    ]);
  });

  it("reads database/sql's calls, a context first and backquoted strings included", () => {
    expect(brief('go/store.go')).toEqual([
      { line: 10, column: 3, endLine: 12, origin: 'db-execute', sql: 'SELECT id, total\n\t\tFROM orders\n\t\tWHERE customer_id = $1', parameters: ['$1'] },
      { line: 16, column: 21, endLine: 16, origin: 'db-execute', sql: "UPDATE orders SET status = 'closed' WHERE id = $1", parameters: ['$1'] },
    ]);
  });

  it("reads Active Record's find_by_sql with its binds array, and exec_query with a #{} interpolation", () => {
    expect(brief('ruby/report.rb')).toEqual([
      { line: 3, column: 25, endLine: 3, origin: 'db-execute', sql: 'SELECT customer_id FROM orders WHERE total > $1 GROUP BY customer_id', parameters: ['?'] },
      { line: 7, column: 47, endLine: 7, origin: 'db-execute', sql: 'SELECT id FROM orders WHERE created_at > now() - make_interval(days => $1)', parameters: ['#{days}'] },
    ]);
  });
});

describe('collecting the queries of a change', () => {
  const files = ['app/orders.ts', 'app/legacy.js', 'sqlc/query.sql', 'plain/reports.sql'].map((file) => ({ path: file, read: async () => readFileSync(path.join(FIXTURES, file), 'utf8') }));
  const changed = {
    paths: new Set(['app/orders.ts', 'sqlc/query.sql', 'plain/reports.sql']),
    modified: new Set<string>(),
    deleted: [],
    addedLines: new Map([['app/orders.ts', new Set([13, 40])]]),
  };
  const located = (queries: CollectedQuery[]) => queries.map((q) => `${q.path}:${q.line} ${q.changed ? 'changed' : 'unchanged'}`);

  it("reads only the changed files, skips the migrations', and marks the queries on lines the change adds", async () => {
    const { queries, notes } = await collectQueries(files, { migrationPaths: new Set(['plain/reports.sql']), changed, globs: [], beyondChange: false });
    expect(located(queries)).toEqual([
      'app/orders.ts:11 changed',
      'app/orders.ts:21 unchanged',
      'app/orders.ts:25 unchanged',
      'app/orders.ts:33 unchanged',
      'sqlc/query.sql:2 changed',
      'sqlc/query.sql:6 changed',
      'sqlc/query.sql:11 changed',
    ]);
    expect(notes).toEqual([]);
  });

  it('reads the files outside the change too when its migrations may break their queries', async () => {
    const { queries } = await collectQueries(files, { migrationPaths: new Set(['plain/reports.sql']), changed, globs: [], beyondChange: true });
    expect(located(queries).filter((q) => q.startsWith('app/legacy.js'))).toEqual(['app/legacy.js:5 unchanged', 'app/legacy.js:6 unchanged']);
  });

  it('reads every file of a whole-tree review, within the globs', async () => {
    const { queries } = await collectQueries(files, { migrationPaths: new Set(), changed: undefined, globs: ['**/*.js', 'plain/**'], beyondChange: false });
    expect(located(queries)).toEqual(['app/legacy.js:5 changed', 'app/legacy.js:6 changed', 'plain/reports.sql:2 changed']);
  });

  it(`reads at most ${MAX_FILES_BEYOND_CHANGE} files outside the change, and says how many it left`, async () => {
    const many = Array.from({ length: MAX_FILES_BEYOND_CHANGE + 5 }, (_, i) => ({ path: `src/q${i}.sql`, read: async () => 'SELECT 1' }));
    const { queries, notes } = await collectQueries(many, { migrationPaths: new Set(), changed: { paths: new Set(), modified: new Set(), deleted: [] }, globs: [], beyondChange: true });
    expect(queries).toHaveLength(MAX_FILES_BEYOND_CHANGE);
    expect(notes).toEqual([`the queries of 5 of the ${MAX_FILES_BEYOND_CHANGE + 5} files outside the change were not checked against its migrations (at most ${MAX_FILES_BEYOND_CHANGE} are read)`]);
  });

  it('leaves out a file nested too deep for the parser, says so, and reads the others', async () => {
    const deep = { path: 'src/deep.ts', read: async () => `const x = ${'('.repeat(200_000)}1${')'.repeat(200_000)};` };
    const { queries, notes } = await collectQueries([deep, files[1]!], { migrationPaths: new Set(), changed: undefined, globs: [], beyondChange: false });
    expect(queries.map((q) => q.path)).toEqual(['app/legacy.js', 'app/legacy.js']);
    expect(notes).toEqual([expect.stringMatching(/^src\/deep\.ts: its queries were not read \(Maximum call stack size exceeded\)$/)]);
  });
});
