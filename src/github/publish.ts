import type { PipelineResult } from '../pipeline.ts';
import type { ReportOptions } from '../report/types.ts';
import { checkRunBody, completeCheckRun } from './check-run.ts';
import { githubErrorReason } from './errors.ts';
import { postReviewComments, type ReviewCommentsResult } from './review-comments.ts';
import { stickySummaryBody, upsertStickySummary, type StickySummaryUpdate } from './sticky-summary.ts';
import type { GitHubClient, PullRequestRef } from './types.ts';

export interface PublishOptions {
  /** Who the client posts as (the app's bot user, "db-review[bot]"): only its comments count as ours, to skip or to edit. */
  botLogin: string;
  report: ReportOptions;
  /** Path → the unified diff pulls.listFiles gave for it (undefined: none, binary or too large). */
  patches: ReadonlyMap<string, string | undefined>;
}

export interface PullRequestPosts {
  /** Absent when the review could not be posted. */
  review?: ReviewCommentsResult;
  /** Absent when the summary comment could not be posted. */
  summary?: StickySummaryUpdate;
  /** What GitHub refused, in the order it was tried. */
  refused: RefusedPost[];
}

export interface RefusedPost {
  /** "The review with inline comments", "The summary comment". */
  what: string;
  /** "HTTP 403: Resource not accessible by integration". */
  reason: string;
}

export interface PublishOutcome extends Omit<PullRequestPosts, 'refused'> {
  /** What could not be posted, as the check run's summary says it. */
  problems: string[];
}

/**
 * Publishes a review: completes the check run (conclusion, summary, annotations), then posts to
 * the pull request. A review or comment GitHub refuses (a fork's read-only token, a line it will
 * not take) does not stop the rest; the check run's summary then says what could not be posted.
 * Failing to complete the check run throws.
 */
export async function publishReview(
  client: GitHubClient,
  pr: PullRequestRef,
  checkRunId: number,
  result: PipelineResult,
  options: PublishOptions,
): Promise<PublishOutcome> {
  await completeCheckRun(client, pr, checkRunId, checkRunBody(result, options.report));
  const { refused, ...posted } = await postToPullRequest(client, pr, result, options);
  const problems = refused.map(({ what, reason }) => `${what} could not be posted (${reason}); the findings are all in this check run.`);
  if (problems.length) {
    // The annotations are already there: this update only replaces the summary.
    await completeCheckRun(client, pr, checkRunId, { ...checkRunBody(result, options.report, problems), annotations: [] });
  }
  return { ...posted, problems };
}

/**
 * Posts the inline comments as one pull-request review, and edits or creates the summary comment.
 * What GitHub refuses is returned, not thrown, so that one refusal does not stop the other post.
 */
export async function postToPullRequest(client: GitHubClient, pr: PullRequestRef, result: PipelineResult, options: PublishOptions): Promise<PullRequestPosts> {
  const refused: RefusedPost[] = [];
  const attempt = async <T>(what: string, post: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await post();
    } catch (error) {
      refused.push({ what, reason: githubErrorReason(error) });
      return undefined;
    }
  };
  const review = await attempt('The review with inline comments', () =>
    postReviewComments(client, pr, result.review.findings, options.patches, options),
  );
  const summary = await attempt('The summary comment', () =>
    upsertStickySummary(client, pr, stickySummaryBody(result, options.report), options.botLogin),
  );
  return { ...(review ? { review } : {}), ...(summary ? { summary } : {}), refused };
}
