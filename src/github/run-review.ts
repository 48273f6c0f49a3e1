import type { Logger } from 'probot';
import type { Advisor } from '../llm/index.ts';
import { ConfigError, type Config } from '../config/index.ts';
import type { ReportOptions } from '../report/types.ts';
import { crashEnding, invalidConfigEnding } from './check-run-endings.ts';
import { endCheckRun } from './check-run-lifecycle.ts';
import type { FileCache } from './file-cache.ts';
import { publishReview } from './publish.ts';
import type { ReviewTicket } from './review-queue.ts';
import { reviewPullRequest } from './review-pull-request.ts';
import type { ShadowProviders } from './shadow-providers.ts';
import type { GitHubClient, PullRequestRef } from './types.ts';

/** One review of a pull request, whose check run is already in progress. */
export interface ReviewRequest {
  client: GitHubClient;
  pr: PullRequestRef;
  checkRunId: number;
  /** The pull request's `changed_files`, when known. */
  changedFiles?: number;
  /** The repository's config, from its default branch. */
  loadConfig(): Promise<Config>;
  log: Logger;
  /** Claude's part was asked for with `/db-review explain`. */
  explain?: boolean;
}

export interface ReviewServices {
  shadows: ShadowProviders;
  /** Migration files read by earlier reviews, so that a review reads mostly what its pull request changed. */
  files: FileCache;
  /** How findings are written: the rules' summaries and links, db-review's version. */
  report: ReportOptions;
  botLogin(): Promise<string>;
  /** Claude's explanations and verified rewrites; absent without ANTHROPIC_API_KEY. */
  advisor?: Advisor;
}

/**
 * Loads the config, reviews the pull request and publishes the review, unless a newer run took
 * the ticket away first. Whatever fails on the way completes the check run as `failure` with
 * what failed, so that it never stays in progress.
 */
export async function runReview(request: ReviewRequest, ticket: ReviewTicket, services: ReviewServices): Promise<void> {
  const { client, pr, checkRunId, log } = request;
  let stage = 'reading the config';
  try {
    const config = await request.loadConfig();
    stage = 'reviewing the migrations';
    const { result, patches } = await reviewPullRequest(client, pr, config, {
      shadow: services.shadows.for(config.shadow.extensions),
      changedFiles: request.changedFiles,
      cache: services.files,
      ...(services.advisor ? { advisor: services.advisor, explain: request.explain ?? false, budgetScope: `${pr.owner}/${pr.repo}`.toLowerCase() } : {}),
    });
    if (!ticket.claimPublish()) return;
    stage = 'publishing the review';
    const outcome = await publishReview(client, pr, checkRunId, result, {
      botLogin: await services.botLogin(),
      report: services.report,
      patches,
    });
    log.info({ conclusion: result.review.conclusion, counts: result.review.counts, problems: outcome.problems }, 'db-review published the review');
  } catch (error) {
    // A cancelled run's failure is expected (a shutdown closes the shadow under it) and not reported.
    const mayReport = ticket.claimPublish() || !ticket.cancelled;
    if (!mayReport) return;
    if (error instanceof ConfigError) {
      log.info({ problems: error.problems }, 'db-review config is invalid');
      await endCheckRun(client, pr, checkRunId, invalidConfigEnding(error));
      return;
    }
    log.error({ err: error }, `db-review failed while ${stage}`);
    await endCheckRun(client, pr, checkRunId, crashEnding(stage, error));
  }
}
