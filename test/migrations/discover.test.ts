import { describe, expect, it } from 'vitest';
import { discoverMigrations } from '../../src/migrations/discover.ts';
import { repo } from './helpers.ts';

describe('detection precedence', () => {
  it('prefers the Prisma layout and names what else it saw', async () => {
    const d = await discoverMigrations(
      repo({
        'prisma/schema.prisma': 'datasource db {}',
        'prisma/migrations/migration_lock.toml': 'provider = "postgresql"',
        'prisma/migrations/20240102000000_b/migration.sql': 'SELECT 2;',
        'prisma/migrations/20240101000000_a/migration.sql': 'SELECT 1;',
        'db/migration/V1__flyway.sql': 'SELECT 3;',
        'scripts/cleanup.sql': 'SELECT 4;',
      }),
    );
    expect(d.framework).toBe('prisma');
    expect(d.migrations.map((m) => [m.id, m.path, m.transaction])).toEqual([
      ['20240101000000_a', 'prisma/migrations/20240101000000_a/migration.sql', 'implicit'],
      ['20240102000000_b', 'prisma/migrations/20240102000000_b/migration.sql', 'implicit'],
    ]);
    expect(d.warnings).toEqual([
      'detected prisma migrations, but 1 other file(s) look like flyway migrations (db/migration/V1__flyway.sql); ' +
        'they are not reviewed as migrations (set the framework or globs to choose)',
    ]);
  });

  it('recognises Prisma by the folder name "migrations" when the lock file is missing', async () => {
    const d = await discoverMigrations(repo({ 'x/migrations/1_a/migration.sql': 'SELECT 1;' }));
    expect(d.framework).toBe('prisma');
    expect(d.migrations.map((m) => m.id)).toEqual(['1_a']);
  });

  it('prefers goose annotations over golang-migrate and Flyway names', async () => {
    const d = await discoverMigrations(
      repo({
        'db/goose/20240101_a.sql': '-- +goose Up\nSELECT 1;\n',
        'db/gm/1_a.up.sql': 'SELECT 1;',
        'db/fw/V1__a.sql': 'SELECT 1;',
      }),
    );
    expect(d.framework).toBe('goose');
    expect(d.migrations.map((m) => m.path)).toEqual(['db/goose/20240101_a.sql']);
    expect(d.warnings).toEqual([
      'detected goose migrations, but 1 other file(s) look like golang-migrate migrations (db/gm/1_a.up.sql); ' +
        'they are not reviewed as migrations (set the framework or globs to choose)',
      'detected goose migrations, but 1 other file(s) look like flyway migrations (db/fw/V1__a.sql); ' +
        'they are not reviewed as migrations (set the framework or globs to choose)',
    ]);
  });

  it('prefers golang-migrate names over Flyway names, and orders versions numerically', async () => {
    const d = await discoverMigrations(
      repo({
        'migrations/10_ten.up.sql': 'SELECT 10;',
        'migrations/9_nine.up.sql': 'SELECT 9;',
        'migrations/9_nine.down.sql': 'SELECT -9;',
        'migrations/V1__looks_like_flyway.sql': 'SELECT 1;',
      }),
    );
    expect(d.framework).toBe('golang-migrate');
    expect(d.migrations.map((m) => [m.id, m.down?.path ?? null])).toEqual([
      ['9_nine', 'migrations/9_nine.down.sql'],
      ['10_ten', null],
    ]);
    expect(d.warnings).toEqual([
      'migrations/V1__looks_like_flyway.sql: not a golang-migrate file name (<version>_<title>.up.sql or .down.sql); skipped',
    ]);
  });

  it('falls back to plain SQL and ignores node_modules, .git and non-SQL files', async () => {
    const d = await discoverMigrations(
      repo({
        'node_modules/pkg/prisma/migrations/1_a/migration.sql': 'SELECT 1;',
        'node_modules/pkg/migration_lock.toml': '',
        '.git/hooks/V1__x.sql': 'SELECT 1;',
        'a/.git/x.sql': 'SELECT 1;',
        'schema/1_init.sql': 'SELECT 1;',
        'schema/1_init.txt': 'SELECT 1;',
      }),
    );
    expect(d.framework).toBe('plain');
    expect(d.migrations.map((m) => m.path)).toEqual(['schema/1_init.sql']);
    expect(d.warnings).toEqual([]);
  });

  it('reports an empty repository', async () => {
    const d = await discoverMigrations(repo({ 'README.md': '# hi' }));
    expect(d).toEqual({ framework: 'plain', migrations: [], warnings: ['no .sql files found'] });
  });
});

describe('options', () => {
  const files = repo({
    'db/migrations/001_a.up.sql': 'SELECT 1;',
    'db/migrations/001_a.down.sql': 'SELECT -1;',
    'db/migrations/002_b.up.sql': 'SELECT 2;',
    'tools/V1__seed.sql': 'SELECT 0;',
    'tools/V2__seed.sql': 'SELECT 0;',
  });

  it('globs choose which files are migrations; detection runs among them', async () => {
    const d = await discoverMigrations(files, { globs: ['tools/**'] });
    expect(d.framework).toBe('flyway');
    expect(d.migrations.map((m) => m.id)).toEqual(['V1__seed', 'V2__seed']);
    expect(d.warnings).toEqual([]);
  });

  it('globs with several patterns and a forced framework', async () => {
    const d = await discoverMigrations(files, { globs: ['db/migrations/*.up.sql', 'tools/V2*'], framework: 'plain' });
    expect(d.framework).toBe('plain');
    expect(d.migrations.map((m) => m.path)).toEqual(['db/migrations/001_a.up.sql', 'db/migrations/002_b.up.sql', 'tools/V2__seed.sql']);
    expect(d.migrations.every((m) => m.transaction === 'per-statement')).toBe(true);
  });

  it('a forced framework reads the glob-selected files and warns about those it cannot read', async () => {
    const d = await discoverMigrations(files, { globs: ['**/*.sql'], framework: 'golang-migrate' });
    expect(d.migrations.map((m) => m.id)).toEqual(['001_a', '002_b']);
    expect(d.warnings).toEqual([
      'golang-migrate migrations found in 2 directories (db/migrations, tools); each directory is ordered on its own and the directories are listed in path order',
      'tools/V1__seed.sql: not a golang-migrate file name (<version>_<title>.up.sql or .down.sql); skipped',
      'tools/V2__seed.sql: not a golang-migrate file name (<version>_<title>.up.sql or .down.sql); skipped',
    ]);
  });

  it('a forced framework without globs reads its own files', async () => {
    const d = await discoverMigrations(files, { framework: 'flyway' });
    expect(d.framework).toBe('flyway');
    expect(d.migrations.map((m) => m.path)).toEqual(['tools/V1__seed.sql', 'tools/V2__seed.sql']);
    const auto = await discoverMigrations(files, { framework: 'auto' });
    expect(auto.framework).toBe('golang-migrate');
  });

  it('globs matching nothing give a warning', async () => {
    const d = await discoverMigrations(files, { globs: ['nowhere/*.sql'] });
    expect(d.migrations).toEqual([]);
    expect(d.warnings).toEqual(['no .sql files match the globs nowhere/*.sql']);
  });

  it('rejects an unknown framework', async () => {
    await expect(discoverMigrations(files, { framework: 'rails' as never })).rejects.toThrow(/unknown migration framework "rails"/);
  });
});

describe('BOM and CRLF', () => {
  it('strips a BOM from whole-file migrations and keeps line 1 column 1', async () => {
    const d = await discoverMigrations(
      repo({ 'supabase/migrations/20240101000000_a.sql': '\uFEFFCREATE TABLE t (id int);\r\nSELECT 1;\r\n' }),
    );
    expect(d.migrations[0]?.up).toEqual({ sql: 'CREATE TABLE t (id int);\r\nSELECT 1;\r\n', startLine: 1, startColumn: 1 });
  });

  it('keeps section lines in a goose file with BOM and CRLF', async () => {
    const text = '\uFEFF-- +goose Up\r\n-- +goose StatementBegin\r\nSELECT 1;\r\n-- +goose StatementEnd\r\n\r\n-- +goose Down\r\nSELECT 2;\r\n';
    const d = await discoverMigrations(repo({ 'm/1_a.sql': text }));
    expect(d.framework).toBe('goose');
    expect(d.migrations[0]?.up).toEqual({
      sql: '-- +goose StatementBegin\r\nSELECT 1;\r\n-- +goose StatementEnd\r\n\r\n',
      startLine: 2,
      startColumn: 1,
    });
    expect(d.migrations[0]?.down?.section).toEqual({ sql: 'SELECT 2;\r\n', startLine: 7, startColumn: 1 });
  });

  it('keeps section lines in a dbmate file with BOM and CRLF', async () => {
    const text = '\uFEFF-- migrate:up\r\nSELECT 1;\r\n-- migrate:down\r\nSELECT 2;';
    const d = await discoverMigrations(repo({ 'db/migrations/1_a.sql': text }));
    expect(d.framework).toBe('dbmate');
    expect(d.migrations[0]?.up).toEqual({ sql: 'SELECT 1;\r\n', startLine: 2, startColumn: 1 });
    expect(d.migrations[0]?.down?.section).toEqual({ sql: 'SELECT 2;', startLine: 4, startColumn: 1 });
  });
});
