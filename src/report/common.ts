import { SEVERITY_RANK } from '../findings.ts';
import type { Finding, Severity } from '../findings.ts';
import type { Review } from '../review-types.ts';

export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** "2 errors, 1 warning" — zero counts omitted; "" when all are zero. */
export function countsPhrase(counts: Record<Severity, number>): string {
  const parts: string[] = [];
  if (counts.error > 0) parts.push(plural(counts.error, 'error'));
  if (counts.warning > 0) parts.push(plural(counts.warning, 'warning'));
  if (counts.notice > 0) parts.push(plural(counts.notice, 'notice'));
  return parts.join(', ');
}

export function totalCount(counts: Record<Severity, number>): number {
  return counts.error + counts.warning + counts.notice;
}

/** The hint appended to a failing summary: "fails on error". */
export function failHint(review: Review): string | undefined {
  if (review.conclusion !== 'failure') return undefined;
  return review.failOn === 'never' ? 'failed' : `fails on ${review.failOn}`;
}

export function columnOf(finding: Finding): number {
  return finding.column ?? 1;
}

export function endLineOf(finding: Finding): number {
  return Math.max(finding.endLine ?? finding.line, finding.line);
}

/** Path, line, column, then most severe first, then rule id: a total, stable order. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareStrings(a.path, b.path) ||
    a.line - b.line ||
    columnOf(a) - columnOf(b) ||
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    compareStrings(a.rule, b.rule)
  );
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

/** Code-point order, independent of the locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Findings grouped by file, files in path order, each file's findings by line. */
export function groupByFile(findings: readonly Finding[]): Array<{ path: string; findings: Finding[] }> {
  const groups: Array<{ path: string; findings: Finding[] }> = [];
  for (const finding of sortFindings(findings)) {
    const last = groups.at(-1);
    if (last && last.path === finding.path) last.findings.push(finding);
    else groups.push({ path: finding.path, findings: [finding] });
  }
  return groups;
}

/** Strips one trailing line break, so whole-line replacements don't add an empty line. */
export function withoutFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** The registry's entry for a rule, or undefined (own keys only: "constructor" is no rule). */
export function ruleMeta(
  rulesMeta: Record<string, { summary: string; helpUri?: string }>,
  rule: string,
): { summary: string; helpUri?: string } | undefined {
  return Object.hasOwn(rulesMeta, rule) ? rulesMeta[rule] : undefined;
}
