import type { Context } from 'probot';
import { cancelledEnding } from './check-run-endings.ts';
import { endCheckRun, startCheckRun } from './check-run-lifecycle.ts';
import { fetchPullRequest, pullRequestRef, type PullRequestFields, type RepositoryName } from './pull-request-ref.ts';
import { loadRepoConfig } from './repo-config.ts';
import type { ReviewQueue } from './review-queue.ts';
import { runReview, type ReviewServices } from './run-review.ts';

/** What starting a review uses of a webhook's context. */
export type EventContext = Pick<Context, 'id' | 'octokit' | 'log' | 'config'>;

/** Starts reviews of pull requests: the check run at once, the review itself in the queue. */
export class PullRequestReviews {
  constructor(
    private readonly queue: ReviewQueue,
    private readonly services: ReviewServices,
  ) {}

  /** Creates the in-progress check run and queues the review; returns without waiting for it. */
  async start(context: EventContext, repository: RepositoryName, pull: PullRequestFields): Promise<void> {
    const pr = pullRequestRef(repository, pull);
    const checkRunId = await startCheckRun(context.octokit, pr);
    const key = `${pr.owner}/${pr.repo}#${pr.number}`;
    const log = context.log.child({ pullRequest: key, headSha: pr.headSha, checkRunId });
    const request = { client: context.octokit, pr, checkRunId, changedFiles: pull.changed_files, loadConfig: () => loadRepoConfig(context), log };
    this.queue.add({
      key: key.toLowerCase(),
      run: (ticket) => runReview(request, ticket, this.services),
      cancelled: (reason, started) => endCheckRun(context.octokit, pr, checkRunId, cancelledEnding(reason, started)),
    });
    log.info('db-review queued the review');
  }

  /** Reviews the pull request again, at its current head. */
  async rerun(context: EventContext, repository: RepositoryName, number: number): Promise<void> {
    await this.start(context, repository, await fetchPullRequest(context.octokit, repository, number));
  }
}
