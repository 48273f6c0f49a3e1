import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/index.ts';
import type { Finding } from '../../src/findings.ts';
import { reviewSource, type PipelineResult } from '../../src/pipeline.ts';
import { directorySource } from '../../src/source/directory.ts';

const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus');

function at(result: PipelineResult, file: string, line: number): string[] {
  return result.review.findings
    .filter((f: Finding) => f.path.includes(file) && f.line === line)
    .map((f) => `${f.severity} ${f.rule}`);
}

describe('the langfuse Prisma history, reviewed whole', () => {
  let result: PipelineResult;
  beforeAll(async () => {
    result = await reviewSource(directorySource(CORPUS, ['langfuse-prisma']), DEFAULT_CONFIG);
  });

  it('reviews all 434 migrations, every statement parsing', () => {
    expect(result.framework).toBe('prisma');
    expect(result.review.migrations).toHaveLength(434);
    expect(result.review.findings.filter((f) => f.rule === 'parse-error')).toEqual([]);
  });

  it('does not flag an index on a temp table the migration made itself', () => {
    expect(at(result, '20260821121500_backfill_evaluator_v2/', 78)).toEqual([]);
  });

  it('flags text to a quoted enum with USING as a certain rewrite', () => {
    expect(at(result, '20240512155020_rename_enum_membership_role_to_project_role/', 27)).toEqual(['error column-type-rewrite']);
  });

  it('flags a Prisma index name PostgreSQL truncates to 63 bytes', () => {
    expect(at(result, '20251118162943_add_idx_dataset_item_events/', 2)).toContain('warning identifier-too-long');
  });

  it('leaves the one-statement CREATE INDEX CONCURRENTLY migrations alone', () => {
    const concurrent = result.review.findings.filter((f) => f.path.includes('20260324000000_add_job_executions_job_configuration_id_idx/'));
    expect(concurrent.map((f) => f.rule)).not.toContain('require-concurrent-index');
    expect(concurrent.map((f) => f.rule)).not.toContain('concurrently-in-transaction');
  });
});

describe('the harness golang-migrate history, reviewed whole', () => {
  let result: PipelineResult;
  beforeAll(async () => {
    result = await reviewSource(directorySource(CORPUS, ['harness-golang-migrate']), DEFAULT_CONFIG);
  });

  it('reviews all 209 up migrations, every statement parsing', () => {
    expect(result.framework).toBe('golang-migrate');
    expect(result.review.migrations).toHaveLength(209);
    expect(result.review.findings.filter((f) => f.rule === 'parse-error')).toEqual([]);
  });

  it('flags a foreign key added without NOT VALID while the table is locked by an earlier ADD COLUMN', () => {
    expect(at(result, '0137_alter_branch_add_last_created_pullreq.up.sql', 4)).toEqual([
      'error constraint-missing-not-valid',
      'warning multiple-tables-locked',
      'warning work-after-access-exclusive',
      'notice require-statement-timeout',
    ]);
  });

  it('flags foreign keys that no index covers, at their REFERENCES lines', () => {
    const lines = result.review.findings
      .filter((f) => f.path.endsWith('0005_create_table_pullreq_activities.up.sql') && f.rule === 'foreign-key-without-index')
      .map((f) => f.line);
    expect(lines).toEqual([23, 27, 31, 39]);
  });
});
