import type { Config } from '../config/index.ts';
import type { PipelineOptions } from '../pipeline.ts';
import { plural } from '../report/common.ts';
import type { ReportOptions } from '../report/types.ts';
import { SourceError } from '../source/directory.ts';
import { tokenClient } from './client.ts';
import { githubErrorReason, githubStatus } from './errors.ts';
import { postToPullRequest } from './publish.ts';
import { fetchPullRequest, pullRequestRef, type RepositoryName } from './pull-request-ref.ts';
import { loadRepoConfig, repositoryConfigReader } from './repo-config.ts';
import { reviewPullRequest, type PullRequestReview } from './review-pull-request.ts';
import { tokenLogin } from './token-login.ts';

/** A pull request named on the command line (`db-review check --pr`). */
export interface PullRequestTarget extends RepositoryName {
  number: number;
}

const NAME = '[A-Za-z0-9_.-]+';
const SHORT_FORM = new RegExp(`^(${NAME})/(${NAME})#(\\d+)$`);
/** Any host, so that GitHub Enterprise Server's addresses work too. */
const URL_FORM = new RegExp(`^https?://[^/]+/(${NAME})/(${NAME})/pull/(\\d+)(?:[/?#].*)?$`);

/** `owner/repo#N` or `https://github.com/owner/repo/pull/N`; undefined for anything else. */
export function parsePullRequestTarget(spec: string): PullRequestTarget | undefined {
  const match = SHORT_FORM.exec(spec) ?? URL_FORM.exec(spec);
  if (!match) return undefined;
  const number = Number(match[3]);
  return number > 0 ? { owner: match[1]!, repo: match[2]!, number } : undefined;
}

export interface GitHubPullRequest {
  /** "owner/repo#N". */
  name: string;
  /** The repository's config, from its default branch, as the app reads it. */
  loadConfig(): Promise<Config>;
  review(config: Config, options: PipelineOptions): Promise<PullRequestReview>;
  /**
   * Posts the review's inline comments and the summary comment, as the token's user. Returns
   * what was posted, one line each, and what GitHub refused.
   */
  post(review: PullRequestReview, report: ReportOptions): Promise<{ posted: string[]; refused: string[] }>;
}

/**
 * Fetches the pull request with `GITHUB_TOKEN` (at `GITHUB_API_URL` when set). Without a token,
 * and whenever GitHub refuses a request, throws `SourceError` saying which.
 */
export async function openPullRequest(target: PullRequestTarget, env: NodeJS.ProcessEnv): Promise<GitHubPullRequest> {
  const token = env.GITHUB_TOKEN?.trim();
  if (!token) {
    throw new SourceError('--pr needs a GitHub token that can read the repository in GITHUB_TOKEN (for example GITHUB_TOKEN=$(gh auth token))');
  }
  const client = tokenClient(token, env);
  const repository = { owner: target.owner, repo: target.repo };
  const name = `${target.owner}/${target.repo}#${target.number}`;
  const fromGitHub = async <T>(doing: string, work: () => Promise<T>, whenNotFound = ''): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      const status = githubStatus(error);
      if (status === undefined) throw error;
      throw new SourceError(`${name}: GitHub refused ${doing}: ${githubErrorReason(error)}${status === 404 ? whenNotFound : ''}`);
    }
  };
  const pull = await fromGitHub(
    'the pull request',
    () => fetchPullRequest(client, repository, target.number),
    ' (no such pull request, or the token cannot see the repository)',
  );
  const pr = pullRequestRef(repository, pull);
  return {
    name,
    loadConfig: () => fromGitHub('the config', () => loadRepoConfig(repositoryConfigReader(client, repository))),
    review: (config, options) =>
      fromGitHub('the files', () => reviewPullRequest(client, pr, config, { ...options, changedFiles: pull.changed_files })),
    post: async ({ result, patches }, report) => {
      const botLogin = await fromGitHub('the token\'s user', () => tokenLogin(client));
      const { review, summary, refused } = await postToPullRequest(client, pr, result, { botLogin, report, patches });
      const posted = [
        ...(review ? [`${name}: ${reviewPhrase(review.posted, review.alreadyPosted)}`] : []),
        ...(summary ? [`${name}: ${summary === 'unchanged' ? 'the summary comment is up to date' : `${summary} the summary comment`}`] : []),
      ];
      return { posted, refused: refused.map(({ what, reason }) => `${what} could not be posted (${reason})`) };
    },
  };
}

function reviewPhrase(posted: number, alreadyPosted: number): string {
  if (posted > 0) return `posted a review with ${plural(posted, 'inline comment')}`;
  return alreadyPosted > 0 ? 'no review posted: every inline comment was posted before' : 'no review posted: no finding is on a changed line';
}
