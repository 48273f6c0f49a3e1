import { fromPgLocksMode, type LockMode } from '../sql/lock-modes.ts';
import type { ShadowDatabase } from './provider.ts';

/*
 * Every catalog relation below is named with pg_catalog: the reviewed SQL runs in the same
 * session, and a temporary view called pg_locks would otherwise be read instead of the real one.
 * (The guard keeps pg_catalog first on the search_path for functions and operators.)
 */

/** db_review_internal holds the cached base's report: not the user's schema. */
const USER_RELATIONS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'db_review_internal') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`;

/** A relation lock our own session holds. */
export interface HeldRelationLock {
  oid: number;
  /** `schema.name` of the table, index, sequence or view. */
  relation: string;
  /** pg_class.relkind: r table, p partitioned table, i index, I partitioned index, S sequence, v view, m materialized view. */
  relkind: string;
  /** For an index: the table it belongs to. */
  table?: string;
  mode: LockMode;
}

/** Per user table, index or materialized view: its storage file and the sequential scans not yet flushed to the statistics. */
export interface RelationState {
  oid: number;
  relation: string;
  relkind: string;
  relfilenode: number;
  /** Sequential scans of the table this session made since its statistics were last flushed (pg_stat_get_xact_numscans). */
  seqScans: number;
}

export interface ColumnSnapshot {
  type: string;
  notNull: boolean;
  default: string | null;
}

export interface ConstraintSnapshot {
  table: string;
  /** p primary key, u unique, f foreign key, c check, x exclusion, n not-null (PostgreSQL 18). */
  type: string;
  validated: boolean;
  definition: string;
  /** A foreign key's columns, and the `schema.table` and columns it references, in key order. */
  foreignKey?: { columns: string[]; references: string; referencedColumns: string[] };
}

export interface IndexSnapshot {
  table: string;
  valid: boolean;
  definition: string;
  /** Key columns in order (not INCLUDE ones); null for an expression. */
  columns: (string | null)[];
  unique: boolean;
  primary: boolean;
  partial: boolean;
}

/** The parts of the catalog a migration changes, keyed by qualified name. */
export interface CatalogSnapshot {
  tables: Map<string, Map<string, ColumnSnapshot>>;
  /** Keyed by `table.constraint`. */
  constraints: Map<string, ConstraintSnapshot>;
  indexes: Map<string, IndexSnapshot>;
  enums: Map<string, string[]>;
}

/**
 * Which relations a read covers: all user relations, only those our session holds a lock on
 * (and, for locked indexes, their tables), or the tables listed in the parameter `$1` (an oid
 * array). `c` is the pg_class row of the table being read.
 */
export type Scope = 'all' | 'locked' | 'listed';

/** The CTEs a scoped read needs: what our session holds locked in this database. */
const LOCKED = `WITH held AS (
    SELECT l.relation AS oid, l.mode FROM pg_catalog.pg_locks l
    WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
      AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
  ),
  locked AS (
    SELECT oid FROM held UNION SELECT i.indrelid FROM pg_catalog.pg_index i JOIN held ON held.oid = i.indexrelid
  )`;

function inScope(scope: Scope): string {
  if (scope === 'all') return 'TRUE';
  return scope === 'locked' ? 'c.oid IN (SELECT oid FROM locked)' : 'c.oid = ANY ($1::oid[])';
}

/** JSON of the catalog parts of the tables in scope, their constraints and indexes, and every enum. */
function catalogJson(scope: Scope): string {
  const tables = `FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND ${USER_RELATIONS} AND ${inScope(scope)}`;
  return `json_build_object(
      'tables', (SELECT coalesce(json_agg(json_build_array(c.oid::bigint, n.nspname || '.' || c.relname)), '[]') ${tables}),
      'columns', (SELECT coalesce(json_agg(json_build_array(n.nspname || '.' || c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid)) ORDER BY c.oid, a.attnum), '[]')
                  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
                  WHERE c.relkind IN ('r', 'p') AND ${USER_RELATIONS} AND ${inScope(scope)}),
      'constraints', (SELECT coalesce(json_agg(json_build_array(n.nspname || '.' || c.relname, k.conname, k.contype::text, k.convalidated, pg_get_constraintdef(k.oid),
                        CASE WHEN k.contype = 'f' THEN json_build_array(
                          (SELECT json_agg(a.attname ORDER BY col.ord) FROM unnest(k.conkey) WITH ORDINALITY AS col(attnum, ord) JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = col.attnum),
                          (SELECT rn.nspname || '.' || r.relname FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace WHERE r.oid = k.confrelid),
                          (SELECT json_agg(a.attname ORDER BY col.ord) FROM unnest(k.confkey) WITH ORDINALITY AS col(attnum, ord) JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = col.attnum)) END)), '[]')
                      FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                      WHERE ${USER_RELATIONS} AND ${inScope(scope)}),
      'indexes', (SELECT coalesce(json_agg(json_build_array(n.nspname || '.' || ic.relname, n.nspname || '.' || c.relname, i.indisvalid, pg_get_indexdef(i.indexrelid),
                    (SELECT json_agg(a.attname ORDER BY col.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS col(attnum, ord) LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = col.attnum WHERE col.ord <= i.indnkeyatts),
                    i.indisunique, i.indisprimary, i.indpred IS NOT NULL)), '[]')
                  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
                  JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
                  WHERE ${USER_RELATIONS} AND ${inScope(scope)}),
      'enums', (SELECT coalesce(json_agg(json_build_array(n.nspname || '.' || t.typname, (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid))), '[]')
                FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                WHERE t.typtype = 'e' AND ${USER_RELATIONS})
    )`;
}

function locksJson(): string {
  return `(SELECT coalesce(json_agg(json_build_array(c.oid::bigint, n.nspname || '.' || c.relname, c.relkind::text, held.mode, tn.nspname || '.' || t.relname)), '[]')
    FROM held JOIN pg_catalog.pg_class c ON c.oid = held.oid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
    LEFT JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
    LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
    WHERE ${USER_RELATIONS})`;
}

function statesJson(scope: Scope): string {
  return `(SELECT coalesce(json_agg(json_build_array(c.oid::bigint, n.nspname || '.' || c.relname, c.relkind::text, c.relfilenode::bigint,
             CASE WHEN c.relkind IN ('r', 'm') THEN pg_stat_get_xact_numscans(c.oid) ELSE 0 END)), '[]')
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'i', 'I', 'm') AND ${USER_RELATIONS}
      AND ${scope === 'listed' ? '(c.oid = ANY ($1::oid[]) OR c.oid IN (SELECT indexrelid FROM pg_catalog.pg_index WHERE indrelid = ANY ($1::oid[])))' : inScope(scope)})`;
}

type RawCatalog = {
  tables: [number, string][];
  columns: [string, string, string, boolean, string | null][];
  constraints: [string, string, string, boolean, string, [string[], string, string[]] | null][];
  indexes: [string, string, boolean, string, (string | null)[], boolean, boolean, boolean][];
  enums: [string, string[] | null][];
};

/** A catalog read, with the oid of each table it covers (to replace them in a model of the whole catalog). */
export interface CatalogRead {
  snapshot: CatalogSnapshot;
  tableOids: Map<number, string>;
}

function toCatalogRead(raw: RawCatalog): CatalogRead {
  const tables = new Map<string, Map<string, ColumnSnapshot>>(raw.tables.map(([, name]) => [name, new Map()]));
  for (const [table, column, type, notNull, defaultExpr] of raw.columns) {
    tables.get(table)?.set(column, { type, notNull, default: defaultExpr });
  }
  return {
    snapshot: {
      tables,
      constraints: new Map(raw.constraints.map(([table, name, type, validated, definition, key]) => [
        `${table}.${name}`,
        { table, type, validated, definition, ...(key ? { foreignKey: { columns: key[0], references: key[1], referencedColumns: key[2] } } : {}) },
      ])),
      indexes: new Map(raw.indexes.map(([name, table, valid, definition, columns, unique, primary, partial]) => [name, { table, valid, definition, columns, unique, primary, partial }])),
      enums: new Map(raw.enums.map(([name, labels]) => [name, labels ?? []])),
    },
    tableOids: new Map(raw.tables.map(([oid, name]) => [Number(oid), name])),
  };
}

/** Names of the statements prepared on each shadow database's session. */
const preparedOn = new WeakMap<ShadowDatabase, Set<string>>();

/**
 * Runs one of our own catalog reads as a prepared statement: planning these joins over the
 * catalogs costs more than running them, and they run after every statement. The guard refuses
 * PREPARE and DEALLOCATE in reviewed SQL, so the name stays ours.
 */
async function runPrepared(db: ShadowDatabase, name: string, sql: string, options: { oids?: number[]; precededBy?: string } = {}) {
  const { oids, precededBy = '' } = options;
  let prepared = preparedOn.get(db);
  if (!prepared) preparedOn.set(db, (prepared = new Set()));
  if (!prepared.has(name)) {
    await db.query(`PREPARE ${name}${oids ? '(oid[])' : ''} AS ${sql}`);
    prepared.add(name);
  }
  return db.query(`${precededBy}EXECUTE ${name}${oids ? `('{${oids.join(',')}}')` : ''}`);
}

function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** The whole user catalog: tables with their columns, constraints, indexes and enums. */
export async function catalogSnapshot(db: ShadowDatabase): Promise<CatalogSnapshot> {
  return (await readCatalog(db)).snapshot;
}

export async function readCatalog(db: ShadowDatabase): Promise<CatalogRead> {
  const { rows } = await db.query(`SELECT ${catalogJson('all')} AS catalog`);
  return toCatalogRead(parseJson<RawCatalog>(rows[0]?.catalog));
}

/** Storage and scan counters of every user relation. */
export async function readRelationStates(db: ShadowDatabase): Promise<RelationState[]> {
  const { rows } = await db.query(`SELECT ${statesJson('all')} AS states`);
  return parseJson<RawState[]>(rows[0]?.states).map(toRelationState);
}

/**
 * Reads the scan counters this session has not flushed yet (after sending BEGIN, in the same
 * round trip, when `begin`): statistics are flushed only between transactions, so these are the
 * starting point against which the transaction's own scans are counted.
 */
export async function beginWithScanCounters(db: ShadowDatabase, options: { begin: boolean }): Promise<Map<number, number>> {
  const { rows } = await runPrepared(db, 'db_review_scan_counters', `SELECT coalesce(json_agg(json_build_array(c.oid::bigint, pg_stat_get_xact_numscans(c.oid))), '[]') AS counters
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'm') AND ${USER_RELATIONS} AND pg_stat_get_xact_numscans(c.oid) > 0`, { precededBy: options.begin ? 'BEGIN; ' : '' });
  return new Map(parseJson<[number, number][]>(rows[0]?.counters).map(([oid, scans]) => [Number(oid), Number(scans)]));
}

/**
 * The tables behind relation names as a statement wrote them (tables, or indexes for their
 * tables), resolved with the session's search_path as the statement will be, with their scan
 * counters now.
 */
export async function tablesNamed(db: ShadowDatabase, names: string[]): Promise<Map<number, number>> {
  const list = names.map((name) => `'${name.replaceAll("'", "''")}'`).join(', ');
  const { rows } = await db.query(`SELECT coalesce(json_agg(json_build_array(t.oid::bigint, pg_stat_get_xact_numscans(t.oid))), '[]') AS tables
    FROM (SELECT DISTINCT coalesce(i.indrelid, r.oid) AS oid
          FROM unnest(ARRAY[${list}]::text[]) AS name, to_regclass(name) AS r(oid) LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = r.oid
          WHERE r.oid IS NOT NULL) t`);
  return new Map(parseJson<[number, number][]>(rows[0]?.tables).map(([oid, scans]) => [Number(oid), Number(scans)]));
}

/** Storage, scan counters and catalog of the listed tables and their indexes. */
export async function readListed(db: ShadowDatabase, tables: number[]): Promise<{ states: RelationState[]; catalog: CatalogRead }> {
  const { rows } = await runPrepared(db, 'db_review_observe_listed', `SELECT json_build_object('states', ${statesJson('listed')}, 'catalog', ${catalogJson('listed')}) AS observed`, { oids: tables });
  const raw = parseJson<{ states: RawState[]; catalog: RawCatalog }>(rows[0]?.observed);
  return { states: raw.states.map(toRelationState), catalog: toCatalogRead(raw.catalog) };
}

/** What a scoped read after a statement returns: our locks, and the state of everything locked. */
export interface LockedRead {
  /** Every relation oid our session holds a lock on in this database, including relations dropped since. */
  lockedOids: number[];
  locks: HeldRelationLock[];
  states: RelationState[];
  /** The catalog of the locked tables (or of all, when asked for) and every enum. */
  catalog: CatalogRead;
}

/**
 * Reads, in one round trip, the relation locks our session holds and the storage, scan counters
 * and (optionally) catalog of exactly those relations. Inside a transaction nothing else can have
 * changed: altering, rewriting or scanning a relation takes a lock held to the transaction's end.
 */
export async function readLocked(db: ShadowDatabase, options: { catalog: Exclude<Scope, 'listed'> }): Promise<LockedRead> {
  const { rows } = await runPrepared(db, `db_review_observe_${options.catalog}`, `${LOCKED}
    SELECT json_build_object(
      'locked', (SELECT coalesce(json_agg(DISTINCT oid::bigint), '[]') FROM held),
      'locks', ${locksJson()},
      'states', ${statesJson('locked')},
      'catalog', ${catalogJson(options.catalog)}
    ) AS observed`);
  const raw = parseJson<{ locked: number[]; locks: RawLock[]; states: RawState[]; catalog: RawCatalog }>(rows[0]?.observed);
  return {
    lockedOids: raw.locked.map(Number),
    locks: raw.locks.flatMap(toHeldLock),
    states: raw.states.map(toRelationState),
    catalog: toCatalogRead(raw.catalog),
  };
}

type RawLock = [number, string, string, string, string | null];
type RawState = [number, string, string, number, number];

function toHeldLock([oid, relation, relkind, pgMode, table]: RawLock): HeldRelationLock[] {
  const mode = fromPgLocksMode(pgMode);
  if (!mode) return [];
  const lock: HeldRelationLock = { oid: Number(oid), relation, relkind, mode };
  if (table) lock.table = table;
  return [lock];
}

function toRelationState([oid, relation, relkind, relfilenode, scans]: RawState): RelationState {
  return { oid: Number(oid), relation, relkind, relfilenode: Number(relfilenode), seqScans: Number(scans) };
}
