import type { GitHubClient, PullRequestRef } from './types.ts';

/** The fields of a pull request (as webhooks and pulls.get give it) that a review needs. */
export interface PullRequestFields {
  number: number;
  draft?: boolean;
  changed_files?: number;
  base: { ref: string; sha: string };
  head: { sha: string };
}

export interface RepositoryName {
  owner: string;
  repo: string;
}

export function pullRequestRef(repository: RepositoryName, pull: PullRequestFields): PullRequestRef {
  return { ...repository, number: pull.number, baseRef: pull.base.ref, baseSha: pull.base.sha, headSha: pull.head.sha };
}

/** The pull request as it is now: a re-run reviews its current head. */
export async function fetchPullRequest(client: GitHubClient, repository: RepositoryName, number: number): Promise<PullRequestFields> {
  const { data } = await client.rest.pulls.get({ ...repository, pull_number: number });
  return data;
}

/**
 * The pull request a check run of db-review belongs to: its `external_id`, where db-review
 * writes the number, or else the pull requests GitHub lists (none for a fork's).
 */
export function pullRequestNumberOf(checkRun: { external_id: string | null; pull_requests: { number: number }[] }): number | undefined {
  return externalIdNumber(checkRun.external_id) ?? checkRun.pull_requests[0]?.number;
}

function externalIdNumber(externalId: string | null | undefined): number | undefined {
  if (!externalId || !/^[1-9]\d*$/.test(externalId)) return undefined;
  return Number(externalId);
}

/** The pull requests of a check suite: those GitHub lists, or else (a fork's) the `external_id`s of its db-review check runs. */
export async function pullRequestNumbersOfSuite(
  client: GitHubClient,
  repository: RepositoryName,
  suite: { id: number; pull_requests: { number: number }[] },
  checkName: string,
): Promise<number[]> {
  if (suite.pull_requests.length > 0) return unique(suite.pull_requests.map((pull) => pull.number));
  const runs = await client.paginate(client.rest.checks.listForSuite, { ...repository, check_suite_id: suite.id, check_name: checkName, per_page: 100 });
  return unique(runs.map((run) => externalIdNumber(run.external_id)).filter((n): n is number => n !== undefined));
}

function unique(numbers: number[]): number[] {
  return [...new Set(numbers)];
}
