import type { A_Const, A_Expr, FuncCall, Node, TypeCast } from '@pgsql/types';
import { listOf, unwrap } from '../../sql/ast.ts';
import { readableIdentifier, stringValues } from '../../sql/names.ts';
import { columnOf, explainedCondition } from './explain-text.ts';
import { conjuncts, type PlanNode } from './index-advice.ts';

/** A condition of a sequential scan's filter that compares a function or a cast of a column, not the column. */
export interface HiddenColumn {
  /** `schema.table` of the scan. */
  table: string;
  column: string;
  /** The wrapped column as SQL, unqualified: `lower(email)`, `created_at::date`. */
  expression: string;
  /** The condition as EXPLAIN shows it. */
  condition: string;
}

/** The comparisons an index on a column would serve, were the column bare. */
const COMPARISONS = new Set(['=', '<', '>', '<=', '>=']);

/**
 * The first condition in the plan's sequential scans that compares a function of one column
 * (`lower(email)`), or a cast of it (`(created_at)::date`), with a value: an index on the column
 * cannot serve it.
 */
export function hiddenColumn(plan: PlanNode): HiddenColumn | undefined {
  if (plan['Node Type'] === 'Seq Scan' && plan.Filter) {
    const alias = plan.Alias ?? plan['Relation Name'] ?? '';
    for (const condition of conjuncts(explainedCondition(plan.Filter))) {
      const found = wrappedComparison(condition, alias);
      if (found) return { table: `${plan.Schema ?? 'public'}.${plan['Relation Name']}`, ...found, condition: plan.Filter };
    }
  }
  for (const child of plan.Plans ?? []) {
    const found = hiddenColumn(child);
    if (found) return found;
  }
  return undefined;
}

function wrappedComparison(condition: Node, alias: string): Pick<HiddenColumn, 'column' | 'expression'> | undefined {
  const expr = unwrap<A_Expr>(condition, 'A_Expr');
  if (expr?.kind !== 'AEXPR_OP' || !COMPARISONS.has(stringValues(expr.name)[0] ?? '')) return undefined;
  for (const [side, other] of [[expr.lexpr, expr.rexpr], [expr.rexpr, expr.lexpr]] as const) {
    const wrapped = wrappedColumn(side, alias);
    if (wrapped && !JSON.stringify(other ?? {}).includes('"ColumnRef"')) return wrapped;
  }
  return undefined;
}

/** `f(column, constants…)` or `column::type` as SQL, with the column it wraps. */
function wrappedColumn(node: Node | undefined, alias: string): Pick<HiddenColumn, 'column' | 'expression'> | undefined {
  const cast = unwrap<TypeCast>(node, 'TypeCast');
  if (cast) {
    const column = columnOf(cast.arg, alias);
    const type = stringValues(listOf(cast.typeName?.names)).filter((name) => name !== 'pg_catalog');
    return column && type.length > 0 ? { column, expression: `${readableIdentifier(column)}::${type.map(readableIdentifier).join('.')}` } : undefined;
  }
  const call = unwrap<FuncCall>(node, 'FuncCall');
  if (!call || call.agg_star || call.over) return undefined;
  const args = listOf(call.args);
  const columns = args.map((arg) => columnOf(arg, alias)).filter((c): c is string => c !== undefined);
  const constants = args.map((arg) => constantOf(arg));
  if (columns.length !== 1 || args.some((arg, i) => !columnOf(arg, alias) && constants[i] === undefined)) return undefined;
  const column = columns[0]!;
  const rendered = args.map((arg, i) => (columnOf(arg, alias) ? readableIdentifier(column) : constants[i]));
  const name = stringValues(listOf(call.funcname)).filter((part) => part !== 'pg_catalog').map(readableIdentifier).join('.');
  return { column, expression: `${name}(${rendered.join(', ')})` };
}

/** A string or number constant as SQL (EXPLAIN prints a typed constant as a cast: `'day'::text`). */
function constantOf(node: Node | undefined): string | undefined {
  const value = unwrap<A_Const>(unwrap<TypeCast>(node, 'TypeCast')?.arg ?? node, 'A_Const');
  if (!value) return undefined;
  if (value.sval) return `'${(value.sval.sval ?? '').replaceAll("'", "''")}'`;
  if (value.ival) return String(value.ival.ival ?? 0);
  return undefined;
}
