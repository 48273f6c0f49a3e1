import { describe, expect, it } from 'vitest';
import { discoverMigrations } from '../../src/migrations/discover.ts';
import { parseDbmate } from '../../src/migrations/frameworks/dbmate.ts';
import { repo } from './helpers.ts';

describe('dbmate', () => {
  const files = repo({
    'db/migrations/20240102000000_index.sql':
      '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (id);\n\n-- migrate:down\nDROP INDEX i;\n',
    'db/migrations/20240101000000_create.sql':
      '-- created by dbmate\n-- migrate:up\nCREATE TABLE t (id int);\n\n-- migrate:down\nDROP TABLE t;\n',
    'db/migrations/20240103000000_no_down.sql': '-- migrate:up\nALTER TABLE t ADD COLUMN x int;\n',
    'db/migrations/readme.sql': '-- not a migration\n',
    'db/schema.sql': 'CREATE TABLE t (id int);\n',
  });

  it('orders by version and splits up/down with true start lines', async () => {
    const d = await discoverMigrations(files);
    expect(d.framework).toBe('dbmate');
    expect(d.migrations.map((m) => m.id)).toEqual([
      '20240101000000_create',
      '20240102000000_index',
      '20240103000000_no_down',
    ]);
    expect(d.migrations[0]?.up).toEqual({ sql: 'CREATE TABLE t (id int);\n\n', startLine: 3, startColumn: 1 });
    expect(d.migrations[0]?.down).toEqual({
      path: 'db/migrations/20240101000000_create.sql',
      section: { sql: 'DROP TABLE t;\n', startLine: 6, startColumn: 1 },
    });
    expect(d.migrations[2]?.down).toBeUndefined();
  });

  it('runs blocks in a transaction unless transaction:false, which dbmate sends as one Exec (implicit)', async () => {
    const d = await discoverMigrations(files);
    expect(d.migrations.map((m) => m.transaction)).toEqual(['per-file', 'implicit', 'per-file']);
  });

  it('warns about a missing down block and a file name without a version', async () => {
    const d = await discoverMigrations(files);
    expect(d.warnings).toEqual([
      'db/migrations/readme.sql: dbmate migration file names must start with a version number; dbmate skips this file',
      'db/migrations/20240103000000_no_down.sql: line 1: "-- migrate:up" block without "-- migrate:down" (dbmate requires one)',
    ]);
  });

  it('orders file names like dbmate (string order) and warns when that differs from numeric order', async () => {
    const d = await discoverMigrations(
      repo({
        'm/9_a.sql': '-- migrate:up\nSELECT 9;\n-- migrate:down\n',
        'm/10_b.sql': '-- migrate:up\nSELECT 10;\n-- migrate:down\n',
      }),
    );
    expect(d.migrations.map((m) => m.id)).toEqual(['10_b', '9_a']);
    expect(d.warnings).toEqual([
      'dbmate: versions in m have different widths, so the order of file names (which dbmate uses) differs from numeric order',
    ]);
  });

  it('returns each up/down block of a multi-block file (dbmate 2.x) as its own migration', () => {
    const parsed = parseDbmate(
      '-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT -1;\n-- migrate:up transaction:false\nSELECT 2;\n-- migrate:down\nSELECT -2;\n',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.blocks).toEqual([
      {
        up: { sql: 'SELECT 1;\n', startLine: 2, startColumn: 1 },
        upTransaction: true,
        down: { sql: 'SELECT -1;\n', startLine: 4, startColumn: 1 },
      },
      {
        up: { sql: 'SELECT 2;\n', startLine: 6, startColumn: 1 },
        upTransaction: false,
        down: { sql: 'SELECT -2;\n', startLine: 8, startColumn: 1 },
      },
    ]);
  });

  it('keeps start lines in CRLF files and reads options after the directive', () => {
    const parsed = parseDbmate('-- migrate:up   transaction:false\r\nSELECT 1;\r\n\r\n-- migrate:down\r\nSELECT 2;\r\n');
    expect(parsed.blocks).toEqual([
      {
        up: { sql: 'SELECT 1;\r\n\r\n', startLine: 2, startColumn: 1 },
        upTransaction: false,
        down: { sql: 'SELECT 2;\r\n', startLine: 5, startColumn: 1 },
      },
    ]);
  });
});
