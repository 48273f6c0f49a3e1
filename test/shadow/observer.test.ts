import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMigration } from '../../src/lint/engine.ts';
import { discoverMigrations } from '../../src/migrations/discover.ts';
import { listDirectory } from '../../src/migrations/files.ts';
import { catalogSnapshot } from '../../src/shadow/catalog.ts';
import { diffCatalog } from '../../src/shadow/catalog-diff.ts';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import type { ShadowDatabase, ShadowProvider } from '../../src/shadow/provider.ts';
import { createServerProvider } from '../../src/shadow/server/index.ts';
import { traceMigrations } from '../../src/shadow/tracer.ts';
import { loadParser } from '../../src/sql/libpg.ts';
import { parseSection } from '../../src/sql/parse.ts';
import { migration, parsed } from '../helpers/lint.ts';
import { SERVER_URL, serverReachable } from '../helpers/postgres.ts';

const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus');

beforeAll(() => loadParser());

/**
 * The tracer keeps a model of the catalog and reads back only what the session holds locked.
 * Replays each migration and checks what the model says it changed against two full reads of
 * the catalog around it: any statement that changed a table without the model noticing shows up.
 */
async function modelMismatches(db: ShadowDatabase, migrations: ParsedMigration[]): Promise<string[]> {
  const mismatches: string[] = [];
  for (const parsedMigration of migrations) {
    const before = await catalogSnapshot(db);
    const [trace] = await traceMigrations(db, [parsedMigration], { refuse: () => undefined, statementTimeoutMs: 10_000 });
    const expected = diffCatalog(before, await catalogSnapshot(db));
    const seen = trace!.catalog.map((change) => JSON.stringify(change)).sort();
    const missed = expected.map((change) => JSON.stringify(change)).filter((change) => !seen.includes(change));
    const extra = seen.filter((change) => !expected.some((e) => JSON.stringify(e) === change));
    if (missed.length || extra.length) mismatches.push(`${parsedMigration.migration.path}: missed ${missed.join(', ')}; extra ${extra.join(', ')}`);
  }
  return mismatches;
}

async function corpus(name: string): Promise<ParsedMigration[]> {
  const { migrations } = await discoverMigrations(await listDirectory(path.join(CORPUS, name)));
  return migrations.map((m) => ({ migration: m, reviewed: true, ...parseSection(m.up, m.path) }));
}

const tricky = [
  'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));\nCREATE TYPE state AS ENUM (\'new\', \'paid\');',
  'DROP TABLE users CASCADE;',
  'CREATE SCHEMA billing;\nCREATE TABLE billing.invoices (id bigint, state state DEFAULT \'new\');',
  'ALTER SCHEMA billing RENAME TO accounting;',
  'ALTER TYPE state RENAME VALUE \'new\' TO \'created\';',
  'ALTER TYPE state RENAME TO invoice_state;',
  'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nSAVEPOINT s;\nALTER TABLE orders ADD COLUMN gone int;\nROLLBACK TO SAVEPOINT s;\nCOMMIT;',
  'DO $$ BEGIN EXECUTE \'ALTER TABLE orders ADD COLUMN via_do int\'; END $$;',
  'CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);',
  'DROP INDEX CONCURRENTLY orders_note_idx;',
];

function trickyMigrations(): ParsedMigration[] {
  return tricky.map((sql, i) => parsed(migration(String(i + 1).padStart(3, '0'), sql, { transaction: 'per-statement' }), true));
}

describe('the tracer\'s catalog model', () => {
  let provider: ShadowProvider;
  beforeAll(() => {
    provider = createEmbeddedProvider();
  });
  afterAll(() => provider.dispose());

  it('follows cascades, schema and type renames, savepoints, dynamic SQL and CONCURRENTLY on the embedded shadow', async () => {
    const db = await provider.open();
    try {
      expect(await modelMismatches(db, trickyMigrations())).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

if (await serverReachable()) {
describe('the tracer\'s catalog model on the PostgreSQL server', () => {
  let provider: ShadowProvider;
  beforeAll(() => {
    provider = createServerProvider({ url: SERVER_URL, keepTemplates: false });
  });
  afterAll(() => provider.dispose());

  it.each(['langfuse-prisma', 'harness-golang-migrate'])('matches full catalog reads around every migration of %s', async (name) => {
    const migrations = await corpus(name);
    const db = await provider.open();
    try {
      expect(await modelMismatches(db, migrations)).toEqual([]);
    } finally {
      await db.close();
    }
  }, 180_000);

  it('follows the same tricky statements on the server', async () => {
    const db = await provider.open();
    try {
      expect(await modelMismatches(db, trickyMigrations())).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
}
