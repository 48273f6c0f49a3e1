import { styleText } from 'node:util';
import { withoutControlCharacters } from '../control-characters.ts';
import type { Finding, Severity } from '../findings.ts';
import type { Review, ReviewAdvice, ShadowSummary } from '../review-types.ts';
import { adviceTally, missingAdviceLine } from './advice.ts';
import { columnOf, countsPhrase, failHint, groupByFile, plural, totalCount } from './common.ts';
import { schemaChangesLine } from './schema-summary.ts';
import type { ReportOptions } from './types.ts';

type Style = Parameters<typeof styleText>[0];
type SingleStyle = Exclude<Style, readonly unknown[]>;

const SEVERITY_STYLE: Record<Severity, SingleStyle> = { error: 'red', warning: 'yellow', notice: 'cyan' };

/**
 * Whether to colour output written to `stream`: only a TTY, and never when NO_COLOR is set to a
 * non-empty value (https://no-color.org) or TERM is "dumb". FORCE_COLOR forces colour on (any
 * value but "0"/"false") or off ("0"/"false"), whatever the stream and NO_COLOR.
 */
export function shouldColor(
  stream: Pick<NodeJS.WriteStream, 'isTTY'>,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/**
 * Terminal report: findings grouped by file and sorted by line, columns aligned within each
 * file, each followed by Claude's explanation and verified rewrite when it has them; then Claude's
 * data model review, the schema changes in one line (with a shadow database), and a summary line.
 * Ends with a newline. No escape codes unless `options.color`, and none from the reviewed content.
 */
export function formatText(review: Review, options: ReportOptions): string {
  const paint = (style: Style, text: string): string =>
    options.color && text !== '' ? styleText(style, text, { validateStream: false }) : text;

  const lines: string[] = [];
  for (const group of groupByFile(review.findings)) {
    const rows = group.findings.map((f) => ({
      finding: f,
      position: `${f.line}:${columnOf(f)}`,
      message: oneLine(f.message),
    }));
    const positionWidth = Math.max(...rows.map((r) => r.position.length));
    const severityWidth = Math.max(...rows.map((r) => r.finding.severity.length));
    const ruleWidth = Math.max(...rows.map((r) => r.finding.rule.length));

    lines.push(paint('underline', printable(group.path)));
    for (const row of rows) {
      const { severity, rule } = row.finding;
      lines.push(
        '  ' +
          paint('dim', row.position.padStart(positionWidth)) +
          '  ' +
          paint(SEVERITY_STYLE[severity], severity) +
          ' '.repeat(severityWidth - severity.length) +
          '  ' +
          paint('dim', rule) +
          ' '.repeat(ruleWidth - rule.length) +
          '  ' +
          row.message,
      );
      const indent = ' '.repeat(2 + positionWidth + 2);
      for (const line of findingAdviceLines(row.finding)) lines.push(paint('dim', indent + line));
    }
    lines.push('');
  }

  if (review.advice) lines.push(...adviceLines(review.advice), '');
  if (review.schemaChanges) lines.push(printable(schemaChangesLine(review.schemaChanges)));
  lines.push(summaryLine(review, paint));
  return lines.join('\n') + '\n';
}

function summaryLine(review: Review, paint: (style: Style, text: string) => string): string {
  const hint = failHint(review);
  const suffix = [hint, review.shadow ? shadowPhrase(review.shadow) : undefined].filter(Boolean).map((part) => ` (${part})`).join('');
  if (totalCount(review.counts) === 0) {
    const text = `✔ no findings in ${plural(review.migrations.length, 'migration')}`;
    return paint(review.conclusion === 'failure' ? 'red' : 'green', text) + suffix;
  }
  const worst: Severity =
    review.counts.error > 0 ? 'error' : review.counts.warning > 0 ? 'warning' : 'notice';
  const text = `✖ ${countsPhrase(review.counts)}`;
  return paint(['bold', SEVERITY_STYLE[worst]], text) + suffix;
}

/** "shadow: embedded PostgreSQL 18.6, base = 41 migrations (cached), 0.8 s". */
export function shadowPhrase(shadow: ShadowSummary): string {
  const major = Math.floor(shadow.serverVersion / 10000);
  const minor = shadow.serverVersion % 10000;
  const base = shadow.baseMigrations ? `, base = ${plural(shadow.baseMigrations, 'migration')}${shadow.baseCached ? ' (cached)' : ''}` : '';
  return `shadow: ${shadow.provider} PostgreSQL ${major}.${minor}${base}, ${(shadow.elapsedMs / 1000).toFixed(1)} s`;
}

/** A terminal row holds one line: line breaks and tabs become spaces, and control characters go. */
function oneLine(text: string): string {
  return printable(text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\t/g, ' ')).trim();
}

/** Claude's explanation of a finding, and its verified rewrite when the finding has no fix of its own. */
function findingAdviceLines(finding: Finding): string[] {
  const { advice } = finding;
  if (!advice) return [];
  const lines = prefixed('Claude: ', advice.explanation);
  if (advice.rewrite && !finding.fix) {
    const { startLine, endLine, replacement } = advice.rewrite;
    lines.push(`Rewrite of ${startLine === endLine ? `line ${startLine}` : `lines ${startLine}–${endLine}`}, verified on the shadow database:`);
    lines.push(...printable(replacement).trimEnd().split('\n').map((line) => `  ${line}`));
    if (advice.rewrite.laterSteps) lines.push(...prefixed('Later steps: ', advice.rewrite.laterSteps));
  }
  return lines;
}

function adviceLines(advice: ReviewAdvice): string[] {
  if (advice.missing) return [printable(missingAdviceLine(advice.missing))];
  const head = printable(`Claude (${advice.model}), advice only: the verdict comes from db-review's rules. ${adviceTally(advice, 'under the findings')}`);
  return advice.dataModel ? [head, ...prefixed('Data model: ', advice.dataModel).map((line) => `  ${line}`)] : [head];
}

/** `text` under `label`, its following lines indented to match. */
function prefixed(label: string, text: string): string[] {
  return printable(text).trim().split('\n').map((line, i) => (i === 0 ? label : ' '.repeat(label.length)) + line.trimEnd());
}

/** Tabs as two spaces, and no control character from the reviewed content. */
function printable(text: string): string {
  return withoutControlCharacters(text).replace(/\t/g, '  ');
}
