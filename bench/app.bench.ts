/**
 * Replays pull-request webhooks, signed, over HTTP on loopback, against the db-review app on
 * Probot's Node middleware, with GitHub faked on loopback (fake-github.ts). The repository is the
 * langfuse history; each pull request adds its last 5 migrations, so the shadow's base (the other
 * 429) is cached after the first review. Prints, against baselines measured in the same run:
 * - the time from a webhook to its completed check run, against the bare pipeline (reviewSource
 *   on the same migrations from the directory, on the same cached base);
 * - the webhook response time, idle and with reviews running behind, against a trivial round
 *   trip (GET /ping) on the same server;
 * - peak memory.
 * Octokit's throttling is off for these, as in the tests: it spaces an installation's writes 1 s
 * apart, which would measure that pacing rather than the app. The last measurement turns it on,
 * as `npm start` runs the app: the webhooks must still be answered without waiting for it.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import { createDbReviewApp, type DbReviewApp } from '../src/app.ts';
import { DEFAULT_CONFIG } from '../src/config/index.ts';
import { discoverMigrations } from '../src/migrations/discover.ts';
import { listDirectory } from '../src/migrations/files.ts';
import { reviewSource } from '../src/pipeline.ts';
import { createShadowProvider } from '../src/shadow/index.ts';
import { DEFAULT_LIMITS } from '../src/shadow/provider.ts';
import { directorySource } from '../src/source/directory.ts';
import { OWNER, pullRequestEvent, REPO, type PullRequestAction } from '../test/fixtures/github/webhooks.ts';
import { madeUpAppKey } from '../test/helpers/app-key.ts';
import { startFakeGitHub, type FakeGitHub } from './fake-github.ts';

const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus/langfuse-prisma');
const PR_MIGRATIONS = 5;
const RUNS = 7;
const WEBHOOKS = 50;
/** The webhooks are pushes to this many pull requests in turn, so newer pushes supersede older reviews. */
const PULL_REQUESTS = 10;
const PINGS = 200;
const PACED_WEBHOOKS = 5;
const SECRET = 'bench';

interface RunningApp {
  app: DbReviewApp;
  server: Server;
  url: string;
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { p50: at(50), p99: at(99), max: sorted.at(-1)! };
};
const ms = (value: number): string => `${value.toFixed(1)} ms`;
const seconds = (value: number): string => `${(value / 1000).toFixed(2)} s`;
const megabytes = (bytes: number): string => `${Math.round(bytes / 1e6)} MB`;
/** Comparable across threads: the fake GitHub stamps its events this way. */
const now = (): number => performance.timeOrigin + performance.now();
const headSha = (): string => randomBytes(20).toString('hex');

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const cacheDir = mkdtempSync(path.join(tmpdir(), 'db-review-bench-app-'));

const files = new Map(await Promise.all((await listDirectory(CORPUS)).map(async (file) => [file.path, await file.read()] as const)));
const { migrations } = await discoverMigrations(await listDirectory(CORPUS));
const added = migrations.slice(-PR_MIGRATIONS).map((m) => m.path);
console.log(
  `db-review app benchmark, node ${process.version}: langfuse-prisma (${files.size} files), each pull request adds its last ${PR_MIGRATIONS} migrations ` +
    `on the cached base of the other ${migrations.length - PR_MIGRATIONS}; embedded shadow; GitHub faked on loopback`,
);

const github = await startFakeGitHub({ owner: OWNER, repo: REPO, files, added });
const running = await startApp(github, { throttled: false });
const idleRss = process.memoryUsage().rss;
const e2e = await endToEnd(running);
const ping = await roundTrips(running);
console.log(`\nbaseline: bare pipeline (reviewSource on the directory, base cached): median ${seconds(e2e.bare)}`);
console.log(`end to end, webhook to completed check run: p50 ${seconds(e2e.time.p50)} = ${(e2e.time.p50 / e2e.bare).toFixed(2)}x the bare pipeline, max ${seconds(e2e.time.max)}  [target: p50 < 3 s]`);
console.log(`  (${RUNS} runs of each, in turn, after a warm-up; check run "${e2e.outcome}")`);
console.log(`  ${e2e.requestsPerReview} GitHub requests per review: the tree, the files no earlier review read (the rest come from the app's file cache), then the publication`);
console.log(`\nbaseline: GET /ping round trip on the app's server: p50 ${ms(ping.p50)}, p99 ${ms(ping.p99)} (${PINGS} requests)`);
console.log(`webhook response, one at a time with no review running: p50 ${ms(e2e.response.p50)} = ${(e2e.response.p50 / ping.p50).toFixed(1)}x the round trip, max ${ms(e2e.response.max)}`);

const burst = await webhookBurst(running);
console.log(`\nwebhook response, ${WEBHOOKS} deliveries back to back (${PULL_REQUESTS} pull requests, pushes superseding each other, reviews running behind):`);
console.log(
  `  p50 ${ms(burst.response.p50)} = ${(burst.response.p50 / ping.p50).toFixed(1)}x the round trip, p99 ${ms(burst.response.p99)} = ${(burst.response.p99 / ping.p99).toFixed(1)}x  [target: p99 < 100 ms]`,
);
console.log(`  the app's event loop was held up to ${ms(burst.longestDelay)} at a time (reviews parse and lint the whole history on it, in slices of 3 ms)`);
console.log(`  all answered in ${seconds(burst.answered)}; the last review done after ${seconds(burst.drained)}`);
await stopApp(running);
clearInterval(sampler);
console.log(
  `\npeak RSS ${megabytes(peakRss)} = ${(peakRss / idleRss).toFixed(1)}x the ${megabytes(idleRss)} before the first review ` +
    `(this process: the app and its shadows' worker threads, the bare pipeline's, the fake GitHub, the bench)`,
);

const paced = await pacedWebhooks(github);
console.log(`\nwith Probot's default Octokit (throttling on, as npm start runs the app): ${PACED_WEBHOOKS} webhooks back to back answered in ${paced.map((t) => t.toFixed(0)).join(', ')} ms`);

const { unexpected } = await github.report();
if (unexpected.length) console.log(`\nGitHub requests the fake does not serve: ${[...new Set(unexpected)].join(', ')}`);
await github.close();
rmSync(cacheDir, { recursive: true, force: true });

/**
 * Webhook to completed check run, in turn with the bare pipeline as the command line runs it on a
 * directory with the same migrations under review, so that both see the same machine.
 */
async function endToEnd({ app, url }: RunningApp) {
  const shadow = createShadowProvider({ limits: DEFAULT_LIMITS, extensions: DEFAULT_CONFIG.shadow.extensions, cacheDir });
  const changed = { paths: new Set(added), modified: new Set<string>(), deleted: [] };
  const directory = { ...directorySource(CORPUS, ['.']), changed: async () => changed };
  const bare: number[] = [];
  const times: number[] = [];
  const responses: number[] = [];
  let requestsPerReview = 0;
  let outcome = '';
  // Run 0 is the warm-up: it builds the cached base; the app gets its installation token and first shadow database.
  for (let run = 0; run <= RUNS; run++) {
    const reviewStarted = performance.now();
    await reviewSource(directory, DEFAULT_CONFIG, { shadow });
    const bareTime = performance.now() - reviewStarted;

    const sha = headSha();
    const requestsBefore = (await github.report()).requests;
    const sent = now();
    const response = await deliver(url, 'synchronize', { number: 1, headSha: sha });
    const completed = await github.completion(sha);
    await app.idle();
    if (run === 0) continue;
    bare.push(bareTime);
    times.push(completed.at - sent);
    responses.push(response);
    requestsPerReview = (await github.report()).requests - requestsBefore;
    outcome = `${completed.conclusion}: ${completed.title}`;
  }
  await shadow.dispose();
  return { bare: stats(bare).p50, time: stats(times), response: stats(responses), requestsPerReview, outcome };
}

async function roundTrips({ url }: RunningApp) {
  const times: number[] = [];
  for (let i = 0; i < PINGS; i++) {
    const started = performance.now();
    await (await fetch(`${url}/ping`)).text();
    times.push(performance.now() - started);
  }
  return stats(times);
}

async function webhookBurst({ app, url }: RunningApp) {
  const eventLoop = monitorEventLoopDelay({ resolution: 10 });
  eventLoop.enable();
  const responses: number[] = [];
  const started = performance.now();
  for (let i = 0; i < WEBHOOKS; i++) {
    const action: PullRequestAction = i < PULL_REQUESTS ? 'opened' : 'synchronize';
    responses.push(await deliver(url, action, { number: 100 + (i % PULL_REQUESTS), headSha: headSha() }));
  }
  const answered = performance.now() - started;
  await app.idle();
  eventLoop.disable();
  return { response: stats(responses), answered, drained: performance.now() - started, longestDelay: eventLoop.max / 1e6 };
}

/** Webhooks for new pull requests, back to back, to the app with Probot's default Octokit; closed without waiting for the reviews. */
async function pacedWebhooks(fake: FakeGitHub): Promise<number[]> {
  const paced = await startApp(fake, { throttled: true });
  const times: number[] = [];
  for (let i = 0; i < PACED_WEBHOOKS; i++) times.push(await deliver(paced.url, 'opened', { number: 200 + i, headSha: headSha() }));
  await stopApp(paced);
  return times;
}

/** The app on Probot's Node middleware, on a loopback port, its GitHub client pointed at the fake. */
async function startApp(fake: FakeGitHub, options: { throttled: boolean }): Promise<RunningApp> {
  const probot = new Probot({
    appId: 1,
    privateKey: madeUpAppKey(),
    secret: SECRET,
    baseUrl: fake.url,
    logLevel: 'warn',
    // A function, so that this wins over the throttling options Probot passes to every instance.
    ...(options.throttled ? {} : { Octokit: ProbotOctokit.defaults((defaults: object) => ({ ...defaults, throttle: { enabled: false } })) }),
  });
  const app = createDbReviewApp({ env: { DB_REVIEW_CACHE_DIR: cacheDir } });
  const middleware = await createNodeMiddleware(app, { probot });
  const server = createServer((request, response) => {
    if (request.url === '/ping') response.writeHead(200, { 'content-type': 'text/plain' }).end('PONG');
    else void middleware(request, response, () => response.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { app, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stopApp({ app, server }: RunningApp): Promise<void> {
  await new Promise((resolve) => server.close(resolve));
  await app.close();
}

/** POSTs a `pull_request` webhook as GitHub signs it; returns the time to the app's answer. */
async function deliver(url: string, action: PullRequestAction, pull: { number: number; headSha: string }): Promise<number> {
  const payload = pullRequestEvent(action, pull);
  payload.pull_request.changed_files = added.length;
  const body = JSON.stringify(payload);
  const started = performance.now();
  const response = await fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  await response.text();
  const elapsed = performance.now() - started;
  if (!response.ok) throw new Error(`the app answered the webhook with ${response.status}`);
  return elapsed;
}
