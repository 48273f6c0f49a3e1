/**
 * GitHub's REST API on a loopback port, serving the small pull request: for a process nock cannot
 * reach (the bundled Action, run by `node`). Records every request.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diffEntry, PR, PULL_REQUEST, REPO_PATH, treeItems } from './github-api.ts';
import { ADDED, ADDED_PATCH, CONFIG_PATH, FILES } from './small-pull-request.ts';

export interface FakeRequest {
  method: string;
  path: string;
  body?: unknown;
}

export interface FakeGitHub {
  /** The API's base URL, as GITHUB_API_URL gives it. */
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

type Reply = [status: number, body: unknown, contentType?: string];

const NOT_FOUND: Reply = [404, { message: 'Not Found' }];

function route(method: string, path: string): Reply {
  const files = new Map(Object.entries(FILES).map(([file, text]) => [`${REPO_PATH}/contents/${encodeURIComponent(file)}?ref=${PR.headSha}`, text]));
  if (method === 'GET') {
    if (path === `${REPO_PATH}${CONFIG_PATH}` || path === `/repos/${PR.owner}/.github${CONFIG_PATH}`) return NOT_FOUND;
    if (path === `${REPO_PATH}/git/trees/${PR.headSha}?recursive=true`) return [200, { sha: PR.headSha, truncated: false, tree: treeItems(FILES) }];
    const text = files.get(path);
    if (text !== undefined) return [200, text, 'text/plain; charset=utf-8'];
    if (path === `${REPO_PATH}/pulls/${PR.number}/files?per_page=100`) {
      return [200, [diffEntry({ filename: ADDED, status: 'added', additions: 1, patch: ADDED_PATCH })]];
    }
    if (path === `${REPO_PATH}/pulls/${PR.number}`) return [200, { ...PULL_REQUEST, changed_files: 1 }];
    if (path === '/user') return [403, { message: 'Resource not accessible by integration' }];
    if (path === `${REPO_PATH}/pulls/${PR.number}/comments?per_page=100` || path === `${REPO_PATH}/issues/${PR.number}/comments?per_page=100`) return [200, []];
  }
  if (method === 'POST' && path === `${REPO_PATH}/check-runs`) return [201, { id: 77 }];
  if (method === 'PATCH' && path === `${REPO_PATH}/check-runs/77`) return [200, { id: 77 }];
  if (method === 'POST' && path === `${REPO_PATH}/pulls/${PR.number}/reviews`) return [200, { id: 80 }];
  if (method === 'POST' && path === `${REPO_PATH}/issues/${PR.number}/comments`) return [201, { id: 5 }];
  return NOT_FOUND;
}

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const requests: FakeRequest[] = [];
  const server: Server = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      const method = request.method ?? 'GET';
      const path = request.url ?? '/';
      requests.push({ method, path, ...(body === undefined ? {} : { body }) });
      const [status, reply, contentType = 'application/json; charset=utf-8'] = route(method, path);
      response.writeHead(status, { 'content-type': contentType });
      response.end(typeof reply === 'string' ? reply : JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
