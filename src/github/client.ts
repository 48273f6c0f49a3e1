import { ProbotOctokit } from 'probot';
import type { GitHubClient } from './types.ts';

/**
 * A client authenticated with a token (a user's, or a workflow's GITHUB_TOKEN), with Probot's
 * plugins: pagination, config files, retries of 5xx and rate limits. `GITHUB_API_URL` points it
 * at GitHub Enterprise Server (GitHub Actions sets it on every runner).
 */
export function tokenClient(token: string, env: NodeJS.ProcessEnv): GitHubClient {
  return new ProbotOctokit({ auth: { token }, ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL.replace(/\/+$/, '') } : {}) });
}
