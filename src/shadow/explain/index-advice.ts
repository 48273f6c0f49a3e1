import type { A_Expr, BoolExpr, ColumnRef, Node } from '@pgsql/types';
import type { ExtractedQuery } from '../../queries/types.ts';
import { listOf, unwrap } from '../../sql/ast.ts';
import { parseSql } from '../../sql/libpg.ts';
import { quoteIdentifier, readableIdentifier, stringValues } from '../../sql/names.ts';
import type { ShadowDatabase } from '../provider.ts';
import { planQuery, type PlanOptions } from './plan.ts';
import { writeSize, type SizedTable } from './table-sizes.ts';

/** One node of EXPLAIN (FORMAT JSON)'s plan tree, with the fields read here. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Schema?: string;
  Alias?: string;
  Filter?: string;
  'Hash Cond'?: string;
  'Merge Cond'?: string;
  'Sort Key'?: string[];
  'Plan Rows': number;
  'Plan Width'?: number;
  'Total Cost': number;
  Plans?: PlanNode[];
}

/** A sequential scan of a large table: to keep a small part of it, or with no filter at all. */
export interface LargeScan {
  table: SizedTable;
  /** The scan's node in the plan. */
  node: PlanNode;
  /** The rows the planner expects the scan to keep. */
  keeps: number;
  /** No filter: the query reads the whole table, and an index on its filter cannot help. */
  whole: boolean;
}

/** An index measured on the shadow: the query's estimated cost without it and with it. */
export interface IndexAdvice {
  columns: string[];
  before: number;
  after: number;
  /** The query's plan with the index. */
  plan: PlanNode;
  /** The statement to create it without blocking writes. */
  statement: string;
}

/** Tables of at least this many rows are big enough that reading one whole is worth a finding. */
export const SCANNED_TABLE_ROWS = 100_000;
/** A scan that keeps less than this share of its table filters selectively: an index could find those rows. */
const SELECTIVE_SHARE = 0.1;

/**
 * The first sequential scan in the plan of a large sized table that reads it whole for little:
 * under a selective filter, or with none at all (unless a LIMIT right above it stops it early).
 * A write's own scan is left out: its plan is the statement's, not a read's.
 */
export function largeScan(plan: PlanNode, sized: SizedTable[]): LargeScan | undefined {
  if (plan['Node Type'] === 'ModifyTable') return undefined;
  if (plan['Node Type'] === 'Seq Scan') {
    const table = tableOf(plan, sized);
    if (!table || table.rows < SCANNED_TABLE_ROWS) return undefined;
    if (!plan.Filter) return { table, node: plan, keeps: plan['Plan Rows'], whole: true };
    return plan['Plan Rows'] < table.rows * SELECTIVE_SHARE ? { table, node: plan, keeps: plan['Plan Rows'], whole: false } : undefined;
  }
  const children = plan['Node Type'] === 'Limit' ? (plan.Plans ?? []).filter((child) => child['Node Type'] !== 'Seq Scan') : (plan.Plans ?? []);
  for (const child of children) {
    const found = largeScan(child, sized);
    if (found) return found;
  }
  return undefined;
}

/** A column of an index to measure, in the order it is wanted. */
export interface IndexKey {
  column: string;
  /** An expression of the column to index instead of the column itself (`lower(email)`), as SQL. */
  expression?: string;
  descending?: boolean;
}

/** The sized table a scan node reads. */
export function tableOf(scan: PlanNode, sized: SizedTable[]): SizedTable | undefined {
  return sized.find((t) => t.name === `${scan.Schema ?? 'public'}.${scan['Relation Name']}` || t.name.endsWith(`.${scan['Relation Name']}`));
}

/**
 * Builds the index the query's filter on the scanned table asks for (its equality columns, then
 * one range column) on the shadow, plans the query again, and reports both costs; undefined when
 * the filter names no usable column or the index does not at least halve the cost.
 */
export function adviseIndex(db: ShadowDatabase, query: ExtractedQuery, scan: LargeScan, before: number, options: PlanOptions): Promise<IndexAdvice | undefined> {
  const { equal, ranged } = filteredColumns(query.sql);
  const keys = [...new Set([...equal, ...ranged.slice(0, 1)])].map((column) => ({ column }));
  return measureIndex(db, query, scan.table, keys, before, options);
}

/**
 * Builds an index on `keys` of the table on the shadow, plans the query again, and reports both
 * costs; undefined when none of the keys is a column of the table or the index does not at least
 * halve the cost. Runs inside the caller's transaction and leaves no trace in it.
 */
export async function measureIndex(db: ShadowDatabase, query: ExtractedQuery, table: SizedTable, keys: IndexKey[], before: number, options: PlanOptions): Promise<IndexAdvice | undefined> {
  const present = new Set(await existingColumns(db, table.oid, keys.map((key) => key.column)));
  const usable = keys.filter((key) => present.has(key.column));
  if (usable.length === 0) return undefined;
  const relation = table.name.split('.').map(quoteIdentifier).join('.');
  const keyOf = (key: IndexKey, quote: (name: string) => string): string => `${key.expression ? indexExpression(key.expression) : quote(key.column)}${key.descending ? ' DESC' : ''}`;
  await db.query('SAVEPOINT db_review_advice');
  let plan: PlanNode | undefined;
  try {
    await db.query(`CREATE INDEX ON ${relation} (${usable.map((key) => keyOf(key, quoteIdentifier)).join(', ')})`);
    await writeSize(db, table.oid, table.rows);
    const replanned = await planQuery(db, query, { ...options, nested: true });
    if (replanned.kind === 'planned') plan = replanned.plan as unknown as PlanNode;
  } finally {
    await db.query('ROLLBACK TO SAVEPOINT db_review_advice; RELEASE SAVEPOINT db_review_advice');
  }
  const after = plan?.['Total Cost'];
  if (!plan || after === undefined || after > before / 2) return undefined;
  const [schema, name] = table.name.split('.') as [string, string];
  const named = usable.map((key) => (key.expression ?? key.column).replace(/\W+/g, '_').replace(/^_|_$/g, ''));
  const indexName = readableIdentifier(`${name}_${named.join('_')}_idx`.slice(0, 63));
  const target = `${schema === 'public' ? '' : `${readableIdentifier(schema)}.`}${readableIdentifier(name)}`;
  const columns = usable.map((key) => keyOf(key, readableIdentifier));
  return { columns, before, after, plan, statement: `CREATE INDEX CONCURRENTLY ${indexName} ON ${target} (${columns.join(', ')});` };
}

/** An index takes a function call as it is, any other expression in parentheses. */
function indexExpression(expression: string): string {
  return /^[\w".]+\(.*\)$/s.test(expression) ? expression : `(${expression})`;
}

/**
 * The columns the query's WHERE compares with a value (a parameter, a constant): those it tests
 * for equality (`=`, `IN`), and those it bounds (`<`, `>`, `BETWEEN`).
 */
export function filteredColumns(sql: string): { equal: string[]; ranged: string[] } {
  const root = Object.values((parseSql(sql).stmts?.[0]?.stmt ?? {}) as Record<string, { whereClause?: Node }>)[0];
  const equal: string[] = [];
  const ranged: string[] = [];
  for (const condition of conjuncts(root?.whereClause)) {
    const expr = unwrap<A_Expr>(condition, 'A_Expr');
    if (!expr) continue;
    const operator = stringValues(expr.name)[0];
    const column = columnAgainstValue(expr.lexpr, expr.rexpr) ?? columnAgainstValue(expr.rexpr, expr.lexpr);
    if (!column) continue;
    if (expr.kind === 'AEXPR_IN' || (expr.kind === 'AEXPR_OP' && operator === '=')) equal.push(column);
    else if (expr.kind === 'AEXPR_BETWEEN' || (expr.kind === 'AEXPR_OP' && ['<', '>', '<=', '>='].includes(operator ?? ''))) ranged.push(column);
  }
  return { equal, ranged };
}

export function conjuncts(node: Node | undefined): Node[] {
  const and = unwrap<BoolExpr>(node, 'BoolExpr');
  if (and?.boolop === 'AND_EXPR') return listOf(and.args).flatMap((arg) => conjuncts(arg));
  return node ? [node] : [];
}

/** `column` when `side` is a column and `other` is not one (a value the query supplies). */
function columnAgainstValue(side: Node | undefined, other: Node | undefined): string | undefined {
  const column = unwrap<ColumnRef>(side, 'ColumnRef');
  if (!column || unwrap<ColumnRef>(other, 'ColumnRef')) return undefined;
  return stringValues(listOf(column.fields)).at(-1);
}

async function existingColumns(db: ShadowDatabase, oid: number, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const { rows } = await db.query(`SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = ${oid} AND attnum > 0 AND NOT attisdropped`);
  const present = new Set(rows.map((row) => String(row.attname)));
  return names.filter((name) => present.has(name));
}
