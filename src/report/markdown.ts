import type { Finding } from '../findings.ts';
import type { Review } from '../review-types.ts';
import {
  countsPhrase,
  endLineOf,
  failHint,
  plural,
  ruleMeta,
  sortFindings,
  totalCount,
} from './common.ts';
import { codeSpan, escapeHtml, escapeTableCell, fencedBlock } from './markdown-syntax.ts';
import { querySection } from './query-summary.ts';
import { schemaChangesSection } from './schema-summary.ts';
import type { ReportOptions } from './types.ts';
import { adviceSection, findingAdviceParts } from './advice.ts';

const SEVERITY_ICON = { error: '🛑', warning: '⚠️', notice: 'ℹ️' } as const;

/**
 * Markdown for a pull-request comment or a job summary: a heading with the verdict, a table of
 * findings, then a collapsible section per finding that has a detail or a fix, then the queries
 * the change writes and the schema changes the shadow database saw. Ends with a newline.
 */
export function formatMarkdown(review: Review, options: ReportOptions): string {
  const out: string[] = [];
  out.push(`## ${verdict(review)}`, '');
  out.push(
    `Reviewed ${plural(review.migrations.length, 'migration')}${review.queries.length ? ` and ${plural(review.queries.length, 'query', 'queries')}` : ''} for PostgreSQL ${review.postgresVersion}` +
      ` with db-review ${escapeHtml(options.toolVersion)}.`,
  );

  const findings = sortFindings(review.findings);
  if (findings.length > 0) out.push(...findingLines(findings, options));
  if (review.queries.length > 0) out.push('', ...querySection(review.queries, findings, review.assumedSizes));
  if (review.schemaChanges) out.push('', ...schemaChangesSection(review.schemaChanges));
  if (review.advice) out.push('', ...adviceSection(review, "in the findings' details"));
  return out.join('\n') + '\n';
}

/** The findings table, then a collapsible section per finding that has a detail or a fix. */
export function findingLines(findings: Finding[], options: ReportOptions): string[] {
  const out = ['', '| Location | Severity | Rule | Message |', '| --- | --- | --- | --- |'];
  for (const f of findings) {
    const help = ruleMeta(options.rulesMeta, f.rule)?.helpUri;
    const rule = help
      ? `[${escapeTableCell(f.rule)}](${linkTarget(help)})`
      : escapeTableCell(f.rule);
    out.push(
      `| ${escapeTableCell(location(f))} | ${SEVERITY_ICON[f.severity]} ${f.severity} | ${rule} | ${escapeTableCell(f.message)} |`,
    );
  }

  for (const f of findings) {
    if (f.detail === undefined && f.fix === undefined && f.advice === undefined) continue;
    out.push('', '<details>');
    out.push(
      `<summary>${SEVERITY_ICON[f.severity]} <code>${escapeHtml(f.rule)}</code> at ` +
        `${escapeHtml(location(f))}: ${escapeHtml(oneLine(f.message))}</summary>`,
    );
    if (f.detail !== undefined && f.detail.trim() !== '') {
      // Drop surrounding blank lines only: leading indentation can be meaningful markdown.
      out.push('', f.detail.replace(/^(?:[ \t]*\r?\n)+/, '').trimEnd());
    }
    if (f.fix) {
      const lines =
        f.fix.startLine === f.fix.endLine
          ? `line ${f.fix.startLine}`
          : `lines ${f.fix.startLine}–${f.fix.endLine}`;
      out.push('', `Suggested replacement for ${lines} of ${codeSpan(f.path)}:`);
      out.push('', fencedBlock(f.fix.replacement, 'sql'));
    }
    for (const part of findingAdviceParts(f, false)) out.push('', part);
    out.push('', '</details>');
  }
  return out;
}

function verdict(review: Review): string {
  const hint = failHint(review);
  const found = totalCount(review.counts) === 0 ? 'no findings' : countsPhrase(review.counts);
  switch (review.conclusion) {
    case 'failure':
      return `❌ db-review: ${found}${hint ? ` (${hint})` : ''}`;
    case 'success':
      return `✅ db-review: ${found}`;
    case 'neutral':
      return `⚪ db-review: ${found}`;
  }
}

function location(f: Finding): string {
  const end = endLineOf(f);
  return end > f.line ? `${f.path}:${f.line}-${end}` : `${f.path}:${f.line}`;
}

function linkTarget(uri: string): string {
  return /[\s()<>]/.test(uri) ? `<${uri.replace(/[<>]/g, encodeURIComponent)}>` : uri;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
