import type { ProbotOctokit } from 'probot';

/** The authenticated GitHub client of one installation. */
export type GitHubClient = InstanceType<typeof ProbotOctokit>;

/** The pull request a review is about, at the commits it was run for. */
export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  /** The base branch's name and the merge base the diff is against. */
  baseRef: string;
  baseSha: string;
  headSha: string;
}
