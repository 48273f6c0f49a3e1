import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverMigrations } from '../../src/migrations/discover.ts';
import type { Discovery } from '../../src/migrations/discover.ts';
import { listDirectory } from '../../src/migrations/files.ts';
import { walk } from './helpers.ts';

const PRISMA = path.resolve(import.meta.dirname, '../../../shared/corpus/langfuse-prisma');
const GOLANG = path.resolve(import.meta.dirname, '../../../shared/corpus/harness-golang-migrate');

describe('langfuse Prisma corpus', async () => {
  const discovery: Discovery = await discoverMigrations(walk(PRISMA));
  const ids = discovery.migrations.map((m) => m.id);

  it('is detected as Prisma without warnings', () => {
    expect(discovery.framework).toBe('prisma');
    expect(discovery.warnings).toEqual([]);
  });

  it('finds every migration folder (434, counted with ls)', () => {
    expect(discovery.migrations).toHaveLength(434);
    expect(new Set(ids).size).toBe(434);
  });

  it('orders by folder name', () => {
    expect(ids.slice(0, 3)).toEqual([
      '20230518191501_init',
      '20230518193415_add_observaionts_and_traces',
      '20230518193521_changes',
    ]);
    expect(ids.slice(-3)).toEqual([
      '20260813120000_add_posthog_integration_error_fields',
      '20260821121000_add_evaluator_v2',
      '20260821121500_backfill_evaluator_v2',
    ]);
  });

  it('includes the two folders whose names contain spaces, in place', () => {
    expect(ids.slice(90, 93)).toEqual([
      '20240124164148_correct_models',
      '20240126184148_new_models copy',
      '20240130100110_usage_unit_nullable',
    ]);
    expect(ids.slice(225, 228)).toEqual([
      '20240718004923_datasets_tables_add_projectid_composite_key',
      '20240718011733_dataset_runs_add_unique_dataset_id_project_id_name copy',
      '20240718011734_dataset_runs_drop_unique_dataset_id_name',
    ]);
    expect(discovery.migrations[91]?.path).toBe('20240126184148_new_models copy/migration.sql');
  });

  it('reads each file whole, as one implicit transaction, with no down', () => {
    const first = discovery.migrations[0];
    expect(first?.path).toBe('20230518191501_init/migration.sql');
    expect(first?.up).toEqual({
      sql: readFileSync(path.join(PRISMA, '20230518191501_init/migration.sql'), 'utf8'),
      startLine: 1,
      startColumn: 1,
    });
    expect(discovery.migrations.every((m) => m.transaction === 'implicit')).toBe(true);
    expect(discovery.migrations.every((m) => m.framework === 'prisma')).toBe(true);
    expect(discovery.migrations.filter((m) => m.down !== undefined)).toHaveLength(0);
  });

  it('gives the same result from listDirectory', async () => {
    const files = await listDirectory(PRISMA);
    expect(files).toHaveLength(436); // 434 migration.sql + migration_lock.toml + LICENSE
    const again = await discoverMigrations(files);
    expect(again.migrations.map((m) => m.id)).toEqual(ids);
  });
});

describe('harness golang-migrate corpus', async () => {
  const discovery: Discovery = await discoverMigrations(walk(GOLANG));
  const ids = discovery.migrations.map((m) => m.id);
  const byId = new Map(discovery.migrations.map((m) => [m.id, m]));

  it('is detected as golang-migrate', () => {
    expect(discovery.framework).toBe('golang-migrate');
    expect(discovery.migrations.every((m) => m.framework === 'golang-migrate')).toBe(true);
    expect(discovery.migrations.every((m) => m.transaction === 'implicit')).toBe(true);
  });

  it('finds every up migration (205 .up.sql + 4 _up.sql = 209, counted with ls)', () => {
    expect(discovery.migrations).toHaveLength(209);
    expect(new Set(ids).size).toBe(209);
  });

  it('pairs every down file (176 .down.sql + 4 _down.sql = 180)', () => {
    const withDown = discovery.migrations.filter((m) => m.down !== undefined);
    expect(withDown).toHaveLength(180);
    expect(new Set(withDown.map((m) => m.down?.path)).size).toBe(180);
    expect(byId.get('0001_create_table_a_principals')).toBeDefined();
    expect(byId.get('0013_create_table_pullreq_reviewers')?.down?.path).toBe(
      '0013_create_table_pullreq_reviewers.down.sql',
    );
    const withoutDown = discovery.migrations.filter((m) => m.down === undefined).map((m) => m.id);
    expect(withoutDown).toHaveLength(29);
    expect(withoutDown.slice(-2)).toEqual(['0012_create_index_pullreq_reviews_pullreq_id', '0033_alter_ci_tables']);
  });

  it('orders by numeric version, then by file name within a shared version', () => {
    expect(ids.slice(0, 6)).toEqual([
      '0000_alter_table_migrations',
      '0000_create_extension_btree',
      '0000_create_extension_citext',
      '0000_create_extension_trgm',
      '0001_create_table_a_principals',
      '0001_create_table_b_spaces',
    ]);
    expect(ids.slice(-4)).toEqual(['0186', '0187', '0188', '0189']);
    expect(ids[176]).toBe('0157');
  });

  it('includes the _up.sql files, paired with their _down.sql', () => {
    const m = byId.get('0021_alter_table_webhook_add_internal');
    expect(ids.indexOf('0021_alter_table_webhook_add_internal')).toBe(36);
    expect(m?.path).toBe('0021_alter_table_webhook_add_internal_up.sql');
    expect(m?.down?.path).toBe('0021_alter_table_webhook_add_internal_down.sql');
    expect(m?.up.sql).toBe(readFileSync(path.join(GOLANG, '0021_alter_table_webhook_add_internal_up.sql'), 'utf8'));
    for (const id of ['0029_create_index_job_job_group_id', '0058_alter_cde_infraprovisioned', '0115_create_table_favorite_repos']) {
      expect(byId.get(id)?.path).toBe(`${id}_up.sql`);
      expect(byId.get(id)?.down?.path).toBe(`${id}_down.sql`);
    }
  });

  it('pairs the misnamed 0026 down by version and warns about it', () => {
    expect(byId.get('0026_alter_repo_drop_job_id')?.down?.path).toBe('0026_alter_repo_drop_join_id.down.sql');
    expect(discovery.warnings).toContain(
      '0026_alter_repo_drop_join_id.down.sql: down file name does not match 0026_alter_repo_drop_job_id.up.sql; paired by version 0026',
    );
  });

  it('warns once about shared versions and once about non-standard names', () => {
    expect(discovery.warnings).toHaveLength(3);
    expect(discovery.warnings[0]).toMatch(/^golang-migrate: 74 file\(s\) in \(repository root\) are named/);
    expect(discovery.warnings[1]).toMatch(/^golang-migrate: 9 version\(s\) in \(repository root\) are shared/);
  });
});
