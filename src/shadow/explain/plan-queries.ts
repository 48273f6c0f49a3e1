import type { CollectedQuery } from '../../queries/collect.ts';
import type { ShadowDatabase } from '../provider.ts';
import { planQuery, type PlanOptions, type PlanOutcome } from './plan.ts';

/** A query of the change, planned on the schema after the reviewed migrations, and before them when there are any. */
export interface QueryPlanning {
  query: CollectedQuery;
  before?: PlanOutcome;
  /** Absent when the shadow stopped at a time limit before it could plan the query. */
  after?: PlanOutcome;
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
