import { quoteIdentifier } from '../../sql/names.ts';
import { ShadowStatementError, type ShadowDatabase } from '../provider.ts';
import type { ColumnStats } from './production-stats.ts';

/** The size to show the planner for a table, and where it comes from. */
export interface AssumedSize {
  rows: number;
  source: 'size hint' | 'production statistics';
  /** Column statistics (PostgreSQL 18 and later can take them). */
  columns?: ColumnStats[];
}

/** A table the planner now sees at its production size. */
export interface SizedTable {
  /** `schema.table`. */
  name: string;
  oid: number;
  rows: number;
  source: AssumedSize['source'];
  /** Columns whose statistics the planner was given. */
  columns: string[];
}

export interface TableSizing {
  sized: SizedTable[];
  /** Hinted tables the planner could not be shown at their size, with PostgreSQL's reason. */
  unsized: { name: string; reason: string }[];
}

/**
 * Rows inserted (all NULL, at fillfactor 10) and deleted again to give a sized table's heap real
 * pages: about 180. The planner scales `reltuples / relpages` by the heap's actual page count,
 * so statistics alone do nothing on an empty heap.
 */
const FILLER_ROWS = 5000;

/**
 * Makes the planner see each table of the shadow that has a size hint at that many rows: gives
 * its heap real pages, then writes `relpages` and `reltuples` of the table and its indexes.
 * Writes the catalog, so it needs a superuser (the embedded shadow); run it inside a transaction
 * that is rolled back, since it changes the tables. Column statistics stay unknown, so the
 * planner uses its default selectivities.
 */
export async function assumeTableSizes(db: ShadowDatabase, sizeOf: (table: string) => AssumedSize | undefined): Promise<TableSizing> {
  const { rows } = await db.query(
    "SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'db_review_internal') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 2, 3",
  );
  const tables = rows.flatMap((row) => {
    const name = `${String(row.schema)}.${String(row.name)}`;
    const size = sizeOf(name);
    return size && size.rows > 0 ? [{ name, oid: Number(row.oid), size }] : [];
  });
  const sizing: TableSizing = { sized: [], unsized: [] };
  if (tables.length === 0) return sizing;
  // Filler rows must not fire the migrations' triggers or foreign keys.
  const replica = await refusal(db, () => db.query('SET LOCAL session_replication_role = replica'));
  const filled: typeof tables = [];
  for (const table of tables) {
    const reason = replica ?? (await refusal(db, () => fillAndEmpty(db, table)));
    if (reason) sizing.unsized.push({ name: table.name, reason });
    else filled.push(table);
  }
  // Last: filling one table can reset the counts of another (an index build counts its heap).
  for (const { name, oid, size } of filled) {
    await writeSize(db, oid, size.rows);
    const columns = await restoreColumnStats(db, name, size.columns ?? []);
    sizing.sized.push({ name, oid, rows: size.rows, source: size.source, columns });
  }
  return sizing;
}

/** PostgreSQL 18 restores a column's statistics with pg_restore_attribute_stats. */
const COLUMN_STATS_SINCE = 180000;

/**
 * Gives the planner each column's NULL fraction, distinct count and width (no values), so that
 * its selectivities are production's rather than its defaults. Returns the columns it took.
 */
async function restoreColumnStats(db: ShadowDatabase, table: string, columns: ColumnStats[]): Promise<string[]> {
  if (db.serverVersion < COLUMN_STATS_SINCE || columns.length === 0) return [];
  const [schema, relation] = table.split('.') as [string, string];
  const restored: string[] = [];
  for (const stats of columns) {
    const call =
      `SELECT pg_catalog.pg_restore_attribute_stats('schemaname', ${literal(schema)}, 'relname', ${literal(relation)}, 'attname', ${literal(stats.column)}, 'inherited', false, ` +
      `'null_frac', ${Number(stats.nullFrac)}::real, 'avg_width', ${Math.round(Number(stats.avgWidth))}::integer, 'n_distinct', ${Number(stats.nDistinct)}::real) AS restored`;
    let taken = false;
    const reason = await refusal(db, async () => {
      taken = (await db.query(call)).rows[0]?.restored === true;
    });
    if (!reason && taken) restored.push(stats.column);
  }
  return restored;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** PostgreSQL's refusal of `work`, undone to the savepoint before it; undefined when it went through. */
async function refusal(db: ShadowDatabase, work: () => Promise<unknown>): Promise<string | undefined> {
  await db.query('SAVEPOINT db_review_size');
  try {
    await work();
    await db.query('RELEASE SAVEPOINT db_review_size');
    return undefined;
  } catch (error) {
    if (!(error instanceof ShadowStatementError)) throw error;
    await db.query('ROLLBACK TO SAVEPOINT db_review_size; RELEASE SAVEPOINT db_review_size');
    return error.message;
  }
}

/** Writes the size again: CREATE INDEX counts the (empty) heap and resets it. */
export async function writeSize(db: ShadowDatabase, oid: number, rows: number): Promise<void> {
  await db.query(
    `UPDATE pg_catalog.pg_class SET relpages = greatest(1, pg_catalog.pg_relation_size(oid) / current_setting('block_size')::int), reltuples = ${rows} ` +
      `WHERE oid = ${oid} OR oid IN (SELECT indexrelid FROM pg_catalog.pg_index WHERE indrelid = ${oid})`,
  );
}

/** Rows of NULLs (NOT NULL lifted for the moment) pass every CHECK and unique constraint. */
async function fillAndEmpty(db: ShadowDatabase, table: Pick<SizedTable, 'name' | 'oid'>): Promise<void> {
  const { rows } = await db.query(
    `SELECT attname, attnotnull FROM pg_catalog.pg_attribute WHERE attrelid = ${table.oid} AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
  );
  const columns = rows.map((row) => quoteIdentifier(String(row.attname)));
  if (columns.length === 0) return;
  const relation = `${table.name.split('.').map(quoteIdentifier).join('.')}`;
  const notNull = `attrelid = ${table.oid} AND attnum > 0 AND attnotnull`;
  const { rows: lifted } = await db.query(`SELECT array_agg(attnum)::text AS attnums FROM pg_catalog.pg_attribute WHERE ${notNull}`);
  const attnums = lifted[0]?.attnums ? String(lifted[0].attnums) : undefined;
  if (attnums) await db.query(`UPDATE pg_catalog.pg_attribute SET attnotnull = false WHERE ${notNull}`);
  await db.query(`ALTER TABLE ${relation} SET (fillfactor = 10)`);
  const nulls = columns.map(() => 'NULL').join(', ');
  await db.query(`INSERT INTO ${relation} (${columns.join(', ')}) OVERRIDING SYSTEM VALUE SELECT ${nulls} FROM generate_series(1, ${FILLER_ROWS})`);
  await db.query(`DELETE FROM ${relation}`);
  await db.query(`ALTER TABLE ${relation} RESET (fillfactor)`);
  if (attnums) await db.query(`UPDATE pg_catalog.pg_attribute SET attnotnull = true WHERE attrelid = ${table.oid} AND attnum = ANY ('${attnums}'::int2[])`);
}
