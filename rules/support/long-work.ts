import type {
  AlterTableCmd,
  AlterTableStmt,
  ColumnDef,
  Constraint,
  Node,
  RangeVar,
} from '@pgsql/types';
import type { RuleContext } from '../../src/lint/rule.ts';
import { listOf, nodeOf, unwrap, visit } from '../../src/sql/ast.ts';
import type { LockMode } from '../../src/sql/lock-modes.ts';
import { alterTableCmdLocks } from '../../src/sql/locks.ts';
import { columnType, displayName, qualify, stringValues, type ColumnType } from '../../src/sql/names.ts';
import type { Statement } from '../../src/sql/statement.ts';

/** What a statement spends time on: an index build, a validation scan, a rewrite, row changes, a query. */
export interface Work {
  /** The existing table the work runs over; undefined when it spans many (REINDEX SCHEMA). */
  table?: string;
  /** A verb phrase: "builds the index", "rewrites the whole table to change the type of `note`". */
  what: string;
  /** The lock the statement itself takes on `table` while doing it. */
  mode?: LockMode;
  kind: 'build' | 'scan' | 'rewrite' | 'dml' | 'query';
  /** DML without a WHERE clause: every row of the table is changed (and row-locked). */
  wholeTable?: boolean;
}

/** "an ACCESS EXCLUSIVE lock", "a SHARE lock". */
export function article(mode: string): 'a' | 'an' {
  return /^[AEIOU]/i.test(mode) ? 'an' : 'a';
}

/** Functions whose defaults PostgreSQL evaluates per row (volatile), forcing ADD COLUMN to rewrite. */
const VOLATILE_DEFAULTS = new Set([
  'random', 'clock_timestamp', 'timeofday', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc',
  'uuid_generate_v4', 'uuidv4', 'uuidv7', 'nextval',
]);

/**
 * The time-consuming work the statement does on existing tables (tables created in the same
 * migration are empty: nothing there takes time). Metadata-only statements return [].
 */
export function workOf(statement: Statement, context: RuleContext): Work[] {
  const ast = statement.ast as unknown as Record<string, Record<string, unknown>>;
  const [kind, node] = Object.entries(ast)[0] ?? [];
  if (!kind || !node) return [];
  const existing = (table: string): boolean => table !== '' && context.isExisting(table);
  switch (kind) {
    case 'IndexStmt': {
      const table = qualify(node.relation as RangeVar);
      if (!existing(table)) return [];
      const name = node.idxname ? ` \`${node.idxname as string}\`` : '';
      return [{ table, what: `builds the index${name}`, mode: node.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', kind: 'build' }];
    }
    case 'AlterTableStmt':
      return alterTableWork(statement, context);
    case 'VacuumStmt': {
      const full = ((node.options as Node[] | undefined) ?? []).some((o) => unwrap<{ defname?: string }>(o, 'DefElem')?.defname?.toLowerCase() === 'full');
      if (!full || !node.is_vacuumcmd) return [];
      return listOf(node.rels)
        .map((r) => qualify(unwrap<{ relation?: RangeVar }>(r, 'VacuumRelation')?.relation))
        .filter(existing)
        .map((table) => ({ table, what: 'rewrites the whole table (VACUUM FULL)', mode: 'ACCESS EXCLUSIVE' as const, kind: 'rewrite' as const }));
    }
    case 'ClusterStmt': {
      const table = qualify(node.relation as RangeVar | undefined);
      return existing(table) ? [{ table, what: 'rewrites the whole table in index order (CLUSTER)', mode: 'ACCESS EXCLUSIVE', kind: 'rewrite' }] : [];
    }
    case 'ReindexStmt':
      return reindexWork(node, context);
    case 'RefreshMatViewStmt': {
      const table = qualify(node.relation as RangeVar);
      if (!existing(table)) return [];
      // CONCURRENTLY keeps reads going (EXCLUSIVE only blocks writes, which a materialized view does not get).
      return node.concurrent
        ? [{ table, what: 'recomputes the materialized view', mode: 'EXCLUSIVE', kind: 'query' }]
        : [{ table, what: 'recomputes the materialized view', mode: 'ACCESS EXCLUSIVE', kind: 'rewrite' }];
    }
    case 'UpdateStmt':
    case 'DeleteStmt': {
      const table = qualify(node.relation as RangeVar);
      if (!existing(table) || pinsUniqueKey(node.whereClause as Node | undefined, table, context)) return [];
      const whole = !node.whereClause;
      const verb = kind === 'UpdateStmt' ? 'updates' : 'deletes';
      const what = whole ? `${verb} every row of \`${displayName(table)}\`` : `${verb} rows of \`${displayName(table)}\``;
      return [{ table, what, mode: 'ROW EXCLUSIVE', kind: 'dml', wholeTable: whole }];
    }
    case 'MergeStmt': {
      const table = qualify(node.relation as RangeVar);
      return existing(table) ? [{ table, what: `merges rows into \`${displayName(table)}\``, mode: 'ROW EXCLUSIVE', kind: 'dml' }] : [];
    }
    case 'InsertStmt': {
      const table = qualify(node.relation as RangeVar);
      const select = unwrap<{ fromClause?: Node[] }>(node.selectStmt, 'SelectStmt');
      if (!select?.fromClause?.length) return [];
      return [{ table: existing(table) ? table : undefined, what: `inserts the rows of a query into \`${displayName(table)}\``, mode: 'ROW EXCLUSIVE', kind: 'dml' }];
    }
    case 'SelectStmt':
      return readsUserTables(node.fromClause) ? [{ what: 'runs a query', kind: 'query' }] : [];
    case 'CreateTableAsStmt':
      return [{ what: 'fills a table from a query', kind: 'query' }];
    case 'CopyStmt':
      return [{ table: node.relation ? qualify(node.relation as RangeVar) : undefined, what: 'copies data', kind: 'dml' }];
    default:
      return [];
  }
}

/** Whether a FROM clause reads a table other than the system catalogs (catalog lookups are quick). */
function readsUserTables(from: unknown): boolean {
  let user = false;
  visit(from, (kind, value) => {
    if (kind !== 'RangeVar') return;
    const schema = value.schemaname as string | undefined;
    const name = (value.relname as string | undefined) ?? '';
    if (schema === 'pg_catalog' || schema === 'information_schema' || name.startsWith('pg_')) return;
    user = true;
  });
  return user;
}

function alterTableWork(statement: Statement, context: RuleContext): Work[] {
  const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
  if (!alter || (alter.objtype && alter.objtype !== 'OBJECT_TABLE' && alter.objtype !== 'OBJECT_MATVIEW')) return [];
  const table = qualify(alter.relation);
  if (!context.isExisting(table)) return [];
  const work: Work[] = [];
  for (const item of listOf(alter.cmds)) {
    const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
    if (!cmd) continue;
    const what = alterCmdWork(table, cmd, context);
    if (!what) continue;
    const mode = alterTableCmdLocks(table, cmd, context.pgVersion).find((l) => l.table === table)?.mode;
    work.push({ table, mode, ...what });
  }
  return work;
}

function alterCmdWork(table: string, cmd: AlterTableCmd, context: RuleContext): Pick<Work, 'what' | 'kind'> | undefined {
  const column = cmd.name ? `\`${cmd.name}\`` : 'the column';
  switch (cmd.subtype) {
    case 'AT_AddConstraint': {
      const c = unwrap<Constraint>(cmd.def, 'Constraint');
      if (!c) return undefined;
      switch (c.contype) {
        case 'CONSTR_CHECK':
          return c.skip_validation ? undefined : { what: 'scans the whole table to validate the CHECK constraint', kind: 'scan' };
        case 'CONSTR_FOREIGN':
          return c.skip_validation
            ? undefined
            : { what: `scans the whole table to check every row against \`${displayName(qualify(c.pktable))}\``, kind: 'scan' };
        case 'CONSTR_UNIQUE':
        case 'CONSTR_PRIMARY':
          return c.indexname ? undefined : { what: `builds the ${c.contype === 'CONSTR_PRIMARY' ? 'primary key' : 'unique'} index`, kind: 'build' };
        case 'CONSTR_EXCLUSION':
          return { what: 'builds the exclusion constraint\'s index', kind: 'build' };
        case 'CONSTR_NOTNULL': {
          const name = stringValues(c.keys)[0];
          if (c.skip_validation || !name || context.schema.column(table, name)?.notNull) return undefined;
          return { what: `scans the whole table to check \`${name}\` for NULLs`, kind: 'scan' };
        }
        default:
          return undefined;
      }
    }
    case 'AT_ValidateConstraint': {
      const known = context.schema.constraints.get(`${table}.${cmd.name}`);
      if (known?.validated) return undefined;
      return { what: `scans the whole table to validate \`${cmd.name}\``, kind: 'scan' };
    }
    case 'AT_SetNotNull': {
      if (!cmd.name || setNotNullIsFree(table, cmd.name, context)) return undefined;
      return { what: `scans the whole table to check ${column} for NULLs`, kind: 'scan' };
    }
    case 'AT_AlterColumnType': {
      const def = unwrap<ColumnDef>(cmd.def, 'ColumnDef');
      const old = cmd.name ? context.schema.column(table, cmd.name)?.type : undefined;
      if (def && old && !def.raw_default && !typeChangeRewrites(old, columnType(def.typeName))) return undefined;
      return { what: `rewrites the whole table and its indexes to change the type of ${column}`, kind: 'rewrite' };
    }
    case 'AT_AddColumn': {
      const def = unwrap<ColumnDef>(cmd.def, 'ColumnDef');
      if (!def || !addColumnRewrites(def, context.pgVersion)) return undefined;
      return { what: `rewrites the whole table to fill the new column \`${def.colname ?? ''}\``, kind: 'rewrite' };
    }
    case 'AT_SetExpression':
      return { what: `rewrites the whole table to recompute ${column}`, kind: 'rewrite' };
    case 'AT_SetTableSpace':
      return { what: 'copies the whole table to the new tablespace', kind: 'rewrite' };
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
    case 'AT_SetAccessMethod':
      return { what: 'rewrites the whole table', kind: 'rewrite' };
    default:
      return undefined;
  }
}

/** SET NOT NULL needs no scan when the column is NOT NULL already or (PostgreSQL 12+) a valid CHECK proves it. */
export function setNotNullIsFree(table: string, column: string, context: RuleContext): boolean {
  if (context.schema.column(table, column)?.notNull) return true;
  return context.pgVersion >= 12 && context.schema.constraintsOf(table).some((c) => c.provesNotNull === column && c.validated);
}

const WIDENABLE_PRECISION = new Set(['timestamp', 'timestamptz', 'time', 'timetz', 'interval', 'varbit', 'varchar']);

/** Whether changing a column from `old` to `next` rewrites the table (binary-coercible widenings do not). */
export function typeChangeRewrites(old: ColumnType, next: ColumnType): boolean {
  if (old.array !== next.array) return true;
  if (old.name === next.name) {
    if (old.mods.join(',') === next.mods.join(',')) return false;
    if (next.mods.length === 0) return !(WIDENABLE_PRECISION.has(old.name) || old.name === 'numeric');
    if (WIDENABLE_PRECISION.has(old.name)) return old.mods.length === 0 || (next.mods[0] ?? 0) < (old.mods[0] ?? 0);
    if (old.name === 'numeric') {
      const [p = 0, s = 0] = old.mods;
      const [p2 = 0, s2 = 0] = next.mods;
      return old.mods.length === 0 || s2 !== s || p2 < p;
    }
    return true;
  }
  if (old.name === 'varchar' && next.name === 'text') return false;
  if (old.name === 'text' && next.name === 'varchar' && next.mods.length === 0) return false;
  if (old.name === 'cidr' && next.name === 'inet') return false;
  return true;
}

function addColumnRewrites(def: ColumnDef, pgVersion: number): boolean {
  const type = columnType(def.typeName);
  if (type.name.startsWith('serial')) return true;
  for (const item of listOf(def.constraints)) {
    const c = unwrap<Constraint>(item, 'Constraint');
    if (!c) continue;
    if (c.contype === 'CONSTR_IDENTITY') return true;
    if (c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v') return true;
    if (c.contype === 'CONSTR_DEFAULT') {
      if (pgVersion < 11 && !isNullConst(c.raw_expr)) return true;
      let volatile = false;
      visit(c.raw_expr, (kind, value) => {
        if (kind !== 'FuncCall') return;
        const name = stringValues(value.funcname as Node[] | undefined).at(-1)?.toLowerCase();
        if (name && VOLATILE_DEFAULTS.has(name)) volatile = true;
      });
      if (volatile) return true;
    }
  }
  return false;
}

function isNullConst(expr: Node | undefined): boolean {
  return Boolean(unwrap<{ isnull?: boolean }>(expr, 'A_Const')?.isnull);
}

/** A WHERE clause that pins rows by equality on every column of a unique index: a few rows at most. */
function pinsUniqueKey(where: Node | undefined, table: string, context: RuleContext): boolean {
  if (!where) return false;
  const equal = new Set<string>();
  const collect = (node: Node | undefined): void => {
    const bool = unwrap<{ boolop?: string; args?: Node[] }>(node, 'BoolExpr');
    if (bool?.boolop === 'AND_EXPR') {
      for (const arg of bool.args ?? []) collect(arg);
      return;
    }
    const expr = unwrap<{ kind?: string; name?: Node[]; lexpr?: Node; rexpr?: Node }>(node, 'A_Expr');
    if (!expr || stringValues(expr.name).join('.') !== '=') return;
    if (expr.kind !== 'AEXPR_OP') return;
    const column = columnName(expr.lexpr) ?? columnName(expr.rexpr);
    const other = columnName(expr.lexpr) ? expr.rexpr : expr.lexpr;
    if (column && isConstant(other)) equal.add(column);
  };
  collect(where);
  if (equal.size === 0) return false;
  return context.schema.indexesOf(table).some((i) => i.unique && !i.partial && i.columns.length > 0 && i.columns.every((c) => equal.has(c)));
}

function columnName(node: Node | undefined): string | undefined {
  const ref = unwrap<{ fields?: Node[] }>(node, 'ColumnRef');
  return ref ? stringValues(ref.fields).at(-1) : undefined;
}

function isConstant(node: Node | undefined): boolean {
  if (!node) return false;
  if (unwrap(node, 'A_Const') || unwrap(node, 'ParamRef')) return true;
  const cast = unwrap<{ arg?: Node }>(node, 'TypeCast');
  return cast ? isConstant(cast.arg) : false;
}

function reindexWork(node: Record<string, unknown>, context: RuleContext): Work[] {
  const params = ((node.params as Node[] | undefined) ?? []).map((p) => unwrap<{ defname?: string; arg?: Node }>(p, 'DefElem'));
  const concurrently = params.find((p) => p?.defname?.toLowerCase() === 'concurrently');
  const concurrent = concurrently !== undefined && !isFalse(concurrently.arg);
  const mode: LockMode = concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE';
  const relation = qualify(node.relation as RangeVar | undefined);
  switch (node.kind) {
    case 'REINDEX_OBJECT_INDEX': {
      const table = context.schema.indexOwner(relation);
      if (table && !context.isExisting(table)) return [];
      return [{ table, what: `rebuilds the index \`${displayName(relation)}\``, mode, kind: 'build' }];
    }
    case 'REINDEX_OBJECT_TABLE':
      return context.isExisting(relation) ? [{ table: relation, what: `rebuilds every index of \`${displayName(relation)}\``, mode, kind: 'build' }] : [];
    default:
      return [{ what: 'rebuilds the indexes of many tables', mode, kind: 'build' }];
  }
}

/** A DefElem argument that turns an option off: `false`, `off`, `0`. */
export function isFalse(arg: Node | undefined): boolean {
  if (!arg) return false;
  const text = unwrap<{ sval?: string }>(arg, 'String')?.sval;
  if (text !== undefined) return ['false', 'off', '0', 'no'].includes(text.toLowerCase());
  const integer = unwrap<{ ival?: number }>(arg, 'Integer');
  if (integer) return !integer.ival;
  const bool = unwrap<{ boolval?: boolean }>(arg, 'Boolean');
  if (bool) return !bool.boolval;
  return false;
}
