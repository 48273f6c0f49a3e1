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
  withoutFinalNewline,
} from './common.ts';
import type { ReportOptions } from './types.ts';

/**
 * A backtick fence for a fenced code block holding `code`: one backtick longer than the longest
 * run of backticks inside it, and never shorter than three.
 */
export function fenceFor(code: string): string {
  let longest = 0;
  for (const run of code.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(Math.max(3, longest + 1));
}

/** `code` as a fenced block with an info string, e.g. ```sql … ```. */
export function fencedBlock(code: string, info = ''): string {
  const fence = fenceFor(code);
  return `${fence}${info}\n${withoutFinalNewline(code)}\n${fence}`;
}

/**
 * Text made safe for one GFM table cell: `|` escaped, line breaks turned into `<br>`, HTML
 * special characters escaped so a message can't open a tag and swallow the rest of the comment.
 */
export function escapeTableCell(text: string): string {
  return escapeHtml(text)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, '<br>')
    .trim();
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Code span around `text`, with a backtick run longer than any inside it. */
function codeSpan(text: string): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const ticks = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

const SEVERITY_ICON = { error: '🛑', warning: '⚠️', notice: 'ℹ️' } as const;

/**
 * Markdown for a pull-request comment or a job summary: a heading with the verdict, a table of
 * findings, then a collapsible section per finding that has a detail or a fix. Ends with a newline.
 */
export function formatMarkdown(review: Review, options: ReportOptions): string {
  const out: string[] = [];
  out.push(`## ${verdict(review)}`, '');
  out.push(
    `Reviewed ${plural(review.migrations.length, 'migration')} for PostgreSQL ${review.postgresVersion}` +
      ` with db-review ${escapeHtml(options.toolVersion)}.`,
  );

  const findings = sortFindings(review.findings);
  if (findings.length === 0) return out.join('\n') + '\n';

  out.push('', '| Location | Severity | Rule | Message |', '| --- | --- | --- | --- |');
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
    if (f.detail === undefined && f.fix === undefined) continue;
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
    out.push('', '</details>');
  }
  return out.join('\n') + '\n';
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
