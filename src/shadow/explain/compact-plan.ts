import type { PlanNode } from './index-advice.ts';

/** A plan node's fields shown besides its type, in this order. */
const SHOWN = ['Index Cond', 'Recheck Cond', 'Hash Cond', 'Merge Cond', 'Join Filter', 'Filter', 'Sort Key', 'Group Key'] as const;

/**
 * The plan as EXPLAIN's text format shows it, shortened: one line per node with what it reads,
 * its estimated cost and rows, then its conditions, children indented under it.
 */
export function compactPlan(plan: PlanNode, depth = 0): string {
  const node = plan as PlanNode & Record<string, unknown>;
  const indent = '  '.repeat(depth);
  const on = node['Relation Name'] ? ` on ${node['Relation Name']}${node.Alias && node.Alias !== node['Relation Name'] ? ` ${node.Alias}` : ''}` : '';
  const using = node['Index Name'] ? ` using ${String(node['Index Name'])}` : '';
  const lines = [`${indent}${depth > 0 ? '-> ' : ''}${node['Node Type']}${using}${on}  (cost=${String(node['Startup Cost'])}..${node['Total Cost']} rows=${node['Plan Rows']})`];
  for (const field of SHOWN) {
    const value = node[field];
    if (value !== undefined) lines.push(`${indent}${depth > 0 ? '   ' : ''}  ${field}: ${Array.isArray(value) ? value.join(', ') : String(value)}`);
  }
  for (const child of plan.Plans ?? []) lines.push(compactPlan(child, depth + 1));
  return lines.join('\n');
}

/**
 * The plan in a few words: its scans (`Seq Scan on orders`, `Index Scan using orders_pkey on
 * orders`), after the top node when that is not the only scan (`Hash Join: …`).
 */
export function planShape(plan: PlanNode): string {
  const scans: string[] = [];
  const visit = (node: PlanNode & Record<string, unknown>): void => {
    if (node['Relation Name']) scans.push(`${node['Node Type']}${node['Index Name'] ? ` using ${String(node['Index Name'])}` : ''} on ${node['Relation Name']}`);
    for (const child of node.Plans ?? []) visit(child as PlanNode & Record<string, unknown>);
  };
  visit(plan as PlanNode & Record<string, unknown>);
  if (scans.length === 1 && plan['Relation Name']) return scans[0]!;
  return scans.length ? `${plan['Node Type']}: ${scans.join(', ')}` : plan['Node Type'];
}
