import { createHash } from 'node:crypto';
import type { Finding } from '../findings.ts';
import { findingAdviceParts, suggestedFix } from '../report/advice.ts';
import { endLineOf, plural, ruleMeta } from '../report/common.ts';
import { codeSpan, fencedBlock } from '../report/markdown-syntax.ts';
import type { ReportOptions } from '../report/types.ts';
import { commentableLines, type CommentableLines } from './diff-lines.ts';
import { COMMENT_BODY_LIMIT, fitMarkdown } from './limits.ts';
import type { GitHubClient, PullRequestRef } from './types.ts';

/** One inline comment of a review, on the head side of the diff. */
export interface ReviewComment {
  path: string;
  /** The last line of the range (the only line for a one-line comment). */
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
  body: string;
}

export interface ReviewPlan {
  comments: ReviewComment[];
  /** Findings on no line of the diff: left to the check run and the summary comment. */
  offDiff: Finding[];
}

export interface ReviewCommentsResult {
  /** Inline comments posted in this run's review; 0 when no review was posted. */
  posted: number;
  /** Comments skipped because an earlier run already made them. */
  alreadyPosted: number;
  /** Findings on no line of the diff. */
  offDiff: number;
}

/** Head-side path → the lines of its diff a comment may target. */
export type PullRequestDiff = ReadonlyMap<string, CommentableLines>;

const MARKER = /<!-- db-review:finding ([0-9a-f]+) -->/g;

const CUT_NOTE = "_Cut to fit GitHub's comment size limit; the check run has the rest._";

/**
 * Posts one review with an inline comment per finding on the pull request's diff that an
 * earlier run has not already commented (same path, line and finding marker, by `botLogin`).
 * Posts nothing when there is nothing new. `patches`: path → its unified diff, as pulls.listFiles gives it.
 */
export async function postReviewComments(
  client: GitHubClient,
  pr: PullRequestRef,
  findings: readonly Finding[],
  patches: ReadonlyMap<string, string | undefined>,
  options: { report: ReportOptions; botLogin: string },
): Promise<ReviewCommentsResult> {
  const posted = await postedComments(client, pr, options.botLogin);
  const diff = new Map([...patches].map(([path, patch]) => [path, commentableLines(patch)]));
  const plan = planReview(findings, diff, options.report);
  const fresh = plan.comments.filter((comment) => !posted.has(commentKey(comment)));
  const result = { posted: fresh.length, alreadyPosted: plan.comments.length - fresh.length, offDiff: plan.offDiff.length };
  if (fresh.length === 0) return result;
  await client.rest.pulls.createReview({
    owner: pr.owner,
    repo: pr.repo,
    pull_number: pr.number,
    commit_id: pr.headSha,
    event: 'COMMENT',
    body: reviewBody(fresh.length, plan.offDiff.length),
    comments: fresh,
  });
  return result;
}

/** Keys (path, line, marker) of the finding comments `botLogin` has made on the pull request. */
async function postedComments(client: GitHubClient, pr: PullRequestRef, botLogin: string): Promise<Set<string>> {
  const comments = await client.paginate(client.rest.pulls.listReviewComments, { owner: pr.owner, repo: pr.repo, pull_number: pr.number, per_page: 100 });
  return new Set(comments.filter((comment) => comment.user?.login === botLogin && comment.line != null).map(commentKey));
}

function commentKey(comment: { path: string; line?: number | null; body: string }): string {
  // The last marker: the body above it may quote the pull request's own text.
  const marker = [...comment.body.matchAll(MARKER)].at(-1)?.[1] ?? '';
  return `${comment.path}\0${comment.line}\0${marker}`;
}

/**
 * Where each finding's comment goes. A fix is a suggestion over exactly its lines, so the comment
 * spans them when they are on one hunk of the diff. Otherwise the comment spans the finding's lines
 * when both ends are on one hunk, or sits on the first of them that is on the diff; a finding on no
 * line of the diff gets no comment.
 */
export function planReview(findings: readonly Finding[], diff: PullRequestDiff, options: ReportOptions): ReviewPlan {
  const comments: ReviewComment[] = [];
  const offDiff: Finding[] = [];
  for (const finding of findings) {
    const lines = diff.get(finding.path);
    const fix = suggestedFix(finding);
    const suggestion = fix && lines && spanOnOneHunk(lines, fix.startLine, fix.endLine) ? fix : undefined;
    const anchor = suggestion
      ? { start: suggestion.startLine, end: suggestion.endLine }
      : lines && anchorOf(lines, finding.line, endLineOf(finding));
    if (!lines || !anchor) {
      offDiff.push(finding);
      continue;
    }
    const text = rangeText(lines, anchor.start, anchor.end);
    comments.push({
      path: finding.path,
      line: anchor.end,
      side: 'RIGHT',
      ...(anchor.start < anchor.end ? { start_line: anchor.start, start_side: 'RIGHT' as const } : {}),
      body: commentBody(finding, options, findingMarker(finding, text), suggestion !== undefined),
    });
  }
  return { comments, offDiff };
}

function spanOnOneHunk(lines: CommentableLines, start: number, end: number): boolean {
  const first = lines.get(start);
  const last = lines.get(end);
  return first !== undefined && last !== undefined && first.hunk === last.hunk;
}

function anchorOf(lines: CommentableLines, start: number, end: number): { start: number; end: number } | undefined {
  if (spanOnOneHunk(lines, start, end)) return { start, end };
  for (let line = start; line <= end; line++) if (lines.has(line)) return { start: line, end: line };
  return undefined;
}

function rangeText(lines: CommentableLines, start: number, end: number): string {
  const text: string[] = [];
  for (let line = start; line <= end; line++) text.push(lines.get(line)?.text ?? '');
  return text.join('\n');
}

/**
 * The hidden marker that tells a later run this finding was commented: a hash of the rule, the
 * path and the text of the lines commented on (the statement), so it survives lines moving.
 */
function findingMarker(finding: Finding, statementText: string): string {
  const hash = createHash('sha256').update(`${finding.rule}\0${finding.path}\0${statementText}`).digest('hex').slice(0, 16);
  return `<!-- db-review:finding ${hash} -->`;
}

/** Severity and rule, the message, the fix, the evidence and safe way, the rule's docs and how to suppress it. */
function commentBody(finding: Finding, options: ReportOptions, marker: string, asSuggestion: boolean): string {
  const parts = [`**${finding.severity} · ${finding.rule}**`, finding.message];
  if (finding.fix) {
    parts.push(
      asSuggestion
        ? fencedBlock(finding.fix.replacement, 'suggestion')
        : `Suggested replacement for ${lineSpan(finding.fix.startLine, finding.fix.endLine)}:\n\n${fencedBlock(finding.fix.replacement, 'sql')}`,
    );
  }
  if (finding.detail?.trim()) parts.push(finding.detail.trim());
  parts.push(...findingAdviceParts(finding, asSuggestion));
  const docs = ruleMeta(options.rulesMeta, finding.rule)?.helpUri;
  const suppress = `suppress with ${codeSpan(`-- db-review:ignore ${finding.rule} <reason>`)}`;
  parts.push(docs ? `[Rule docs](${docs}) · ${suppress}` : suppress);
  return `${fitMarkdown(parts.join('\n\n'), COMMENT_BODY_LIMIT - marker.length - 2, CUT_NOTE)}\n\n${marker}`;
}

function lineSpan(start: number, end: number): string {
  return start === end ? `line ${start}` : `lines ${start}–${end}`;
}

function reviewBody(posted: number, offDiff: number): string {
  const lines = [`**db-review**: ${plural(posted, 'new finding')} on the changed lines.`];
  if (offDiff > 0) {
    lines.push(`${plural(offDiff, 'finding is', 'findings are')} on lines outside this diff: see the summary comment and the check run.`);
  }
  return lines.join('\n\n');
}
