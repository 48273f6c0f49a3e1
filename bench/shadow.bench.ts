/**
 * Traces the langfuse history on the shadow database, both providers, and compares with applying
 * the same files with plain psql in one session on the same server (the baseline, measured in the
 * same run). Prints ratios, the warm-cache start and peak memory. Needs the PostgreSQL server of
 * $SHADOW_DATABASE_URL (default: the machine's own) for the server provider and the baseline.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { ParsedMigration } from '../src/lint/engine.ts';
import { discoverMigrations } from '../src/migrations/discover.ts';
import { listDirectory } from '../src/migrations/files.ts';
import { createEmbeddedProvider } from '../src/shadow/embedded/index.ts';
import { DEFAULT_LIMITS, type ShadowProvider } from '../src/shadow/provider.ts';
import { runShadow } from '../src/shadow/run.ts';
import { createServerProvider } from '../src/shadow/server/index.ts';
import { loadParser } from '../src/sql/libpg.ts';
import { parseSection } from '../src/sql/parse.ts';

const URL = process.env.SHADOW_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus/langfuse-prisma');

await loadParser();
const { migrations } = await discoverMigrations(await listDirectory(CORPUS));
const parse = (reviewedFrom: number): ParsedMigration[] =>
  migrations.map((m, i) => ({ migration: m, reviewed: i >= reviewedFrom, ...parseSection(m.up, m.path) }));

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

/** Plain psql, one session, the files in order, on a fresh database of the same server. */
async function psqlBaseline(): Promise<number> {
  const name = `dbreview_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: URL });
  const dir = mkdtempSync(path.join(tmpdir(), 'db-review-bench-'));
  const script = path.join(dir, 'all.sql');
  writeFileSync(script, migrations.map((m) => `${m.up.sql}\n;\n`).join(''));
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const target = new globalThis.URL(URL);
    target.pathname = `/${name}`;
    const started = performance.now();
    execFileSync('psql', ['-q', '-X', '-v', 'ON_ERROR_STOP=0', '-d', target.toString(), '-f', script], { stdio: 'ignore' });
    return performance.now() - started;
  } finally {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function trace(provider: ShadowProvider, reviewedFrom: number) {
  return timed(() => runShadow(parse(reviewedFrom), { provider, limits: { ...DEFAULT_LIMITS, reviewMs: 900_000 }, refuse: () => undefined }));
}

const baseline = await psqlBaseline();
console.log(`langfuse-prisma: ${migrations.length} migrations`);
console.log(`baseline: plain psql, one session, on the server: ${(baseline / 1000).toFixed(2)} s`);

for (const [name, make] of [
  ['server', () => createServerProvider({ url: URL, keepTemplates: false })],
  ['embedded', () => createEmbeddedProvider({ cacheDir: mkdtempSync(path.join(tmpdir(), 'db-review-bench-cache-')) })],
] as const) {
  const provider = make();
  peakRss = 0;
  const whole = await trace(provider, 0);
  const failed = whole.result.migrations.filter((m) => m.failed).length;
  console.log(`\n${name}: whole history as one PR on an empty base: ${(whole.ms / 1000).toFixed(2)} s = ${(whole.ms / baseline).toFixed(2)}x plain psql (${failed} migrations failed)`);
  const cold = await trace(provider, migrations.length - 20);
  console.log(`${name}: last 20 as a PR, base of ${migrations.length - 20} built now: ${(cold.ms / 1000).toFixed(2)} s`);
  const warm = await trace(provider, migrations.length - 20);
  const open = await timed(async () => (await provider.open(undefined)).close());
  console.log(`${name}: last 20 as a PR on the cached base: ${(warm.ms / 1000).toFixed(2)} s (base cached: ${warm.result.base.cached})`);
  console.log(`${name}: warm start (open a database from the cache) ${(open.ms).toFixed(0)} ms`);
  console.log(`${name}: peak RSS of this process ${Math.round(peakRss / 1e6)} MB`);
  await provider.dispose();
}
clearInterval(sampler);
