import type { Finding } from '../findings.ts';
import type { AssumedTableSize, ReviewedQuery } from '../review-types.ts';
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
export function querySection(queries: ReviewedQuery[], findings: Finding[], sizes: AssumedTableSize[] = []): string[] {
  if (queries.length === 0) return [];
  const lines = queries.map((query) => {
    const fired = [...new Set(findingsOf(query, findings).map((f) => f.rule))];
    const verdict = fired.length ? fired.map((rule) => `\`${rule}\``).join(', ') : query.plan ? 'ok' : 'not planned';
    const plan = query.plan ? escapeTableCell(query.plan.shape) : '—';
    const rows = Math.round(query.plan?.rows ?? 0);
    const estimate = query.plan ? `${cost(query.plan.cost)} (${rows.toLocaleString('en-US')} ${rows === 1 ? 'row' : 'rows'})` : '—';
    return `| ${escapeTableCell(`${query.path}:${query.line}`)} | ${plan} | ${estimate} | ${verdict} |`;
  });
  const assumed = sizes.map(({ table, rows, source, columns }) => {
    const withColumns = columns > 0 ? `, with ${columns} ${columns === 1 ? "column's" : "columns'"} statistics` : '';
    return `\`${table.replace(/^public\./, '')}\` at ${rows.toLocaleString('en-US')} rows (${source}${withColumns})`;
  });
  const planned = assumed.length ? ['', `Planned with ${assumed.join(', ')}; other tables as the migrations leave them.`] : [];
  return ['### Queries', '', '| Query | Plan after the migrations | Estimated cost | Verdict |', '| --- | --- | --- | --- |', ...lines, ...planned];
}
