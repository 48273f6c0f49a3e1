import type { Finding } from '../findings.ts';
import type { ReviewedQuery } from '../review-types.ts';
import { escapeTableCell } from './markdown-syntax.ts';

/** The findings that point into a query: at a line from its first to its last. */
function findingsOf(query: ReviewedQuery, findings: Finding[]): Finding[] {
  return findings.filter((f) => f.path === query.path && f.line >= query.line && f.line <= query.endLine);
}

const cost = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

/**
 * The summary's query section: each query the change writes, the shape and estimated cost of
 * its plan after the migrations (at the size hints), and the rules that fired on it.
 */
export function querySection(queries: ReviewedQuery[], findings: Finding[]): string[] {
  if (queries.length === 0) return [];
  const lines = queries.map((query) => {
    const fired = [...new Set(findingsOf(query, findings).map((f) => f.rule))];
    const verdict = fired.length ? fired.map((rule) => `\`${rule}\``).join(', ') : query.plan ? 'ok' : 'not planned';
    const plan = query.plan ? escapeTableCell(query.plan.shape) : '—';
    const rows = Math.round(query.plan?.rows ?? 0);
    const estimate = query.plan ? `${cost(query.plan.cost)} (${rows.toLocaleString('en-US')} ${rows === 1 ? 'row' : 'rows'})` : '—';
    return `| ${escapeTableCell(`${query.path}:${query.line}`)} | ${plan} | ${estimate} | ${verdict} |`;
  });
  return ['### Queries', '', '| Query | Plan after the migrations | Estimated cost | Verdict |', '| --- | --- | --- | --- |', ...lines];
}
