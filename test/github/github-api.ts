/**
 * GitHub REST responses in GitHub's own shapes (the field sets of its REST reference), served by nock,
 * for one pull request of the webhook examples' repository.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import type { PullRequestEvent } from '@octokit/webhooks-types';
import nock from 'nock';
import { ProbotOctokit } from 'probot';
import type { GitHubClient, PullRequestRef } from '../../src/github/types.ts';

export const API = 'https://api.github.com';

const webhooks = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];
const opened = webhooks
  .find((definition) => definition.name === 'pull_request')
  ?.examples.find((example) => (example as PullRequestEvent).action === 'opened') as PullRequestEvent;

/** The `pull_request` object of a real `pull_request.opened` delivery; `GET /pulls/{n}` returns the same shape. */
export const PULL_REQUEST = opened.pull_request;

export const PR: PullRequestRef = {
  owner: opened.repository.owner.login,
  repo: opened.repository.name,
  number: PULL_REQUEST.number,
  baseRef: PULL_REQUEST.base.ref,
  baseSha: PULL_REQUEST.base.sha,
  headSha: PULL_REQUEST.head.sha,
};

export const REPO_PATH = `/repos/${PR.owner}/${PR.repo}`;
/** GitHub's `Link` headers name repositories by id. */
const REPO_BY_ID = `${API}/repositories/${opened.repository.id}`;

/** A client as Probot builds one, without the retries and throttling that would slow a failing test down. */
export function testClient(): GitHubClient {
  return new ProbotOctokit({ auth: { token: 'test' }, retry: { enabled: false }, throttle: { enabled: false } });
}

export function github(): nock.Scope {
  return nock(API);
}

/** The SHA git gives the blob of these contents. */
export function blobSha(contents: string | Buffer): string {
  const bytes = Buffer.from(contents);
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export interface TreeItem {
  path: string;
  type: 'blob' | 'tree' | 'commit';
  mode: string;
  sha: string;
  size?: number;
}

export function fileItem(path: string, contents: string | Buffer): TreeItem {
  return { path, type: 'blob', mode: '100644', sha: blobSha(contents), size: Buffer.byteLength(contents) };
}

export function dirItem(path: string, sha = blobSha(path)): TreeItem {
  return { path, type: 'tree', mode: '040000', sha };
}

/** Items for `files` (path → contents) and every directory above them, as a recursive listing has them. */
export function treeItems(files: Record<string, string | Buffer>): TreeItem[] {
  const dirs = new Set<string>();
  for (const path of Object.keys(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...[...dirs].map((dir) => dirItem(dir)), ...Object.entries(files).map(([path, contents]) => fileItem(path, contents))].sort((a, b) =>
    a.path < b.path ? -1 : 1,
  );
}

/** `GET /git/trees/{sha}` (with `?recursive=true` when `recursive`). */
export function replyTree(scope: nock.Scope, sha: string, items: TreeItem[], options: { recursive: boolean; truncated?: boolean }): nock.Scope {
  return scope
    .get(`${REPO_PATH}/git/trees/${sha}`)
    .query(options.recursive ? { recursive: 'true' } : {})
    .reply(200, {
      sha,
      url: `${API}${REPO_PATH}/git/trees/${sha}`,
      tree: items.map((item) => ({
        ...item,
        url: `${API}${REPO_PATH}/git/${item.type === 'tree' ? 'trees' : 'blobs'}/${item.sha}`,
      })),
      truncated: options.truncated ?? false,
    });
}

/** `GET /contents/{path}?ref=<head>` with the raw media type: the file's bytes. */
export function replyRaw(scope: nock.Scope, path: string, contents: string | Buffer): nock.Scope {
  return scope
    .get(`${REPO_PATH}/contents/${encodeURIComponent(path)}`)
    .query({ ref: PR.headSha })
    .matchHeader('accept', 'application/vnd.github.v3.raw')
    .reply(200, contents, { 'content-type': 'text/plain; charset=utf-8' });
}

/** `GET /git/blobs/{sha}`: the contents base64-encoded, in lines of 60 characters as GitHub sends them. */
export function replyBlob(scope: nock.Scope, contents: string | Buffer): nock.Scope {
  const sha = blobSha(contents);
  const base64 = Buffer.from(contents).toString('base64').replace(/.{60}/g, '$&\n');
  return scope.get(`${REPO_PATH}/git/blobs/${sha}`).reply(200, {
    sha,
    node_id: `B_${sha.slice(0, 16)}`,
    size: Buffer.byteLength(contents),
    url: `${API}${REPO_PATH}/git/blobs/${sha}`,
    content: base64,
    encoding: 'base64',
  });
}

export interface DiffEntryInput {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  previous_filename?: string;
  additions?: number;
  deletions?: number;
  patch?: string;
}

/** An element of `GET /pulls/{n}/files`. */
export function diffEntry(input: DiffEntryInput): Record<string, unknown> {
  const additions = input.additions ?? 0;
  const deletions = input.deletions ?? 0;
  const sha = blobSha(input.filename);
  const path = encodeURI(input.filename);
  return {
    sha,
    filename: input.filename,
    status: input.status,
    additions,
    deletions,
    changes: additions + deletions,
    blob_url: `https://github.com/${PR.owner}/${PR.repo}/blob/${PR.headSha}/${path}`,
    raw_url: `https://github.com/${PR.owner}/${PR.repo}/raw/${PR.headSha}/${path}`,
    contents_url: `${API}${REPO_PATH}/contents/${path}?ref=${PR.headSha}`,
    ...(input.patch !== undefined ? { patch: input.patch } : {}),
    ...(input.previous_filename !== undefined ? { previous_filename: input.previous_filename } : {}),
  };
}

/** `GET /pulls/{n}/files?per_page=100`, one page per element of `pages`, linked as GitHub links them. */
export function replyPullFiles(scope: nock.Scope, pages: DiffEntryInput[][]): nock.Scope {
  pages.forEach((page, index) => {
    const number = index + 1;
    const link = (n: number): string => `<${REPO_BY_ID}/pulls/${PR.number}/files?per_page=100&page=${n}>`;
    const links = [
      ...(number > 1 ? [`${link(number - 1)}; rel="prev"`, `${link(1)}; rel="first"`] : []),
      ...(number < pages.length ? [`${link(number + 1)}; rel="next"`, `${link(pages.length)}; rel="last"`] : []),
    ];
    const path = number === 1 ? `${REPO_PATH}/pulls/${PR.number}/files` : `/repositories/${opened.repository.id}/pulls/${PR.number}/files`;
    scope
      .get(path)
      .query(number === 1 ? { per_page: '100' } : { per_page: '100', page: String(number) })
      .reply(200, page.map(diffEntry), links.length ? { link: links.join(', ') } : {});
  });
  return scope;
}

/** `GET /pulls/{n}`: the webhook example's pull request, with this many changed files. */
export function replyPullRequest(scope: nock.Scope, changedFiles: number): nock.Scope {
  return scope.get(`${REPO_PATH}/pulls/${PR.number}`).reply(200, { ...PULL_REQUEST, changed_files: changedFiles });
}
