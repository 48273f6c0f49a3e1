/**
 * The fake GitHub's server, in a worker thread of its own (see fake-github.ts): GitHub's REST
 * API for one repository whose pull requests all add the same files, answered from memory.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { diffEntry, treeItems } from '../test/github/github-api.ts';
import { addedPatch } from '../test/github/review-fixture.ts';
import type { FakeGitHubEvent, FakeRepository } from './fake-github.ts';

type Route = (match: RegExpExecArray, body: unknown) => [status: number, body: unknown];

const repository = workerData as FakeRepository;
const repo = `/repos/${repository.owner}/${repository.repo}`;
const tree = treeItems(Object.fromEntries(repository.files));
const pullFiles = repository.added.map((file) => {
  const text = repository.files.get(file) ?? '';
  return diffEntry({ filename: file, status: 'added', additions: text.trimEnd().split('\n').length, patch: addedPatch(text) });
});
const headShas = new Map<number, string>();
let nextId = 1;
let requests = 0;
const unexpected: string[] = [];

const send = (event: FakeGitHubEvent): void => parentPort!.postMessage(event);

const routes: [method: string, path: RegExp, route: Route][] = [
  ['POST', /^\/app\/installations\/\d+\/access_tokens$/, () => [201, { token: 'ghs_bench', expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {} }]],
  ['GET', /^\/app$/, () => [200, { id: 1, slug: 'db-review', name: 'db-review' }]],
  // The config, in the repository and in the owner's .github repository: there is none.
  ['GET', /^\/repos\/[^/]+\/[^/]+\/contents\/\.github%2F/, () => [404, { message: 'Not Found' }]],
  [
    'GET',
    new RegExp(`^${repo}/contents/(.+)$`),
    (match) => {
      const text = repository.files.get(decodeURIComponent(match[1]!));
      return text === undefined ? [404, { message: 'Not Found' }] : [200, text];
    },
  ],
  ['GET', new RegExp(`^${repo}/git/trees/(\\w+)$`), (match) => [200, { sha: match[1], truncated: false, tree }]],
  ['GET', new RegExp(`^${repo}/pulls/\\d+/files$`), () => [200, pullFiles]],
  ['GET', new RegExp(`^${repo}/(pulls|issues)/\\d+/comments$`), () => [200, []]],
  ['POST', new RegExp(`^${repo}/pulls/\\d+/reviews$`), () => [200, { id: nextId++ }]],
  ['POST', new RegExp(`^${repo}/issues/\\d+/comments$`), () => [201, { id: nextId++ }]],
  [
    'POST',
    new RegExp(`^${repo}/check-runs$`),
    (_, body) => {
      const id = nextId++;
      headShas.set(id, (body as { head_sha: string }).head_sha);
      return [201, { id, status: 'in_progress' }];
    },
  ],
  [
    'PATCH',
    new RegExp(`^${repo}/check-runs/(\\d+)$`),
    (match, body) => {
      const update = body as { status?: string; conclusion?: string; output?: { title?: string } };
      const headSha = headShas.get(Number(match[1]));
      if (update.status === 'completed' && headSha !== undefined) {
        const at = performance.timeOrigin + performance.now();
        send({ kind: 'completed', headSha, at, conclusion: update.conclusion ?? '', title: update.output?.title ?? '' });
      }
      return [200, { id: Number(match[1]) }];
    },
  ],
];

async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const { pathname } = new URL(request.url ?? '/', 'http://github.test');
  requests++;
  for (const [method, path, route] of routes) {
    const match = request.method === method ? path.exec(pathname) : null;
    if (match) return reply(response, ...route(match, text ? JSON.parse(text) : undefined));
  }
  unexpected.push(`${request.method} ${pathname}`);
  reply(response, 404, { message: 'Not Found' });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const raw = typeof body === 'string';
  response.writeHead(status, { 'content-type': raw ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8' });
  response.end(raw ? body : JSON.stringify(body));
}

parentPort!.on('message', () => send({ kind: 'report', requests, unexpected }));
const server = createServer((request, response) => void answer(request, response));
server.listen(0, '127.0.0.1', () => send({ kind: 'listening', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
