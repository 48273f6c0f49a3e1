import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMigration } from '../../src/lint/engine.ts';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { DEFAULT_LIMITS, type ShadowProvider } from '../../src/shadow/provider.ts';
import { runShadow } from '../../src/shadow/run.ts';
import type { ShadowTrace } from '../../src/shadow/trace-types.ts';
import { loadParser } from '../../src/sql/libpg.ts';
import { migration, parsed } from '../helpers/lint.ts';

let provider: ShadowProvider;
beforeAll(async () => {
  await loadParser();
  provider = createEmbeddedProvider();
});
afterAll(() => provider.dispose());

function trace(migrations: ParsedMigration[]): Promise<ShadowTrace> {
  return runShadow(migrations, { provider, limits: DEFAULT_LIMITS, refuse: () => undefined });
}

const failures = (result: ShadowTrace) =>
  result.migrations.flatMap((m) => m.statements.filter((s) => s.error).map((s) => `${m.path}:${s.error!.line} ${s.error!.message}`));

describe('tracing a history of migrations', () => {
  it('makes no stand-in for a table that references itself or one renamed earlier', async () => {
    const result = await trace([
      parsed(migration('001', 'CREATE TABLE spaces (id bigint PRIMARY KEY, parent_id bigint REFERENCES spaces (id));'), true),
      parsed(migration('002', 'ALTER TABLE spaces RENAME TO projects;'), true),
      parsed(migration('003', 'ALTER TABLE projects ADD COLUMN name text;\nCREATE INDEX projects_name_idx ON projects (name);'), true),
    ]);
    expect(result.standIns).toEqual([]);
    expect(failures(result)).toEqual([]);
  });

  it('runs SET TRANSACTION first in the runner transaction, as PostgreSQL requires', async () => {
    const sql = 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nCREATE TABLE t (id bigint);\nINSERT INTO t VALUES (1);';
    const result = await trace([parsed(migration('001', sql, { framework: 'prisma', transaction: 'implicit' }), true)]);
    expect(failures(result)).toEqual([]);
  });

  it('stops a migration at its failing statement, rolls it back, and says where', async () => {
    const result = await trace([
      parsed(migration('001', 'CREATE TABLE t (id bigint);'), true),
      parsed(migration('002', 'ALTER TABLE t ADD COLUMN a int;\nALTER TABLE t ADD COLUMN a int;\nALTER TABLE t ADD COLUMN b int;'), true),
    ]);
    const second = result.migrations[1]!;
    expect(second.failed).toBe(true);
    expect(second.statements.map((s) => s.error?.message ?? s.skipped?.reason ?? 'ran')).toEqual([
      'ran',
      'column "a" of relation "t" already exists',
      'after-failure',
    ]);
    expect(second.catalog).toEqual([]);
  });

  it('observes CREATE INDEX CONCURRENTLY outside a transaction, where pg_locks cannot show its lock', async () => {
    const result = await trace([
      parsed(migration('001', 'CREATE TABLE t (id bigint, a int);\nINSERT INTO t SELECT g, g FROM generate_series(1, 100) g;'), true),
      parsed(migration('002', 'CREATE INDEX CONCURRENTLY t_a_idx ON t (a);', { transaction: 'per-statement' }), true),
    ]);
    const [index] = result.migrations[1]!.statements;
    expect(index).toMatchObject({ locksObserved: false, locks: [], scans: ['public.t'] });
    expect(index!.catalog.map((c) => c.kind)).toEqual(['index-created']);
  });
});
