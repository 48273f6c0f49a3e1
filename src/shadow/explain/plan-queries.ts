import type { CollectedQuery } from '../../queries/collect.ts';
import type { ShadowDatabase } from '../provider.ts';
import { adviseIndex, largeScan, type IndexAdvice, type LargeScan, type PlanNode } from './index-advice.ts';
import { planQuery, type PlanOptions, type PlanOutcome } from './plan.ts';
import { assumeTableSizes, type AssumedSize, type TableSizing } from './table-sizes.ts';

/** A query of the change, planned on the schema after the reviewed migrations, and before them when there are any. */
export interface QueryPlanning {
  query: CollectedQuery;
  before?: PlanOutcome;
  /** Absent when the shadow stopped at a time limit before it could plan the query. */
  after?: PlanOutcome;
  /** A large table the plan after reads whole under a selective filter, with the index measured to help. */
  scan?: LargeScan & { plan: PlanNode; advice?: IndexAdvice };
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
  scans: (QueryPlanning['scan'] | undefined)[];
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
  if (outcomes.some((outcome) => outcome?.kind === 'timed-out')) return { outcomes, scans: [], sizing };
  const scans: SizedPlans['scans'] = [];
  for (const [index, query] of queries.entries()) {
    const outcome = outcomes[index];
    const plan = outcome?.kind === 'planned' ? (outcome.plan as unknown as PlanNode) : undefined;
    const scan = plan && query.changed ? largeScan(plan, sizing.sized) : undefined;
    if (!plan || !scan) {
      scans.push(undefined);
      continue;
    }
    scans.push({ ...scan, plan, advice: scan.whole ? undefined : await adviseIndex(db, query, scan, plan['Total Cost'], nested) });
  }
  await db.query('ROLLBACK');
  await assumed.undo();
  return { outcomes, scans, sizing };
}
