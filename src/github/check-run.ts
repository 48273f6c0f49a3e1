import { SEVERITY_RANK, type Finding, type Severity } from '../findings.ts';
import type { PipelineResult } from '../pipeline.ts';
import { countsPhrase, endLineOf, plural, totalCount } from '../report/common.ts';
import { formatMarkdown } from '../report/markdown.ts';
import type { ReportOptions } from '../report/types.ts';
import type { Conclusion, Review } from '../review-types.ts';
import { blocksTraffic, describeBlocked, LOCK_MODES, strongest, type LockMode } from '../sql/lock-modes.ts';
import { displayName } from '../sql/names.ts';
import { lockTimeline } from './lock-timeline.ts';
import { ANNOTATION_TEXT_LIMIT, ANNOTATIONS_PER_REQUEST, CHECK_SUMMARY_LIMIT, clipBytes, fitMarkdown } from './limits.ts';
import { migrationLabel, notesSection, shadowFooter } from './report-parts.ts';
import type { GitHubClient, PullRequestRef } from './types.ts';

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  /** Only for a finding on one line: GitHub rejects columns on a range of lines. */
  start_column?: number;
  end_column?: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  message: string;
  title: string;
  raw_details?: string;
}

export interface CheckRunBody {
  conclusion: Conclusion;
  title: string;
  summary: string;
  annotations: CheckAnnotation[];
}

const ANNOTATION_LEVEL: Record<Severity, CheckAnnotation['annotation_level']> = { error: 'failure', warning: 'warning', notice: 'notice' };

const CUT_NOTE = `_The report is cut here to fit GitHub's limit of ${CHECK_SUMMARY_LIMIT.toLocaleString('en-US')} characters; every finding is still annotated at its line._`;

/**
 * What the check run says about a review. `problems`: what could not be published elsewhere
 * (the review or the summary comment), said first in the summary.
 */
export function checkRunBody(result: PipelineResult, options: ReportOptions, problems: readonly string[] = []): CheckRunBody {
  const { review } = result;
  return {
    conclusion: review.migrations.length === 0 ? 'neutral' : review.conclusion,
    title: checkRunTitle(review),
    summary: checkRunSummary(result, options, problems),
    annotations: review.findings.map(annotation),
  };
}

/** "2 errors, 1 warning — 002_invoice_amount.sql would block reads and writes on invoices", the headline only when a finding's evidence shows it. */
export function checkRunTitle(review: Review): string {
  if (totalCount(review.counts) === 0) {
    return review.migrations.length === 0 ? 'No migration to review' : `No findings in ${plural(review.migrations.length, 'migration')}`;
  }
  const worst = worstObservedLock(review.findings);
  if (!worst) return countsPhrase(review.counts);
  const where = migrationLabel(worst.finding.path, review.migrations);
  return `${countsPhrase(review.counts)} — ${where} would block ${describeBlocked(worst.mode)} on ${displayName(worst.table)}`;
}

/** The traffic-blocking lock the shadow database saw behind a finding: the strongest, the most severe finding first among equals. */
function worstObservedLock(findings: readonly Finding[]): { finding: Finding; table: string; mode: LockMode } | undefined {
  let worst: { finding: Finding; table: string; mode: LockMode } | undefined;
  for (const finding of findings) {
    const locks = finding.evidence?.locks ?? [];
    for (const table of new Set(locks.map((lock) => lock.table))) {
      const mode = strongest(locks.filter((lock) => lock.table === table).map((lock) => lock.mode as LockMode));
      if (!mode || !blocksTraffic(mode)) continue;
      if (!worst || LOCK_MODES.indexOf(mode) > LOCK_MODES.indexOf(worst.mode) || (mode === worst.mode && SEVERITY_RANK[finding.severity] > SEVERITY_RANK[worst.finding.severity])) {
        worst = { finding, table, mode };
      }
    }
  }
  return worst;
}

/**
 * The markdown report, then the locks the shadow database saw, the notes and the shadow footer;
 * cut at a block boundary to GitHub's limit, the problems and the footer kept whole.
 */
export function checkRunSummary(result: PipelineResult, options: ReportOptions, problems: readonly string[] = []): string {
  const head = problems.map((problem) => `> ⚠️ ${problem}\n\n`).join('');
  const foot = `\n\n${shadowFooter(result.review)}\n`;
  const body = [
    formatMarkdown(result.review, options).trimEnd(),
    ...(result.trace ? [lockTimeline(result.trace, result.review.migrations).join('\n')] : []),
    ...(result.notes.length ? [notesSection(result.notes).join('\n')] : []),
  ].join('\n\n');
  return head + fitMarkdown(body, CHECK_SUMMARY_LIMIT - head.length - foot.length, CUT_NOTE).trimEnd() + foot;
}

function annotation(finding: Finding): CheckAnnotation {
  const endLine = endLineOf(finding);
  return {
    path: finding.path,
    start_line: finding.line,
    end_line: endLine,
    ...(finding.column !== undefined && endLine === finding.line ? { start_column: finding.column, end_column: finding.column } : {}),
    annotation_level: ANNOTATION_LEVEL[finding.severity],
    title: finding.rule,
    message: clipBytes(finding.message, ANNOTATION_TEXT_LIMIT),
    ...(finding.detail ? { raw_details: clipBytes(finding.detail, ANNOTATION_TEXT_LIMIT) } : {}),
  };
}

/**
 * Completes the check run: one update with the conclusion, the output and the first 50
 * annotations, then one more update per further 50 (GitHub appends the annotations of each update).
 */
export async function completeCheckRun(client: GitHubClient, pr: PullRequestRef, checkRunId: number, body: CheckRunBody): Promise<void> {
  const target = { owner: pr.owner, repo: pr.repo, check_run_id: checkRunId };
  const output = { title: body.title, summary: body.summary };
  const batches = chunks(body.annotations, ANNOTATIONS_PER_REQUEST);
  await client.rest.checks.update({
    ...target,
    status: 'completed',
    conclusion: body.conclusion,
    output: { ...output, ...(batches[0] ? { annotations: batches[0] } : {}) },
  });
  for (const annotations of batches.slice(1)) {
    await client.rest.checks.update({ ...target, output: { ...output, annotations } });
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
