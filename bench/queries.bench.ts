/**
 * Extracts and plans 500 queries against a 100-table schema on the shadow database. Prints,
 * against baselines measured in the same run:
 * - extraction (TypeScript's parser over the code, the query files split, parameters rewritten,
 *   each query parsed by libpg-query) against libpg-query's bare parse of the same 500 queries;
 * - planning (the guard, a transaction rolled back per query, the generic plan) against the
 *   same EXPLAIN statements sent one after another on the same database;
 * for the embedded shadow, and for the server of $SHADOW_DATABASE_URL (default: the machine's
 * own) when it answers. Target: 500 queries planned in under 10 s on the embedded shadow.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DEFAULT_CONFIG } from '../src/config/index.ts';
import { collectQueries, type CollectedQuery } from '../src/queries/collect.ts';
import { planQueries } from '../src/shadow/explain/plan-queries.ts';
import { createEmbeddedProvider } from '../src/shadow/embedded/index.ts';
import { refuseStatement } from '../src/shadow/guard.ts';
import type { ShadowProvider } from '../src/shadow/provider.ts';
import { createServerProvider } from '../src/shadow/server/index.ts';
import { loadParser, parseSql } from '../src/sql/libpg.ts';

const TABLES = 100;
const QUERIES = 500;
const URL = process.env.SHADOW_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const table = (i: number): string => `t${String(i).padStart(3, '0')}`;
const schema = Array.from({ length: TABLES }, (_, i) =>
  [
    `CREATE TABLE ${table(i)} (id bigint PRIMARY KEY, ${i > 0 ? `parent_id bigint REFERENCES ${table(i - 1)} (id), ` : ''}name text NOT NULL, status text, amount numeric, created_at timestamptz NOT NULL DEFAULT now());`,
    `CREATE INDEX ${table(i)}_created_idx ON ${table(i)} (created_at);`,
  ].join('\n'),
).join('\n');

/** Five shapes of query, each table in turn: filters, a join, an aggregate, an insert, an update. */
function querySql(n: number): string {
  const t = table(n % TABLES);
  const parent = table(Math.max(0, (n % TABLES) - 1));
  switch (n % 5) {
    case 0:
      return `SELECT id, name FROM ${t} WHERE status = $1 AND created_at > $2 ORDER BY created_at DESC LIMIT 50`;
    case 1:
      return `SELECT c.id, p.name FROM ${t} c JOIN ${parent} p ON p.id = c.${n % TABLES > 0 ? 'parent_id' : 'id'} WHERE c.id = $1`;
    case 2:
      return `SELECT status, count(*), sum(amount) FROM ${t} WHERE created_at >= $1 GROUP BY status`;
    case 3:
      return `INSERT INTO ${t} (id, name, status) VALUES ($1, $2, $3) RETURNING id`;
    default:
      return `UPDATE ${t} SET status = $2, amount = amount + $3 WHERE id = $1`;
  }
}

/** Half the queries in TypeScript (pg's query), half in sqlc files, 25 to a file. */
const files = Array.from({ length: QUERIES / 25 }, (_, f) => {
  const numbers = Array.from({ length: 25 }, (_, i) => f * 25 + i);
  const text =
    f % 2 === 0
      ? numbers.map((n) => `export const q${n} = (a: unknown[]) =>\n  pool.query(\`${querySql(n)}\`, a);\n`).join('\n')
      : numbers.map((n) => `-- name: Q${n} :many\n${querySql(n)};\n`).join('\n');
  return { path: f % 2 === 0 ? `src/q${f}.ts` : `db/queries/q${f}.sql`, read: async () => text };
});

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const timed = async <T>(work: () => Promise<T>): Promise<[number, T]> => {
  const started = performance.now();
  const result = await work();
  return [performance.now() - started, result];
};

await loadParser();
console.log(`db-review query benchmark, node ${process.version}: ${QUERIES} queries (half in TypeScript, half in sqlc files) against ${TABLES} tables`);

const [bareParse] = await timed(async () => {
  for (let n = 0; n < QUERIES; n++) parseSql(querySql(n));
});
const [extraction, { queries }] = await timed(() => collectQueries(files, { migrationPaths: new Set(), changed: undefined, globs: [], beyondChange: false }));
console.log(`\nbaseline: libpg-query's bare parse of the ${QUERIES} queries: ${bareParse.toFixed(1)} ms`);
console.log(`extraction: ${queries.length} queries in ${extraction.toFixed(1)} ms = ${(extraction / bareParse).toFixed(1)}x the bare parse (TypeScript's parser loaded once, included)`);

await planOn('embedded', createEmbeddedProvider({ extensions: DEFAULT_CONFIG.shadow.extensions }), queries);
if (await serverAnswers()) await planOn('server', createServerProvider({ url: URL, extensions: DEFAULT_CONFIG.shadow.extensions, keepTemplates: false }), queries);
clearInterval(sampler);
console.log(`\npeak RSS ${Math.round(peakRss / 1e6)} MB`);

async function planOn(name: string, provider: ShadowProvider, queries: CollectedQuery[]): Promise<void> {
  const db = await provider.open();
  try {
    await db.query(schema);
    const refuse = (statement: Parameters<typeof refuseStatement>[0]) => refuseStatement(statement, { extensions: [] })?.reason;
    const generic = db.serverVersion >= 160000;
    const [bare] = await timed(async () => {
      if (!generic) await db.query('SET plan_cache_mode = force_generic_plan');
      for (const [i, query] of queries.entries()) {
        if (generic) {
          await db.query(`EXPLAIN (FORMAT JSON, GENERIC_PLAN) ${query.sql}`);
        } else {
          await db.query(`PREPARE bench_${i} AS ${query.sql}`);
          await db.query(`EXPLAIN (FORMAT JSON) EXECUTE bench_${i}(${query.parameters.map(() => 'NULL').join(', ')})`);
        }
      }
      if (!generic) await db.query('DEALLOCATE ALL; RESET plan_cache_mode');
    });
    const [planning, outcomes] = await timed(() => planQueries(db, queries, { refuse, timeoutMs: 10_000 }));
    const planned = outcomes.filter((o) => o?.kind === 'planned').length;
    console.log(`\n${name} shadow (server_version_num ${db.serverVersion}):`);
    console.log(`  baseline: the same EXPLAIN statements sent one after another: ${seconds(bare)}`);
    console.log(
      `  planned ${planned} of ${queries.length} in ${seconds(planning)} = ${(planning / bare).toFixed(2)}x the baseline, ${Math.round((queries.length * 1000) / planning)} queries/s` +
        (name === 'embedded' ? '  [target: 500 in under 10 s]' : ''),
    );
  } finally {
    await db.close();
    await provider.dispose();
  }
}

async function serverAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
