import { describe, expect, it } from 'vitest';
import { discoverMigrations } from '../../src/migrations/discover.ts';
import { parseGoose } from '../../src/migrations/frameworks/goose.ts';
import { repo } from './helpers.ts';

const FUNCTION_FILE = [
  '-- header comment', // 1
  '-- +goose Up', // 2
  '-- +goose StatementBegin', // 3
  'CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;', // 4
  '-- +goose StatementEnd', // 5
  '', // 6
  '-- +goose Down', // 7
  'DROP FUNCTION f();', // 8
  '',
].join('\n');

const INDEX_FILE = [
  '-- +goose NO TRANSACTION', // 1
  '-- +goose Up', // 2
  'CREATE INDEX CONCURRENTLY i ON t (id);', // 3
  '',
].join('\n');

describe('goose', () => {
  const files = repo({
    'db/migrations/00010_index.sql': INDEX_FILE,
    'db/migrations/00002_add_fn.sql': FUNCTION_FILE,
    'db/migrations/3_three.sql': '-- +goose Up\nSELECT 3;\n-- +goose Down\nSELECT -3;\n',
    'db/migrations/00001_init.sql': '-- +goose Up\nCREATE TABLE t (id int);\n\n-- +goose Down\nDROP TABLE t;\n',
    'db/migrations/00004_forgot.sql': 'CREATE TABLE u (id int);\n',
    'db/migrations/notes.sql': '-- notes\n',
    'main.go': 'package main',
  });

  it('orders by numeric version and splits Up/Down with true start lines', async () => {
    const d = await discoverMigrations(files);
    expect(d.framework).toBe('goose');
    expect(d.migrations.map((m) => m.id)).toEqual(['00001_init', '00002_add_fn', '3_three', '00010_index']);
    const fn = d.migrations[1];
    expect(fn?.up).toEqual({
      sql:
        '-- +goose StatementBegin\n' +
        'CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;\n' +
        '-- +goose StatementEnd\n' +
        '\n',
      startLine: 3,
      startColumn: 1,
    });
    expect(fn?.down).toEqual({
      path: 'db/migrations/00002_add_fn.sql',
      section: { sql: 'DROP FUNCTION f();\n', startLine: 8, startColumn: 1 },
    });
    expect(d.migrations[0]?.up).toEqual({ sql: 'CREATE TABLE t (id int);\n\n', startLine: 2, startColumn: 1 });
    expect(d.migrations[0]?.down?.section).toEqual({ sql: 'DROP TABLE t;\n', startLine: 5, startColumn: 1 });
  });

  it('uses per-file transactions unless NO TRANSACTION', async () => {
    const d = await discoverMigrations(files);
    expect(d.migrations.map((m) => m.transaction)).toEqual(['per-file', 'per-file', 'per-file', 'per-statement']);
    expect(d.migrations[3]?.up).toEqual({ sql: 'CREATE INDEX CONCURRENTLY i ON t (id);\n', startLine: 3, startColumn: 1 });
    expect(d.migrations[3]?.down).toBeUndefined();
  });

  it('warns about a file without -- +goose Up and a file without a version', async () => {
    const d = await discoverMigrations(files);
    expect(d.warnings).toEqual([
      'db/migrations/00004_forgot.sql: no "-- +goose Up" annotation; goose refuses to run this file, skipped',
      'db/migrations/notes.sql: goose migration file names must be <version>_<name>.sql; goose skips this file',
    ]);
  });

  it('keeps line numbers in CRLF files', () => {
    const parsed = parseGoose(FUNCTION_FILE.replace(/\n/g, '\r\n'));
    expect(parsed.up?.startLine).toBe(3);
    expect(parsed.up?.sql.startsWith('-- +goose StatementBegin\r\nCREATE FUNCTION')).toBe(true);
    expect(parsed.down).toEqual({ sql: 'DROP FUNCTION f();\r\n', startLine: 8, startColumn: 1 });
    expect(parsed.noTransaction).toBe(false);
    expect(parsed.problems).toEqual([]);
  });

  it('reports annotation problems', () => {
    const parsed = parseGoose(
      'CREATE TABLE early (id int);\n-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n -- +goose Down\n',
    );
    expect(parsed.problems).toEqual([
      'line 5: goose annotation with leading whitespace is not recognised',
      'missing "-- +goose StatementEnd" at end of file',
      'line 1: SQL before "-- +goose Up" (goose rejects the file)',
    ]);
    expect(parsed.down).toBeUndefined();
    expect(parsed.up).toEqual({
      sql: '-- +goose StatementBegin\nSELECT 1;\n -- +goose Down\n',
      startLine: 3,
      startColumn: 1,
    });
  });

  it('accepts annotations in any case and finds NO TRANSACTION anywhere', () => {
    const parsed = parseGoose('-- +goose up\nSELECT 1;\n-- +goose down\nSELECT 2;\n-- +goose no transaction\n');
    expect(parsed.noTransaction).toBe(true);
    expect(parsed.up).toEqual({ sql: 'SELECT 1;\n', startLine: 2, startColumn: 1 });
    expect(parsed.down).toEqual({ sql: 'SELECT 2;\n-- +goose no transaction\n', startLine: 4, startColumn: 1 });
  });
});
