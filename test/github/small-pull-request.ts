/**
 * A small pull request for the ways to run db-review outside the app (`check --pr`, the Action):
 * it adds an index on an existing table. GitHub's answers to reading it, served by nock.
 */
import type nock from 'nock';
import { PR, REPO_PATH, replyPullFiles, replyRaw, replyTree, treeItems } from './github-api.ts';
import { addedPatch } from './review-fixture.ts';

/** The repository at the pull request's head. */
export const FILES: Record<string, string> = {
  'db/migrations/001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n',
  'db/migrations/002_users_email.sql': 'CREATE INDEX users_email_idx ON users (email);\n',
};
export const ADDED = 'db/migrations/002_users_email.sql';
export const ADDED_PATCH = addedPatch(FILES[ADDED]!);

export const CONFIG_PATH = `/contents/${encodeURIComponent('.github/db-review.yml')}`;

/** `.github/db-review.yml` on the default branch: absent from the repository and from the owner's `.github` repository. */
export function replyNoConfig(scope: nock.Scope): nock.Scope {
  return scope
    .get(`${REPO_PATH}${CONFIG_PATH}`)
    .reply(404, { message: 'Not Found' })
    .get(`/repos/${PR.owner}/.github${CONFIG_PATH}`)
    .reply(404, { message: 'Not Found' });
}

/** What reviewing the pull request reads: the tree of its head, each file there, its diff. */
export function replyPullRequestFiles(scope: nock.Scope): nock.Scope {
  replyTree(scope, PR.headSha, treeItems(FILES), { recursive: true });
  for (const [file, text] of Object.entries(FILES)) replyRaw(scope, file, text);
  return replyPullFiles(scope, [[{ filename: ADDED, status: 'added', additions: 1, patch: ADDED_PATCH }]]);
}
