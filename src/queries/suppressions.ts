import type { Finding } from '../findings.ts';
import { readSuppressions, type Suppression } from '../lint/suppressions.ts';
import type { ExtractedQuery } from './types.ts';

/** A query file's `db-review:ignore` comments, whatever its comment syntax (`--`, `//`, `#`, a block comment). */
export interface QuerySuppressions {
  path: string;
  suppressions: Suppression[];
}

/** How far below an `ignore` comment the query it silences may start: the call can open a line or two before the SQL. */
const REACH_LINES = 3;

/** The `db-review:ignore` and `db-review:ignore-file` comments of a file's text. */
export function readQuerySuppressions(path: string, text: string): QuerySuppressions | undefined {
  if (!text.includes('db-review:ignore')) return undefined;
  const lines = text.split('\n').flatMap((line, index) => (line.includes('db-review:ignore') ? [{ text: line.replace(/\s*\*\/.*$/, ''), line: index + 1 }] : []));
  const suppressions = readSuppressions(lines);
  return suppressions.length > 0 ? { path, suppressions } : undefined;
}

/**
 * The findings less those a suppression silences in a query file: an `ignore` comment silences
 * its rules for the first query that starts on its line or within the three lines below it, an
 * `ignore-file` comment anywhere for every query of the file. A finding belongs to the query
 * whose lines it points into.
 */
export function withoutSuppressedQueryFindings(findings: Finding[], queries: ExtractedQuery[], files: QuerySuppressions[]): Finding[] {
  const silenced = silencedRules(queries, files);
  return findings.filter((finding) => {
    const query = queries.find((q) => q.path === finding.path && finding.line >= q.line && finding.line <= q.endLine);
    return !query || !silenced.get(query)?.has(finding.rule);
  });
}

function silencedRules(queries: ExtractedQuery[], files: QuerySuppressions[]): Map<ExtractedQuery, Set<string>> {
  const silenced = new Map<ExtractedQuery, Set<string>>();
  for (const { path, suppressions } of files) {
    const inFile = queries.filter((q) => q.path === path).sort((a, b) => a.line - b.line || a.column - b.column);
    const fileWide = suppressions.filter((s) => s.scope === 'file').flatMap((s) => s.rules);
    for (const query of inFile) silenced.set(query, new Set(fileWide));
    for (const suppression of suppressions.filter((s) => s.scope === 'statement')) {
      const next = inFile.find((q) => q.line >= suppression.line);
      if (next && next.line - suppression.line <= REACH_LINES) for (const rule of suppression.rules) silenced.get(next)!.add(rule);
    }
  }
  return silenced;
}
