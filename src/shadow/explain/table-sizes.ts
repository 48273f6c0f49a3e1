import { quoteIdentifier } from '../../sql/names.ts';
import { ShadowStatementError, type ShadowDatabase } from '../provider.ts';
import { sqlLiteral } from '../stand-in-roles.ts';
import type { ColumnStats } from './production-stats.ts';

/** The size to show the planner for a table, and where it comes from. */
export interface AssumedSize {
  rows: number;
  source: 'size hint' | 'production statistics';
  /** Column statistics: NULL fraction, distinct count and width. */
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

/** The sizes in place, until `undo` puts every table back as the migrations left it. */
export interface AssumedSizes extends TableSizing {
  undo(): Promise<void>;
}

/** The schema of the empty heaps lent to sized tables; the admin's own, dropped by `undo`. */
const SIZES_SCHEMA = 'db_review_sizes';

/**
 * Rows of one integer, inserted at fillfactor 10 and vacuumed away, leave a heap of about 200
 * pages that holds no tuple. The planner scales `reltuples / relpages` by the heap's actual page
 * count, so statistics alone do nothing on an empty table: it needs pages.
 */
const FILLER_ROWS = 5000;

interface HintedTable {
  name: string;
  oid: number;
  size: AssumedSize;
  relfilenode: number;
  tablespace: string | null;
}

/**
 * Makes the planner see each table of the shadow that has a size hint at that many rows, with
 * production's column statistics when there are some. Each table is lent an empty heap of real
 * pages of its own (its storage pointed at a vacuumed table of db-review's), then `relpages`,
 * `reltuples` and `pg_statistic` are written. No row is written into the change's tables and
 * none of its code (triggers, defaults, constraints) runs; the catalog writes run as a superuser
 * through `asSuperuser`, outside any transaction of the review's session. Plan in between, then
 * `undo`.
 */
export async function assumeTableSizes(db: ShadowDatabase, sizeOf: (table: string) => AssumedSize | undefined): Promise<AssumedSizes> {
  const tables = await hintedTables(db, sizeOf);
  const nothing = { sized: [], unsized: [], undo: async () => {} };
  if (tables.length === 0) return nothing;
  try {
    await db.asSuperuser(`CREATE SCHEMA ${SIZES_SCHEMA}`);
  } catch (error) {
    if (!(error instanceof ShadowStatementError)) throw error;
    return { ...nothing, unsized: tables.map(({ name }) => ({ name, reason: error.message })) };
  }
  const sizing: TableSizing = { sized: [], unsized: [] };
  const lent: HintedTable[] = [];
  for (const table of tables) {
    const reason = await refusal(() => lendEmptyHeap(db, table));
    if (reason) sizing.unsized.push({ name: table.name, reason });
    else lent.push(table);
  }
  if (lent.length > 0) await db.asSuperuser(`VACUUM (TRUNCATE false) ${lent.map(fillerOf).join(', ')}`);
  const counts = await sizeCounts(db, lent.map((t) => t.oid));
  const written: { oid: number; attnums: number[] }[] = [];
  const referencing = await foreignKeyDistincts(db, lent);
  for (const table of lent) {
    await writeSize(db, table.oid, table.size.rows);
    const columns = await writeColumnStats(db, table.oid, table.size.columns ?? referencing.get(table.oid) ?? []);
    written.push({ oid: table.oid, attnums: columns.map((c) => c.attnum) });
    sizing.sized.push({ name: table.name, oid: table.oid, rows: table.size.rows, source: table.size.source, columns: columns.map((c) => c.name) });
  }
  const undo = async (): Promise<void> => {
    const storage = lent.map((t) => `UPDATE pg_catalog.pg_class SET relfilenode = ${t.relfilenode} WHERE oid = ${t.oid}`);
    const restores = counts.map(
      (c) => `UPDATE pg_catalog.pg_class SET relpages = ${c.relpages}, reltuples = ${c.reltuples}, relallvisible = ${c.relallvisible} WHERE oid = ${c.oid}`,
    );
    const statistics = written
      .filter((w) => w.attnums.length > 0)
      .map((w) => `DELETE FROM pg_catalog.pg_statistic WHERE starelid = ${w.oid} AND staattnum IN (${w.attnums.join(', ')}) AND NOT stainherit`);
    await db.asSuperuser([...storage, ...restores, ...statistics, `DROP SCHEMA ${SIZES_SCHEMA} CASCADE`].join('; '));
  };
  return { ...sizing, undo };
}

async function hintedTables(db: ShadowDatabase, sizeOf: (table: string) => AssumedSize | undefined): Promise<HintedTable[]> {
  const { rows } = await db.query(
    'SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relfilenode::bigint AS relfilenode, t.spcname AS tablespace ' +
      'FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_catalog.pg_tablespace t ON t.oid = c.reltablespace ' +
      "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'db_review_internal') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 2, 3",
  );
  return rows.flatMap((row) => {
    const name = `${String(row.schema)}.${String(row.name)}`;
    const size = sizeOf(name);
    if (!size || size.rows <= 0) return [];
    const { oid, relfilenode, tablespace } = row;
    return [{ name, oid: Number(oid), size, relfilenode: Number(relfilenode), tablespace: tablespace === null ? null : String(tablespace) }];
  });
}

/**
 * Without production's statistics, a foreign key column of a sized table that references another
 * sized table: it holds at most as many distinct values as the referenced table has rows, and is
 * taken to hold that many (no NULLs). Else the planner assumes 200 distinct values, and a lookup
 * by the key (`WHERE order_id = $1`, an index on a join key) finds a two-hundredth of the table.
 */
async function foreignKeyDistincts(db: ShadowDatabase, tables: HintedTable[]): Promise<Map<number, ColumnStats[]>> {
  const sizes = new Map(tables.map((t) => [t.oid, t.size.rows]));
  const hinted = tables.filter((t) => t.size.source === 'size hint').map((t) => t.oid);
  if (hinted.length === 0) return new Map();
  const { rows } = await db.query(
    'SELECT c.conrelid::int AS table, c.confrelid::int AS referenced, a.attname AS column, CASE WHEN t.typlen > 0 THEN t.typlen ELSE 32 END AS width ' +
      'FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] JOIN pg_catalog.pg_type t ON t.oid = a.atttypid ' +
      `WHERE c.contype = 'f' AND pg_catalog.cardinality(c.conkey) = 1 AND c.conrelid IN (${hinted.join(', ')}) ORDER BY c.conname`,
  );
  const distincts = new Map<number, ColumnStats[]>();
  for (const row of rows) {
    const referencedRows = sizes.get(Number(row.referenced));
    const table = Number(row.table);
    if (referencedRows === undefined) continue;
    const stats = { column: String(row.column), nullFrac: 0, nDistinct: Math.min(referencedRows, sizes.get(table)!), avgWidth: Number(row.width) };
    distincts.set(table, [...(distincts.get(table) ?? []), stats]);
  }
  return distincts;
}

/** What the planner reads of the tables' and their indexes' sizes, as the migrations left it. */
async function sizeCounts(db: ShadowDatabase, tables: number[]): Promise<{ oid: number; relpages: number; reltuples: number; relallvisible: number }[]> {
  if (tables.length === 0) return [];
  const oids = tables.join(', ');
  const { rows } = await db.asSuperuser(
    `SELECT oid::int AS oid, relpages, reltuples, relallvisible FROM pg_catalog.pg_class WHERE oid IN (${oids}) OR oid IN (SELECT indexrelid FROM pg_catalog.pg_index WHERE indrelid IN (${oids}))`,
  );
  return rows.map((row) => ({ oid: Number(row.oid), relpages: Number(row.relpages), reltuples: Number(row.reltuples), relallvisible: Number(row.relallvisible) }));
}

const fillerOf = (table: Pick<HintedTable, 'oid'>): string => `${SIZES_SCHEMA}.heap_${table.oid}`;

/**
 * Points the table's storage at a heap of its own that has pages and no tuples. Never shared
 * between tables: a tuple of one table's layout must never be read as another's.
 */
async function lendEmptyHeap(db: ShadowDatabase, table: HintedTable): Promise<void> {
  const filler = fillerOf(table);
  const tablespace = table.tablespace ? ` TABLESPACE ${quoteIdentifier(table.tablespace)}` : '';
  await db.asSuperuser(
    `CREATE TABLE ${filler} (x int) WITH (fillfactor = 10, autovacuum_enabled = false)${tablespace}; ` +
      `INSERT INTO ${filler} SELECT pg_catalog.generate_series(1, ${FILLER_ROWS}); DELETE FROM ${filler}; ` +
      `UPDATE pg_catalog.pg_class SET relfilenode = (SELECT relfilenode FROM pg_catalog.pg_class WHERE oid = '${filler}'::pg_catalog.regclass) WHERE oid = ${table.oid}`,
  );
}

/**
 * Writes the size, as a superuser: the table's `relpages` (its heap's pages) and `reltuples`, and
 * its indexes'; no page all-visible, as before any vacuum. Again after CREATE INDEX, which counts
 * the (empty) heap and overwrites them in place, past any rollback.
 */
export async function writeSize(db: ShadowDatabase, oid: number, rows: number): Promise<void> {
  await db.asSuperuser(
    `UPDATE pg_catalog.pg_class SET relpages = greatest(1, pg_catalog.pg_relation_size(oid) / pg_catalog.current_setting('block_size')::int), reltuples = ${rows}, relallvisible = 0 ` +
      `WHERE oid = ${oid} OR oid IN (SELECT indexrelid FROM pg_catalog.pg_index WHERE indrelid = ${oid})`,
  );
}

/**
 * Gives the planner each column's NULL fraction, distinct count and width, and no values, so
 * that its selectivities are production's rather than its defaults. A column that already has
 * statistics keeps them. Returns the columns it took.
 */
async function writeColumnStats(db: ShadowDatabase, oid: number, columns: ColumnStats[]): Promise<{ name: string; attnum: number }[]> {
  if (columns.length === 0) return [];
  const rows = columns.map(
    (c) => `(${sqlLiteral(c.column)}, ${finite(c.nullFrac)}::real, ${Math.round(finite(c.avgWidth))}::int, ${finite(c.nDistinct)}::real)`,
  );
  const none = '0, 0, 0, 0, 0';
  const { rows: taken } = await db.asSuperuser(
    `WITH given (name, null_frac, width, distinct_count) AS (VALUES ${rows.join(', ')}), ` +
      `columns AS (SELECT a.attnum, g.* FROM given g JOIN pg_catalog.pg_attribute a ON a.attrelid = ${oid} AND a.attname = g.name AND a.attnum > 0 AND NOT a.attisdropped ` +
      `WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_statistic s WHERE s.starelid = ${oid} AND s.staattnum = a.attnum AND NOT s.stainherit)) ` +
      'INSERT INTO pg_catalog.pg_statistic (starelid, staattnum, stainherit, stanullfrac, stawidth, stadistinct, ' +
      'stakind1, stakind2, stakind3, stakind4, stakind5, staop1, staop2, staop3, staop4, staop5, stacoll1, stacoll2, stacoll3, stacoll4, stacoll5) ' +
      `SELECT ${oid}, attnum, false, null_frac, width, distinct_count, ${none}, ${none}, ${none} FROM columns ` +
      'RETURNING staattnum AS attnum, (SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = starelid AND attnum = staattnum) AS name',
  );
  const order = new Map(columns.map((c, index) => [c.column, index]));
  return taken
    .map((row) => ({ name: String(row.name), attnum: Number(row.attnum) }))
    .sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
}

const finite = (n: number): number => (Number.isFinite(Number(n)) ? Number(n) : 0);

/** PostgreSQL's refusal of `work`, or undefined when it went through. */
async function refusal(work: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await work();
    return undefined;
  } catch (error) {
    if (!(error instanceof ShadowStatementError)) throw error;
    return error.message;
  }
}
