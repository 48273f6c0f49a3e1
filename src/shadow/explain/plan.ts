import type { ExtractedQuery } from '../../queries/types.ts';
import { parseSection } from '../../sql/parse.ts';
import type { Statement } from '../../sql/statement.ts';
import { ShadowStatementError, ShadowTimeoutError, type QueryResult, type ShadowDatabase } from '../provider.ts';

/** What PostgreSQL made of a query: the plan of EXPLAIN (FORMAT JSON), or why there is none. */
export type PlanOutcome =
  | { kind: 'planned'; plan: Record<string, unknown> }
  | { kind: 'failed'; message: string; code?: string; line: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'timed-out'; limitMs: number };

export interface PlanOptions {
  /** Why the query must not reach the shadow (the migrations' guard), or undefined. */
  refuse: (statement: Statement) => string | undefined;
  timeoutMs: number;
  /** Inside the caller's transaction: a savepoint is rolled back instead of a transaction. */
  nested?: boolean;
}

/** EXPLAIN's own option for planning a query whose parameters are unknown. */
const GENERIC_PLAN_SINCE = 160000;

let prepared = 0;

/**
 * Plans the query with its parameters unknown, as a prepared statement's generic plan: never
 * executes it, and only inside a transaction that is rolled back. PostgreSQL 16 and later say
 * `EXPLAIN (GENERIC_PLAN)`; before, the query is prepared and its generic plan forced. After
 * `timed-out` the database is gone.
 */
export async function planQuery(db: ShadowDatabase, query: ExtractedQuery, options: PlanOptions): Promise<PlanOutcome> {
  const statement = parseSection({ sql: query.sql, startLine: query.line, startColumn: 1 }, query.path).statements[0];
  const refusal = statement && options.refuse(statement);
  if (refusal) return { kind: 'refused', reason: refusal };
  const timeoutMs = options.timeoutMs;
  let name: string | undefined;
  let outcome: PlanOutcome;
  await db.query(options.nested ? 'SAVEPOINT db_review_plan' : 'BEGIN');
  try {
    let result: QueryResult;
    if (db.serverVersion >= GENERIC_PLAN_SINCE) {
      result = await sendQuery(db, 'EXPLAIN (FORMAT JSON, GENERIC_PLAN) ', query, timeoutMs);
    } else {
      await db.query('SET LOCAL plan_cache_mode = force_generic_plan');
      const statementName = `db_review_plan_${++prepared}`;
      await sendQuery(db, `PREPARE ${statementName} AS `, query, timeoutMs);
      name = statementName;
      const unknowns = query.parameters.length > 0 ? `(${query.parameters.map(() => 'NULL').join(', ')})` : '';
      result = await db.query(`EXPLAIN (FORMAT JSON) EXECUTE ${statementName}${unknowns}`, { timeoutMs });
    }
    outcome = { kind: 'planned', plan: planOf(result) };
  } catch (error) {
    if (error instanceof ShadowTimeoutError) return { kind: 'timed-out', limitMs: error.limitMs };
    if (!(error instanceof ShadowStatementError)) throw error;
    outcome = { kind: 'failed', message: error.message, code: error.code, line: lineAt(query, error.position) };
  }
  await db.query(options.nested ? 'ROLLBACK TO SAVEPOINT db_review_plan; RELEASE SAVEPOINT db_review_plan' : 'ROLLBACK');
  // A prepared statement outlives the transaction it was made in.
  if (name) await db.query(`DEALLOCATE ${name}`);
  return outcome;
}

/** Sends `prefix` and the query, with PostgreSQL's error position made relative to the query. */
async function sendQuery(db: ShadowDatabase, prefix: string, query: ExtractedQuery, timeoutMs: number): Promise<QueryResult> {
  try {
    return await db.query(prefix + query.sql, { timeoutMs });
  } catch (error) {
    if (!(error instanceof ShadowStatementError) || error.position === undefined) throw error;
    throw new ShadowStatementError(error.message, error.code, Math.max(0, error.position - prefix.length), error.detail, error.hint);
  }
}

/** The file line of a position in the query's SQL (its line breaks are the file's). */
function lineAt(query: ExtractedQuery, position: number | undefined): number {
  if (position === undefined) return query.line;
  return query.line + (query.sql.slice(0, position).match(/\n/g)?.length ?? 0);
}

function planOf(result: QueryResult): Record<string, unknown> {
  const value = Object.values(result.rows[0] ?? {})[0];
  const document = (typeof value === 'string' ? JSON.parse(value) : value) as Array<{ Plan: Record<string, unknown> }>;
  return document[0]!.Plan;
}
