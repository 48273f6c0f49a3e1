import { readFileSync } from 'node:fs';
import type { PullRequestEvent } from '@octokit/webhooks-types';
import { ActionInputError } from './inputs.ts';

/** The events the action reviews; both carry the pull request in their payload. */
const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target'] as const;

export interface PullRequestWorkflowEvent {
  name: (typeof PULL_REQUEST_EVENTS)[number];
  payload: PullRequestEvent;
}

/** The event that started the workflow (GITHUB_EVENT_NAME, and its payload at GITHUB_EVENT_PATH). */
export function readPullRequestEvent(env: NodeJS.ProcessEnv): PullRequestWorkflowEvent {
  const name = env.GITHUB_EVENT_NAME ?? '';
  if (!(PULL_REQUEST_EVENTS as readonly string[]).includes(name)) {
    throw new ActionInputError(`db-review reviews pull requests: run it on: pull_request (this workflow runs on "${name || 'an unknown event'}")`);
  }
  if (!env.GITHUB_EVENT_PATH) throw new ActionInputError('GITHUB_EVENT_PATH is not set: db-review runs as a step of a GitHub Actions workflow');
  const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as PullRequestEvent;
  return { name: name as PullRequestWorkflowEvent['name'], payload };
}

/**
 * Whether the workflow's token can only read: on `pull_request`, a fork's pull request (its head
 * in another repository, or in one deleted since) gets a read-only GITHUB_TOKEN. On
 * `pull_request_target` the token is the base repository's.
 */
export function isReadOnlyForkRun(event: PullRequestWorkflowEvent): boolean {
  const { pull_request: pull, repository } = event.payload;
  return event.name === 'pull_request' && pull.head.repo?.full_name !== repository.full_name;
}
