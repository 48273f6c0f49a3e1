import { githubStatus } from './errors.ts';
import type { GitHubClient } from './types.ts';

/** Who a workflow's GITHUB_TOKEN posts as. */
export const ACTIONS_BOT = 'github-actions[bot]';

/**
 * The login a token posts as, whose earlier comments a review skips or edits. An installation
 * token cannot ask (GitHub answers 403): that is the workflow's GITHUB_TOKEN, which posts as
 * github-actions[bot].
 */
export async function tokenLogin(client: GitHubClient): Promise<string> {
  try {
    const { data } = await client.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    if (githubStatus(error) === 403) return ACTIONS_BOT;
    throw error;
  }
}
