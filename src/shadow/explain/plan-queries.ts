import type { CollectedQuery } from '../../queries/collect.ts';
import { quoteIdentifier } from '../../sql/names.ts';
import { ShadowStatementError, type ShadowDatabase } from '../provider.ts';
import { sqlLiteral } from '../stand-in-roles.ts';
import { hiddenColumn, type HiddenColumn } from './hidden-columns.ts';
import { joinReading, sortedScanKeys, spillingSort, type HeavyOperation } from './heavy-operations.ts';
import { adviseIndex, filteredColumns, largeScan, measureIndex, type IndexAdvice, type IndexKey, type LargeScan, type PlanNode } from './index-advice.ts';
import { planQuery, type PlanOptions, type PlanOutcome } from './plan.ts';
import { assumeTableSizes, type AssumedSize, type SizedTable, type TableSizing } from './table-sizes.ts';

/** A query of the change, planned on the schema after the reviewed migrations, and before them when there are any. */
export interface QueryPlanning {
  query: CollectedQuery;
  before?: PlanOutcome;
  /** Absent when the shadow stopped at a time limit before it could plan the query. */
  after?: PlanOutcome;
  /** A large table the plan after reads whole under a selective filter, with the index measured to help. */
  scan?: LargeScan & { plan: PlanNode; advice?: IndexAdvice };
  /** Else a join that reads a large table whole where an index on its key would not, or a sort past work_mem. */
  operation?: HeavyOperation & { plan: PlanNode; advice?: IndexAdvice };
  /** A filter on a function or cast of a column that has an index, which the function hides from it. */
  hidden?: HiddenColumn & { index: string; plan: PlanNode; advice?: IndexAdvice };
}

/** Plans each query in turn; after a time limit, the database is gone and the rest are not planned. */
export async function planQueries(db: ShadowDatabase, queries: CollectedQuery[], options: PlanOptions): Promise<(PlanOutcome | undefined)[]> {
  const outcomes: (PlanOutcome | undefined)[] = [];
  let dead = false;
  for (const query of queries) {
    const outcome: PlanOutcome | undefined = dead ? undefined : await planQuery(db, query, options);
    dead ||= outcome?.kind === 'timed-out';
    outcomes.push(outcome);
  }
  return outcomes;
}

export interface SizedPlans {
  outcomes: (PlanOutcome | undefined)[];
  heavy: Pick<QueryPlanning, 'scan' | 'operation' | 'hidden'>[];
  sizing: TableSizing;
}

/**
 * Plans the queries with the tables at the sizes their hints give, in a transaction rolled back
 * afterwards, then puts the sizes back; for each query the change wrote whose plan reads a large
 * table whole to keep a few rows, measures the index its filter asks for. After a time limit the
 * database is gone, and nothing is put back.
 */
export async function planAtSizes(
  db: ShadowDatabase,
  queries: CollectedQuery[],
  options: PlanOptions & { sizeOf: (table: string) => AssumedSize | undefined },
): Promise<SizedPlans> {
  const assumed = await assumeTableSizes(db, options.sizeOf);
  const sizing: TableSizing = { sized: assumed.sized, unsized: assumed.unsized };
  await db.query('BEGIN');
  const nested = { ...options, nested: true };
  const outcomes = await planQueries(db, queries, nested);
  if (outcomes.some((outcome) => outcome?.kind === 'timed-out')) return { outcomes, heavy: [], sizing };
  const workMem = Number((await db.query("SELECT setting::bigint * 1024 AS bytes FROM pg_catalog.pg_settings WHERE name = 'work_mem'")).rows[0]?.bytes);
  const heavy: SizedPlans['heavy'] = [];
  for (const [index, query] of queries.entries()) {
    const outcome = outcomes[index];
    const plan = outcome?.kind === 'planned' && query.changed ? (outcome.plan as unknown as PlanNode) : undefined;
    const at = { sized: sizing.sized, workMem, options: nested };
    heavy.push(plan ? { ...(await measureHeavyParts(db, query, plan, at)), ...(await hiddenIndex(db, query, plan, at)) } : {});
  }
  await db.query('ROLLBACK');
  await assumed.undo();
  return { outcomes, heavy, sizing };
}

/**
 * The costly part of a plan at the sizes, with the index measured to spare it: a scan that
 * reads a large table for a few rows; else one that reads it whole, as the input of a join (when
 * an index on the join key helps: otherwise the join's plan is the right one), to keep the first
 * rows in some order, or for all of them; else a sort past work_mem.
 */
async function measureHeavyParts(
  db: ShadowDatabase,
  query: CollectedQuery,
  plan: PlanNode,
  at: { sized: TableSizing['sized']; workMem: number; options: PlanOptions },
): Promise<Pick<QueryPlanning, 'scan' | 'operation'>> {
  const cost = plan['Total Cost'];
  const measure = (table: SizedTable, keys: IndexKey[]) => measureIndex(db, query, table, keys, cost, at.options);
  const scan = largeScan(plan, at.sized);
  if (scan && !scan.whole) return { scan: { ...scan, plan, advice: await adviseIndex(db, query, scan, cost, at.options) } };
  if (scan) {
    const join = joinReading(plan, scan);
    const joinAdvice = join && (await measure(scan.table, join.keys));
    if (join && joinAdvice) return { operation: { ...join, plan, advice: joinAdvice } };
    const ordered = sortedScanKeys(plan, scan);
    return { scan: { ...scan, plan, advice: ordered.length > 0 ? await measure(scan.table, ordered) : undefined } };
  }
  const sort = spillingSort(plan, at.sized, at.workMem);
  if (!sort) return {};
  // Only an index that finds the rows by an equality, then in order, is measured: one read whole in
  // order looks cheaper than it is on the lent heap's few pages.
  const equal = filteredColumns(query.sql).equal.map((column) => ({ column }));
  const measured = sort.table && sort.keys.length > 0 && equal.length > 0;
  return { operation: { ...sort, plan, advice: measured ? await measure(sort.table!, [...equal, ...sort.keys]) : undefined } };
}

/**
 * A condition on a function or cast of a column (`lower(email) = $1`) in a sequential scan, where
 * the table has an index led by the bare column, which such a condition cannot use; with the
 * index on the expression measured when the table is sized. A table with an index on an
 * expression is left alone: it may be the one the condition needs.
 */
async function hiddenIndex(
  db: ShadowDatabase,
  query: CollectedQuery,
  plan: PlanNode,
  at: { sized: TableSizing['sized']; options: PlanOptions },
): Promise<Pick<QueryPlanning, 'hidden'>> {
  const hidden = hiddenColumn(plan);
  if (!hidden) return {};
  const relation = hidden.table.split('.').map(quoteIdentifier).join('.');
  const { rows } = await db.query(
    'SELECT c.relname AS index FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid ' +
      'JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] ' +
      `WHERE i.indrelid = ${sqlLiteral(relation)}::pg_catalog.regclass AND a.attname = ${sqlLiteral(hidden.column)} ` +
      'AND NOT EXISTS (SELECT FROM pg_catalog.pg_index e WHERE e.indrelid = i.indrelid AND e.indexprs IS NOT NULL) ORDER BY 1 LIMIT 1',
  );
  const index = rows[0]?.index;
  if (index === undefined) return {};
  const table = at.sized.find((t) => t.name === hidden.table);
  const key = { column: hidden.column, expression: hidden.expression };
  const advice = table ? await measureIndex(db, query, table, [key], plan['Total Cost'], at.options).catch(notIndexable) : undefined;
  return { hidden: { ...hidden, index: String(index), plan, advice } };
}

/** An expression PostgreSQL refuses to index (a function that is not IMMUTABLE: `timestamptz::date`). */
function notIndexable(error: unknown): undefined {
  if (error instanceof ShadowStatementError) return undefined;
  throw error;
}
