import type { GitHubClient, PullRequestRef } from './types.ts';

/** The check run's name: the one to make a required status check. */
export const CHECK_NAME = 'db-review';

/**
 * Creates the in-progress check run on the pull request's head commit. Its `external_id` is the
 * pull request's number: check events of fork pull requests carry no pull request, and a re-run
 * finds it there.
 */
export async function startCheckRun(client: GitHubClient, pr: PullRequestRef): Promise<number> {
  const { data } = await client.rest.checks.create({
    owner: pr.owner,
    repo: pr.repo,
    name: CHECK_NAME,
    head_sha: pr.headSha,
    status: 'in_progress',
    external_id: String(pr.number),
  });
  return data.id;
}

/** How a check run ends when there is no review to publish. */
export interface CheckRunEnding {
  conclusion: 'failure' | 'cancelled' | 'skipped';
  title: string;
  summary: string;
}

export async function endCheckRun(client: GitHubClient, pr: PullRequestRef, checkRunId: number, ending: CheckRunEnding): Promise<void> {
  await client.rest.checks.update({
    owner: pr.owner,
    repo: pr.repo,
    check_run_id: checkRunId,
    status: 'completed',
    conclusion: ending.conclusion,
    output: { title: ending.title, summary: ending.summary },
  });
}
