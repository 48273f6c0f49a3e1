import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../src/config/index.ts';
import { reviewSource } from '../../src/pipeline.ts';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { createServerProvider } from '../../src/shadow/server/index.ts';
import { readProductionStats, readProductionStatsOrNote, type ProductionStats } from '../../src/shadow/explain/production-stats.ts';
import { directorySource } from '../../src/source/directory.ts';
import { temporaryTree } from '../helpers/files.ts';
import { SERVER_URL, serverReachable } from '../helpers/postgres.ts';

const ORDERS = 'CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, note text);\n';
const QUERY = "import { pool } from './db.ts';\nexport const withStatus = (status: string) => pool.query('SELECT id FROM orders WHERE status = $1', [status]);\n";

/** An app whose migration makes `orders` and whose code filters it by status. */
const app = (): string => temporaryTree({ 'db/migrations/1_orders.up.sql': ORDERS, 'app/orders.ts': QUERY }, 'db-review-stats-');

it('goes on without production statistics it cannot read, and says why in terms of the setting the user gave', async () => {
  const notes: string[] = [];
  expect(await readProductionStatsOrNote('postgres://reader@127.0.0.1:1/production', 'stats-database-url', (note) => notes.push(note))).toBeUndefined();
  expect(notes).toEqual(['stats-database-url could not be read (connect ECONNREFUSED 127.0.0.1:1); the queries are planned at the size hints only']);
});

// The statistics come from a database of the server, as they would from production.
if (await serverReachable()) describe('production statistics (STATS_DATABASE_URL)', () => {
  const database = `production_stats_fixture_${process.pid}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  const providers = {
    embedded: createEmbeddedProvider({ extensions: DEFAULT_CONFIG.shadow.extensions }),
    server: createServerProvider({ url: SERVER_URL, extensions: DEFAULT_CONFIG.shadow.extensions, keepTemplates: false }),
  };
  let stats: ProductionStats;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(SERVER_URL);
    url.pathname = `/${database}`;
    // "Production": 200,000 orders in four statuses, a note on one in ten.
    execFileSync('psql', ['-q', '-X', '-d', url.toString(), '-c', `${ORDERS} INSERT INTO orders SELECT i, (ARRAY['new', 'paid', 'shipped', 'closed'])[1 + i % 4], CASE WHEN i % 10 = 0 THEN 'gift' END FROM generate_series(1, 200000) i; ANALYZE orders;`]);
    stats = await readProductionStats(url.toString());
  }, 60_000);
  afterAll(async () => {
    await Promise.all(Object.values(providers).map((provider) => provider.dispose()));
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it("reads each table's row count and each column's NULL fraction, distinct count and width, and no values", () => {
    expect(stats.rows.get('public.orders')).toBe(200_000);
    const columns = new Map(stats.columns.get('public.orders')?.map((c) => [c.column, c]));
    expect(columns.get('status')).toMatchObject({ nullFrac: 0, nDistinct: 4 });
    expect(columns.get('note')?.nullFrac).toBeCloseTo(0.9, 1);
    expect(Object.keys(columns.get('status')!)).toEqual(['column', 'nullFrac', 'nDistinct', 'avgWidth']);
  });

  for (const [name, provider] of Object.entries(providers)) {
    describe(`on the ${name} shadow`, () => {
      it('plans with them: a filter on a four-valued status keeps a quarter of the rows, so no index is asked for', async () => {
        const result = await reviewSource(directorySource(app(), ['.']), DEFAULT_CONFIG, { shadow: provider, productionStats: stats });
        expect(result.review.assumedSizes).toEqual([{ table: 'public.orders', rows: 200_000, source: 'production statistics', columns: 3 }]);
        expect(result.review.queries).toEqual([{ path: 'app/orders.ts', line: 2, endLine: 2, plan: { shape: 'Seq Scan on orders', cost: expect.any(Number), rows: 50_000 } }]);
        expect(result.review.findings.filter((f) => f.rule === 'query-seq-scan')).toEqual([]);
      });

      it("with a size hint alone, the planner's default selectivity makes the same filter look selective", async () => {
        const config = parseConfig('tables:\n  orders: 200000\n', '.github/db-review.yml');
        const result = await reviewSource(directorySource(app(), ['.']), config, { shadow: provider });
        expect(result.review.assumedSizes).toEqual([{ table: 'public.orders', rows: 200_000, source: 'size hint', columns: 0 }]);
        expect(result.review.findings.map((f) => [f.rule, f.severity, f.line])).toEqual([['query-seq-scan', 'warning', 2]]);
      });
    });
  }
});
