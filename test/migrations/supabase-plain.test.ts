import { describe, expect, it } from 'vitest';
import { discoverMigrations } from '../../src/migrations/discover.ts';
import { repo } from './helpers.ts';

describe('Supabase', () => {
  it('reads supabase/migrations in timestamp order as implicit transactions', async () => {
    const d = await discoverMigrations(
      repo({
        'supabase/config.toml': 'project_id = "x"',
        'supabase/seed.sql': 'INSERT INTO t VALUES (1);',
        'supabase/migrations/20240101000000_init.sql': 'CREATE TABLE t (id int);\n',
        'supabase/migrations/20231231235959_earlier.sql': 'CREATE SCHEMA s;\n',
        'supabase/migrations/20240201000000_policies.sql': 'ALTER TABLE t ENABLE ROW LEVEL SECURITY;\n',
        'supabase/migrations/notes.sql': '-- scratch\n',
      }),
    );
    expect(d.framework).toBe('supabase');
    expect(d.migrations.map((m) => m.id)).toEqual([
      '20231231235959_earlier',
      '20240101000000_init',
      '20240201000000_policies',
    ]);
    expect(d.migrations.map((m) => m.transaction)).toEqual(['implicit', 'implicit', 'implicit']);
    expect(d.migrations[1]).toEqual({
      id: '20240101000000_init',
      framework: 'supabase',
      path: 'supabase/migrations/20240101000000_init.sql',
      up: { sql: 'CREATE TABLE t (id int);\n', startLine: 1, startColumn: 1 },
      transaction: 'implicit',
    });
    expect(d.warnings).toEqual([
      'supabase/migrations/notes.sql: Supabase migration file names must match <timestamp>_<name>.sql; the CLI skips this file',
    ]);
  });

  it('wins over annotations in the same files (layout before contents)', async () => {
    const d = await discoverMigrations(
      repo({ 'apps/web/supabase/migrations/1_a.sql': '-- +goose Up\nSELECT 1;\n' }),
    );
    expect(d.framework).toBe('supabase');
    expect(d.migrations.map((m) => m.path)).toEqual(['apps/web/supabase/migrations/1_a.sql']);
    expect(d.warnings).toEqual([]);
  });
});

describe('plain SQL', () => {
  it('orders file names naturally, per statement', async () => {
    const d = await discoverMigrations(
      repo({
        'sql/10_a.sql': 'SELECT 10;',
        'sql/2_b.sql': 'SELECT 2;',
        'sql/1_c.sql': 'SELECT 1;',
        'sql/schema.sql': 'SELECT 0;',
        'sql/02_dup.sql': 'SELECT 2;',
        'sql/1_c9.sql': 'SELECT 1.9;',
        'sql/1_c10.sql': 'SELECT 1.10;',
      }),
    );
    expect(d.framework).toBe('plain');
    expect(d.migrations.map((m) => m.id)).toEqual(['1_c', '1_c9', '1_c10', '2_b', '02_dup', '10_a', 'schema']);
    expect(d.migrations.every((m) => m.transaction === 'per-statement')).toBe(true);
    expect(d.warnings).toEqual([]);
  });

  it('orders each directory on its own and says so', async () => {
    const d = await discoverMigrations(repo({ 'b/1.sql': 'SELECT 1;', 'a/2.sql': 'SELECT 2;', 'a/10.sql': 'SELECT 3;' }));
    expect(d.migrations.map((m) => m.path)).toEqual(['a/2.sql', 'a/10.sql', 'b/1.sql']);
    expect(d.warnings).toEqual([
      'plain SQL migrations found in 2 directories (a, b); each directory is ordered on its own and the directories are listed in path order',
    ]);
  });
});
