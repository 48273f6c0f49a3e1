import type { Finding } from '../../findings.ts';
import type { PlanOutcome } from './plan.ts';
import { fencedBlock } from '../../report/markdown-syntax.ts';
import { compactPlan } from './compact-plan.ts';
import { LARGE_TABLE_ROWS } from '../evidence.ts';
import type { IndexAdvice, PlanNode } from './index-advice.ts';
import type { QueryPlanning } from './plan-queries.ts';

/** "could not determine data type of parameter": many clients send the types PostgreSQL could not infer here. */
const PARAMETER_TYPE_UNKNOWN = '42P18';

/**
 * What the query plans say: a query that planned before the change's migrations and fails after
 * them is broken by them, wherever it is in the files the change touches; one the change writes
 * that fails either way gets a warning, since the objects it names may come from outside the
 * migrations.
 */
export function queryPlanFindings(plannings: QueryPlanning[]): Finding[] {
  return plannings.flatMap((planning) => [...planFailures(planning), ...largeScans(planning), ...heavyOperations(planning), ...hiddenColumns(planning)]);
}

function heavyOperations({ query, operation }: QueryPlanning): Finding[] {
  if (!operation) return [];
  const at = { path: query.path, line: query.line, column: query.column, source: 'explain' as const };
  const detail = planDetail(operation.plan, operation.advice);
  const cost = `the query's estimated cost is ${costOf(operation.plan['Total Cost'])}`;
  if (operation.kind === 'join') {
    const advice = operation.advice;
    if (!advice) return [];
    return [
      {
        ...at,
        rule: 'query-join-without-index',
        severity: operation.table.rows >= LARGE_TABLE_ROWS ? 'error' : 'warning',
        message:
          `PostgreSQL joins \`${tableName(operation.table.name)}\` by reading all ${count(operation.table.rows)} of its rows (by the size hints) on every call, in a ${operation.join.toLowerCase()}: ${cost}. ` +
          `An index on its join key (${advice.columns.join(', ')}) lets it look up only the matching rows, at ${costOf(advice.after)} on the shadow database: \`${advice.statement}\``,
        detail,
      },
    ];
  }
  const what = operation.table ? ` of \`${tableName(operation.table.name)}\`` : '';
  const found = `PostgreSQL plans a sort of about ${count(operation.rows)} rows${what} (${bytes(operation.bytes)}, more than the ${bytes(operation.workMem)} of work_mem here: the sort goes to disk) on every call: ${cost}.`;
  const advice = operation.advice
    ? ` An index on (${operation.advice.columns.join(', ')}) returns them in order, at ${costOf(operation.advice.after)} on the shadow database: \`${operation.advice.statement}\``
    : ' No index in that order halves the cost on the shadow database: return fewer rows (LIMIT, and the last key seen for the next page), or sort fewer.';
  return [{ ...at, rule: 'query-sort-spills', severity: operation.rows >= LARGE_TABLE_ROWS ? 'error' : 'warning', message: found + advice, detail }];
}

function hiddenColumns({ query, hidden }: QueryPlanning): Finding[] {
  if (!hidden) return [];
  const found =
    `The filter \`${hidden.condition}\` compares \`${hidden.expression}\`, not \`${hidden.column}\` itself, so the index \`${hidden.index}\` on \`${hidden.column}\` cannot serve it ` +
    `and PostgreSQL reads \`${tableName(hidden.table)}\` with a sequential scan.`;
  const advice = hidden.advice
    ? ` An index on the expression brings the query from ${costOf(hidden.advice.before)} to ${costOf(hidden.advice.after)} on the shadow database: \`${hidden.advice.statement}\``
    : ` Compare the column itself (for a cast or a truncation, a range: \`${hidden.column} >= $1 AND ${hidden.column} < $2\`), or index the expression if PostgreSQL takes it (its functions must be IMMUTABLE).`;
  return [
    {
      rule: 'query-function-hides-index',
      severity: 'warning',
      path: query.path,
      line: query.line,
      column: query.column,
      message: found + advice,
      detail: planDetail(hidden.plan, hidden.advice),
      source: 'explain',
    },
  ];
}

const tableName = (name: string): string => name.replace(/^public\./, '');

function bytes(n: number): string {
  const mb = n / 1024 / 1024;
  return mb >= 1024 ? `about ${(mb / 1024).toFixed(1)} GB` : `about ${Math.max(1, Math.round(mb)).toLocaleString('en-US')} MB`;
}


function largeScans({ query, scan }: QueryPlanning): Finding[] {
  if (!scan) return [];
  const table = tableName(scan.table.name);
  const severity = scan.table.rows >= LARGE_TABLE_ROWS ? 'error' : 'warning';
  if (scan.whole) {
    const cost = `a sequential scan at an estimated cost of ${costOf(scan.plan['Total Cost'])}`;
    const aggregates = scan.plan['Node Type'] === 'Aggregate' && !('Group Key' in scan.plan);
    const message = aggregates
      ? `This query aggregates all ${count(scan.table.rows)} rows of \`${table}\` (by the size hints) on every call, ${cost}: keep the figure up to date as rows change (a counter table, a materialized view), read an estimate (\`pg_class.reltuples\`), or narrow it with a filter an index serves.`
      : `This query reads all ${count(scan.table.rows)} rows of \`${table}\` (by the size hints) on every call, ${cost}: ${
          scan.advice
            ? `an index in the order it wants (${scan.advice.columns.join(', ')}) reads only the rows it returns, at ${costOf(scan.advice.after)} on the shadow database: \`${scan.advice.statement}\``
            : 'filter it by an indexed column, or page it with LIMIT and the last key seen.'
        }`;
    return [{ rule: 'query-reads-whole-table', severity, path: query.path, line: query.line, column: query.column, message, detail: planDetail(scan.plan, scan.advice), source: 'explain' }];
  }
  const found = `PostgreSQL plans a sequential scan of \`${table}\` (${count(scan.table.rows)} rows by the size hints) that keeps about ${count(scan.keeps)} of them: the query's estimated cost is ${costOf(scan.plan['Total Cost'])}.`;
  const advice = scan.advice
    ? ` An index on (${scan.advice.columns.join(', ')}) brings it to ${costOf(scan.advice.after)} on the shadow database: \`${scan.advice.statement}\``
    : ' No index on the columns it filters by halves that cost on the shadow database: check the filter.';
  return [
    {
      rule: 'query-seq-scan',
      severity,
      path: query.path,
      line: query.line,
      column: query.column,
      message: found + advice,
      detail: planDetail(scan.plan, scan.advice),
      source: 'explain',
    },
  ];
}

/** The plans as evidence: the query's, and with the measured index. */
function planDetail(plan: PlanNode, advice: IndexAdvice | undefined): string {
  const plans = ['Plan at the size hints:', '', fencedBlock(compactPlan(plan))];
  if (advice) plans.push('', `With the index (\`${advice.statement}\`):`, '', fencedBlock(compactPlan(advice.plan)));
  return plans.join('\n');
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const costOf = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

function planFailures({ query, before, after }: QueryPlanning): Finding[] {
  const at = { path: query.path, source: 'explain' as const };
  if (after?.kind === 'refused' && query.changed) {
    return [{ ...at, rule: 'shadow-refused', severity: 'error', line: query.line, column: query.column, message: `Not planned on the shadow database: ${after.reason}` }];
  }
  if (after?.kind !== 'failed' || after.code === PARAMETER_TYPE_UNKNOWN) return [];
  const error = `${after.message}${after.code ? ` (SQLSTATE ${after.code})` : ''}`;
  if (before?.kind === 'planned') {
    return [
      {
        ...at,
        rule: 'query-broken-by-migration',
        severity: 'error',
        line: after.line,
        message: `This query plans on the schema before this change's migrations and fails after them: ${error}. The code that runs it fails once they are applied, and the version still serving during the deploy fails as soon as they are.`,
      },
    ];
  }
  if (!query.changed) return [];
  return [
    {
      ...at,
      rule: 'query-fails',
      severity: 'warning',
      line: after.line,
      message: `PostgreSQL cannot plan this query on the schema the migrations build: ${error}.${notPlannedBefore(before)}`,
    },
  ];
}

function notPlannedBefore(before: PlanOutcome | undefined): string {
  return before?.kind === 'failed' ? ' It fails on the schema before this change too.' : '';
}
