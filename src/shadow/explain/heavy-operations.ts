import type { A_Expr, Node, SortBy } from '@pgsql/types';
import { unwrap } from '../../sql/ast.ts';
import { stringValues } from '../../sql/names.ts';
import { columnOf, explainedCondition, explainedSortKeys } from './explain-text.ts';
import { conjuncts, SCANNED_TABLE_ROWS, tableOf, type IndexKey, type LargeScan, type PlanNode } from './index-advice.ts';
import type { SizedTable } from './table-sizes.ts';

/**
 * A join that reads a large table whole, where an index on the join key would let it look up
 * only the rows that match the other side.
 */
export interface JoinWithoutIndex {
  kind: 'join';
  /** Hash Join or Merge Join. */
  join: string;
  table: SizedTable;
  /** The columns of the table that the join compares. */
  keys: IndexKey[];
}

/** A sort of more rows than work_mem holds: PostgreSQL sorts them on disk. */
export interface SpillingSort {
  kind: 'sort';
  /** The large table under the sort, when it sorts the rows of one table. */
  table?: SizedTable;
  /** The rows the planner expects to sort, and their size in memory. */
  rows: number;
  bytes: number;
  /** The sort's keys, when all are columns of that table. */
  keys: IndexKey[];
  /** The shadow's work_mem, in bytes. */
  workMem: number;
}

export type HeavyOperation = JoinWithoutIndex | SpillingSort;

/**
 * The join that reads the scanned table whole, with the columns of that table its condition
 * compares for equality; undefined when the scan is no join's input.
 */
export function joinReading(plan: PlanNode, scan: LargeScan): JoinWithoutIndex | undefined {
  const alias = aliasOf(scan.node);
  for (const node of nodesOf(plan)) {
    const condition = node['Hash Cond'] ?? node['Merge Cond'];
    if (!condition || !(node.Plans ?? []).some((input) => inputScan(input) === scan.node)) continue;
    const keys = equalityColumns(condition, alias);
    return keys.length > 0 ? { kind: 'join', join: node['Node Type'], table: scan.table, keys } : undefined;
  }
  return undefined;
}

/** The scan a join input reads straight, through the Hash or Sort a join puts on top of it. */
function inputScan(input: PlanNode): PlanNode {
  const through = input['Node Type'] === 'Hash' || input['Node Type'] === 'Sort' ? input.Plans?.[0] : undefined;
  return through ?? input;
}

/**
 * The first sort in the plan of a large input that passes work_mem (`workMem`, in bytes, as the
 * shadow's setting). A top-N sort under a LIMIT keeps only its N rows and is left alone.
 */
export function spillingSort(plan: PlanNode, sized: SizedTable[], workMem: number, parent?: PlanNode): SpillingSort | undefined {
  if (plan['Node Type'] === 'Sort' && parent?.['Node Type'] !== 'Limit' && plan['Plan Rows'] >= SCANNED_TABLE_ROWS && inMemory(plan) > workMem) {
    const scan = plan.Plans?.[0];
    const table = scan?.['Node Type'] === 'Seq Scan' ? tableOf(scan, sized) : undefined;
    const keys = table && scan ? sortKeys(plan['Sort Key'] ?? [], aliasOf(scan)) : [];
    return { kind: 'sort', table, rows: plan['Plan Rows'], bytes: inMemory(plan), keys, workMem };
  }
  for (const child of plan.Plans ?? []) {
    const found = spillingSort(child, sized, workMem, plan);
    if (found) return found;
  }
  return undefined;
}

/** The keys of a sort that reads the scanned table straight, as index keys. */
export function sortedScanKeys(plan: PlanNode, scan: LargeScan): IndexKey[] {
  for (const node of nodesOf(plan)) {
    if (node['Node Type'] === 'Sort' && node.Plans?.[0] === scan.node) return sortKeys(node['Sort Key'] ?? [], aliasOf(scan.node));
  }
  return [];
}

function* nodesOf(plan: PlanNode): Generator<PlanNode> {
  yield plan;
  for (const child of plan.Plans ?? []) yield* nodesOf(child);
}

const aliasOf = (scan: PlanNode): string => scan.Alias ?? scan['Relation Name'] ?? '';

/**
 * The planner's own measure of rows in memory (relation_byte_size): each row's width rounded up
 * to 8 bytes, plus a 24-byte tuple header.
 */
function inMemory(node: PlanNode): number {
  return node['Plan Rows'] * (Math.ceil((node['Plan Width'] ?? 0) / 8) * 8 + 24);
}

/** The columns of `alias` that a join condition as EXPLAIN prints it (`(li.order_id = o.id)`) tests for equality. */
function equalityColumns(condition: string, alias: string): IndexKey[] {
  return conjuncts(explainedCondition(condition)).flatMap((node: Node) => {
    const expr = unwrap<A_Expr>(node, 'A_Expr');
    if (expr?.kind !== 'AEXPR_OP' || stringValues(expr.name)[0] !== '=') return [];
    const column = [expr.lexpr, expr.rexpr].map((side) => columnOf(side, alias)).find(Boolean);
    return column ? [{ column }] : [];
  });
}

/** Sort keys as EXPLAIN prints them (`e.created_at DESC`) as index keys, when every one is a column of `alias`. */
function sortKeys(keys: string[], alias: string): IndexKey[] {
  const sorted = explainedSortKeys(keys).map((node) => unwrap<SortBy>(node, 'SortBy'));
  const indexed = sorted.map((by) => {
    const column = columnOf(by?.node, alias);
    return column ? { column, descending: by?.sortby_dir === 'SORTBY_DESC' } : undefined;
  });
  return indexed.length > 0 && indexed.every(Boolean) ? (indexed as IndexKey[]) : [];
}
