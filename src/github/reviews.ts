import type { Context } from 'probot';
import { cancelledEnding } from './check-run-endings.ts';
import { endCheckRun, startCheckRun } from './check-run-lifecycle.ts';
import { fetchPullRequest, pullRequestRef, type PullRequestFields, type RepositoryName } from './pull-request-ref.ts';
import { loadRepoConfig } from './repo-config.ts';
import type { ReviewQueue } from './review-queue.ts';
import { runReview, type ReviewServices } from './run-review.ts';

/** A review on its way: the check run settles once GitHub has created it (or refused to). */
export interface StartedReview {
  checkRun: Promise<number>;
}

/** What starting a review uses of a webhook's context. */
export type EventContext = Pick<Context, 'id' | 'octokit' | 'log' | 'config'>;

/** Starts reviews of pull requests: the check run at once, the review itself in the queue. */
export class PullRequestReviews {
  constructor(
    private readonly queue: ReviewQueue,
    private readonly services: ReviewServices,
  ) {}

  /**
   * Sends the request for the in-progress check run and queues the review; returns without
   * waiting for either. GitHub wants an installation's writes a second apart (Probot's Octokit
   * queues them so), so waiting for the check run could keep the webhook's answer for seconds.
   */
  start(context: EventContext, repository: RepositoryName, pull: PullRequestFields, asked: { explain?: boolean } = {}): StartedReview {
    const pr = pullRequestRef(repository, pull);
    const key = `${pr.owner}/${pr.repo}#${pr.number}`;
    const log = context.log.child({ pullRequest: key, headSha: pr.headSha });
    const checkRun = startCheckRun(context.octokit, pr);
    // Its failure is reported by the job that waits for it; this only keeps it from going unhandled meanwhile.
    checkRun.catch(() => undefined);
    const request = { client: context.octokit, pr, changedFiles: pull.changed_files, loadConfig: () => loadRepoConfig(context), log, ...asked };
    this.queue.add({
      key: key.toLowerCase(),
      run: async (ticket) => runReview({ ...request, checkRunId: await checkRun }, ticket, this.services),
      cancelled: async (reason, started) => endCheckRun(context.octokit, pr, await checkRun, cancelledEnding(reason, started)),
    });
    log.info('db-review queued the review');
    return { checkRun };
  }

  /** Reviews the pull request again, at its current head; `explain`: with Claude's part even when `llm.mode` is on-demand. */
  async rerun(context: EventContext, repository: RepositoryName, number: number, asked: { explain?: boolean } = {}): Promise<StartedReview> {
    return this.start(context, repository, await fetchPullRequest(context.octokit, repository, number), asked);
  }
}
