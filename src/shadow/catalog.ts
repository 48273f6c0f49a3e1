import { fromPgLocksMode, type LockMode } from '../sql/lock-modes.ts';
import type { ShadowDatabase } from './provider.ts';

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

/** Per user relation: its storage file and, for tables, the sequential scans this transaction made. */
export interface RelationState {
  oid: number;
  relation: string;
  relkind: string;
  relfilenode: number;
  /** Sequential scans of the table started in the current transaction (pg_stat_get_xact_numscans). */
  seqScans: number;
  rows: number;
}

/** Relation locks held by our backend now (inside a transaction: everything taken since BEGIN). */
export async function heldLocks(db: ShadowDatabase): Promise<HeldRelationLock[]> {
  const { rows } = await db.query(`
    SELECT c.oid::bigint AS oid, n.nspname || '.' || c.relname AS relation, c.relkind::text AS relkind, l.mode,
           tn.nspname || '.' || t.relname AS "table"
    FROM pg_locks l
    JOIN pg_class c ON c.oid = l.relation
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_index i ON i.indexrelid = c.oid
    LEFT JOIN pg_class t ON t.oid = i.indrelid
    LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
    WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND ${USER_RELATIONS}`);
  return rows.flatMap((row) => {
    const mode = fromPgLocksMode(String(row.mode));
    if (!mode) return [];
    const lock: HeldRelationLock = { oid: Number(row.oid), relation: String(row.relation), relkind: String(row.relkind), mode };
    if (row.table) lock.table = String(row.table);
    return [lock];
  });
}

/** Storage files and scan counters of every user table and index. */
export async function relationStates(db: ShadowDatabase): Promise<Map<string, RelationState>> {
  const { rows } = await db.query(`
    SELECT c.oid::bigint AS oid, n.nspname || '.' || c.relname AS relation, c.relkind::text AS relkind, c.relfilenode::bigint AS relfilenode,
           CASE WHEN c.relkind IN ('r', 'm') THEN pg_stat_get_xact_numscans(c.oid) ELSE 0 END AS scans,
           CASE WHEN c.relkind IN ('r', 'm') THEN c.reltuples ELSE 0 END AS rows
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'i', 'I', 'm') AND ${USER_RELATIONS}`);
  return new Map(
    rows.map((row) => [
      String(row.relation),
      {
        oid: Number(row.oid),
        relation: String(row.relation),
        relkind: String(row.relkind),
        relfilenode: Number(row.relfilenode),
        seqScans: Number(row.scans),
        rows: Number(row.rows),
      },
    ]),
  );
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
}

export interface IndexSnapshot {
  table: string;
  valid: boolean;
  definition: string;
}

/** The parts of the catalog a migration changes, keyed by qualified name. */
export interface CatalogSnapshot {
  tables: Map<string, Map<string, ColumnSnapshot>>;
  /** Keyed by `table.constraint`. */
  constraints: Map<string, ConstraintSnapshot>;
  indexes: Map<string, IndexSnapshot>;
  enums: Map<string, string[]>;
}

export async function catalogSnapshot(db: ShadowDatabase): Promise<CatalogSnapshot> {
  const { rows } = await db.query(`
    SELECT json_build_object(
      'columns', (SELECT coalesce(json_agg(json_build_array(n.nspname || '.' || c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid)) ORDER BY c.oid, a.attnum), '[]')
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
                  WHERE c.relkind IN ('r', 'p') AND ${USER_RELATIONS}),
      'tables', (SELECT coalesce(json_agg(n.nspname || '.' || c.relname), '[]')
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'p') AND ${USER_RELATIONS}),
      'constraints', (SELECT coalesce(json_agg(json_build_array(n.nspname || '.' || c.relname, k.conname, k.contype::text, k.convalidated, pg_get_constraintdef(k.oid))), '[]')
                      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE ${USER_RELATIONS}),
      'indexes', (SELECT coalesce(json_agg(json_build_array(n.nspname || '.' || ic.relname, n.nspname || '.' || c.relname, i.indisvalid, pg_get_indexdef(i.indexrelid))), '[]')
                  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
                  JOIN pg_namespace n ON n.oid = ic.relnamespace
                  WHERE ${USER_RELATIONS}),
      'enums', (SELECT coalesce(json_agg(json_build_array(n.nspname || '.' || t.typname, (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))), '[]')
                FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE t.typtype = 'e' AND ${USER_RELATIONS})
    ) AS catalog`);
  const raw = (typeof rows[0]?.catalog === 'string' ? JSON.parse(rows[0].catalog) : rows[0]?.catalog) as {
    columns: [string, string, string, boolean, string | null][];
    tables: string[];
    constraints: [string, string, string, boolean, string][];
    indexes: [string, string, boolean, string][];
    enums: [string, string[]][];
  };
  const tables = new Map<string, Map<string, ColumnSnapshot>>(raw.tables.map((t) => [t, new Map()]));
  for (const [table, column, type, notNull, defaultExpr] of raw.columns) {
    tables.get(table)?.set(column, { type, notNull, default: defaultExpr });
  }
  return {
    tables,
    constraints: new Map(raw.constraints.map(([table, name, type, validated, definition]) => [`${table}.${name}`, { table, type, validated, definition }])),
    indexes: new Map(raw.indexes.map(([name, table, valid, definition]) => [name, { table, valid, definition }])),
    enums: new Map(raw.enums.map(([name, labels]) => [name, labels ?? []])),
  };
}
