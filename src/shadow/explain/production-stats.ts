import pg from 'pg';

/** What PostgreSQL's own statistics say of a column, without its values. */
export interface ColumnStats {
  column: string;
  nullFrac: number;
  /** As pg_stats gives it: a count, or minus a fraction of the rows when it grows with the table. */
  nDistinct: number;
  avgWidth: number;
}

/** Row counts and column statistics of a production database (or a replica), by `schema.table`. */
export interface ProductionStats {
  rows: Map<string, number>;
  columns: Map<string, ColumnStats[]>;
}

const SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema')";

/**
 * Reads the statistics of the database at `url`: `reltuples` from pg_class, and from pg_stats
 * each column's NULL fraction, distinct count and width. Never its rows, and not the values
 * pg_stats also holds (most common values, histograms). Read-only, with a time limit; pg_stats
 * shows the columns the role may read.
 */
export async function readProductionStats(url: string): Promise<ProductionStats> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query("SET default_transaction_read_only = on; SET statement_timeout = '30s'");
    const tables = await client.query<{ schema: string; name: string; rows: number }>(
      `SELECT n.nspname AS schema, c.relname AS name, c.reltuples::float8 AS rows FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND c.reltuples >= 0 AND n.nspname NOT IN ${SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg\\_%'`,
    );
    const columns = await client.query<{ schema: string; name: string; column: string; null_frac: number; n_distinct: number; avg_width: number }>(
      `SELECT schemaname AS schema, tablename AS name, attname AS column, null_frac, n_distinct, avg_width FROM pg_catalog.pg_stats WHERE NOT inherited AND schemaname NOT IN ${SYSTEM_SCHEMAS}`,
    );
    const stats: ProductionStats = { rows: new Map(), columns: new Map() };
    for (const row of tables.rows) stats.rows.set(`${row.schema}.${row.name}`, Math.round(row.rows));
    for (const row of columns.rows) {
      const key = `${row.schema}.${row.name}`;
      const list = stats.columns.get(key) ?? [];
      list.push({ column: row.column, nullFrac: Number(row.null_frac), nDistinct: Number(row.n_distinct), avgWidth: Number(row.avg_width) });
      stats.columns.set(key, list);
    }
    return stats;
  } finally {
    await client.end();
  }
}

/** Production's statistics, or undefined after `note` was told why the review goes on without them. */
export async function readProductionStatsOrNote(url: string, setting: string, note: (message: string) => void): Promise<ProductionStats | undefined> {
  try {
    return await readProductionStats(url);
  } catch (error) {
    note(`${setting} could not be read (${error instanceof Error ? error.message : String(error)}); the queries are planned at the size hints only`);
    return undefined;
  }
}
