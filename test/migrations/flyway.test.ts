import { describe, expect, it } from 'vitest';
import { discoverMigrations } from '../../src/migrations/discover.ts';
import { compareFlywayVersions } from '../../src/migrations/frameworks/flyway.ts';
import { repo } from './helpers.ts';

describe('Flyway', () => {
  const files = repo({
    'README.md': '# project',
    'db/migration/V10__later.sql': 'SELECT 10;',
    'db/migration/V2__d.sql': 'SELECT 2;',
    'db/migration/V1.10__c.sql': 'SELECT 1.10;',
    'db/migration/V1.9__b.sql': 'SELECT 1.9;',
    'db/migration/V1_2__underscore.sql': 'SELECT 1.2;',
    'db/migration/V1.1.1__e.sql': 'SELECT 1.1.1;',
    'db/migration/V1.1__a.sql': 'SELECT 1.1;',
    'db/migration/V1__init.sql': 'CREATE TABLE t (id int);',
    'db/migration/R__views.sql': 'CREATE OR REPLACE VIEW v AS SELECT 1;',
    'db/migration/R__a_functions.sql': 'SELECT 0;',
    'db/migration/U2__undo_d.sql': 'SELECT -2;',
    'db/migration/V3__concurrent.sql': 'CREATE INDEX CONCURRENTLY i ON t (id);',
    'db/migration/V3__concurrent.sql.conf': '# script config\nexecuteInTransaction = false\n',
    'db/migration/V1_init.sql': 'SELECT 1;',
    'db/migration/sub/V2.5__nested.sql': 'SELECT 2.5;',
  });

  it('orders versions numerically part by part, merging folders, repeatables last by description', async () => {
    const d = await discoverMigrations(files);
    expect(d.framework).toBe('flyway');
    expect(d.migrations.map((m) => m.id)).toEqual([
      'V1__init',
      'V1.1__a',
      'V1.1.1__e',
      'V1_2__underscore',
      'V1.9__b',
      'V1.10__c',
      'V2__d',
      'V2.5__nested',
      'V3__concurrent',
      'V10__later',
      'R__a_functions',
      'R__views',
    ]);
    expect(d.migrations.map((m) => m.repeatable ?? false)).toEqual([
      false, false, false, false, false, false, false, false, false, false, true, true,
    ]);
    expect(d.migrations[7]?.path).toBe('db/migration/sub/V2.5__nested.sql');
  });

  it('uses U files as the down of their version and .sql.conf executeInTransaction=false', async () => {
    const d = await discoverMigrations(files);
    const byId = new Map(d.migrations.map((m) => [m.id, m]));
    expect(byId.get('V2__d')?.down).toEqual({
      path: 'db/migration/U2__undo_d.sql',
      section: { sql: 'SELECT -2;', startLine: 1, startColumn: 1 },
    });
    expect(d.migrations.filter((m) => m.down).map((m) => m.id)).toEqual(['V2__d']);
    expect(byId.get('V3__concurrent')?.transaction).toBe('per-statement');
    expect(d.migrations.filter((m) => m.transaction !== 'per-file').map((m) => m.id)).toEqual(['V3__concurrent']);
    expect(byId.get('V1__init')?.up).toEqual({ sql: 'CREATE TABLE t (id int);', startLine: 1, startColumn: 1 });
  });

  it('warns about a name that does not parse', async () => {
    const d = await discoverMigrations(files);
    expect(d.warnings).toEqual([
      'db/migration/V1_init.sql: Flyway file name does not parse (expected V<version>__<description>.sql, ' +
        'U<version>__<description>.sql or R__<description>.sql); Flyway ignores it',
    ]);
  });

  it('warns about duplicate versions (1 and 1.0 are the same version) and orphan undo files', async () => {
    const d = await discoverMigrations(
      repo({
        'sql/V1__a.sql': 'SELECT 1;',
        'sql/V1.0__b.sql': 'SELECT 2;',
        'sql/U7__nothing.sql': 'SELECT 3;',
      }),
    );
    expect(d.migrations.map((m) => m.id)).toEqual(['V1.0__b', 'V1__a']);
    expect(d.warnings).toEqual([
      'Flyway: duplicate version 1 in sql/V1.0__b.sql and sql/V1__a.sql',
      'sql/U7__nothing.sql: Flyway undo migration without a versioned migration 7',
    ]);
  });

  it('compares versions like Flyway', () => {
    expect(compareFlywayVersions('1.9', '1.10')).toBeLessThan(0);
    expect(compareFlywayVersions('1.1.1', '2')).toBeLessThan(0);
    expect(compareFlywayVersions('1_2', '1.2')).toBe(0);
    expect(compareFlywayVersions('1.0', '1')).toBe(0);
    expect(compareFlywayVersions('1.01', '1.1')).toBe(0);
    expect(compareFlywayVersions('20240101120000', '9')).toBeGreaterThan(0);
  });
});
