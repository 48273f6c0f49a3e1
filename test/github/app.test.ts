import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { Probot, ProbotOctokit } from 'probot';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDbReviewApp, type DbReviewApp } from '../../src/app.ts';
import { HELP_REPLY, unknownCommandReply } from '../../src/github/commands.ts';
import {
  checkRunRerequestedEvent,
  checkSuiteRerequestedEvent,
  HEAD_SHA,
  INSTALLATION_ID,
  issueCommentEvent,
  OWNER,
  PR_NUMBER,
  PULL_REQUEST,
  pullRequestEvent,
  REPO,
} from '../fixtures/github/webhooks.ts';
import { madeUpAppKey } from '../helpers/app-key.ts';
import { messagesApi, toolCallMessage } from '../helpers/claude-api.ts';

const API = 'https://api.github.com';
const REPO_PATH = `/repos/${OWNER}/${REPO}`;
const CONFIG_PATH = `/contents/${encodeURIComponent('.github/db-review.yml')}`;

/** The repository at the pull request's head: an existing table, and the index the pull request adds. */
const FILES: Record<string, string> = {
  'db/migrations/001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n',
  'db/migrations/002_users_email.sql': 'CREATE INDEX users_email_idx ON users (email);\n',
};
const ADDED = 'db/migrations/002_users_email.sql';

const privateKey = madeUpAppKey();

interface SentRequest {
  method: string;
  path: string;
  body: unknown;
}

let cacheDir: string;
let probot: Probot;
let app: DbReviewApp;
let github: nock.Scope;
/** Every request the app sent to GitHub, in order, except for installation tokens. */
let sent: SentRequest[];
/** Requests no mock answered. */
let unmatched: string[];

const recordUnmatched = (request: { method?: string; path?: string }): void => {
  unmatched.push(`${request.method} ${request.path}`);
};

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  nock.emitter.on('no match', recordUnmatched);
  cacheDir = mkdtempSync(path.join(tmpdir(), 'db-review-app-'));
});

afterAll(() => {
  nock.emitter.off('no match', recordUnmatched);
  nock.enableNetConnect();
  rmSync(cacheDir, { recursive: true, force: true });
});

beforeEach(() => {
  sent = [];
  unmatched = [];
  nock(API).post(`/app/installations/${INSTALLATION_ID}/access_tokens`).reply(201, { token: 'test', permissions: {} }).persist();
  github = nock(API);
  github.on('request', (request: { method: string; path: string }, _interceptor: unknown, body: string) => {
    sent.push({ method: request.method, path: request.path, body: body ? JSON.parse(body) : undefined });
  });
});

afterEach(async () => {
  await app.close();
  nock.cleanAll();
});

async function loadApp(env: NodeJS.ProcessEnv = {}): Promise<void> {
  probot = new Probot({
    appId: 123,
    privateKey,
    logLevel: 'fatal',
    // A function, so that these win over the throttling options Probot passes to every instance.
    Octokit: ProbotOctokit.defaults((options: object) => ({ ...options, retry: { enabled: false }, throttle: { enabled: false } })),
  });
  app = createDbReviewApp({ env: { DB_REVIEW_CACHE_DIR: cacheDir, ...env } });
  await probot.load(app);
}

function deliver(name: string, payload: object, id: string = randomUUID()): Promise<void> {
  return probot.receive({ id, name, payload } as Parameters<Probot['receive']>[0]);
}

/** Everything the app sent, once the background reviews are done; fails on a request no mock answered. */
async function settled(): Promise<SentRequest[]> {
  await app.idle();
  expect(unmatched).toEqual([]);
  expect(github.pendingMocks()).toEqual([]);
  return sent;
}

function requestsTo(method: string, pathPrefix: string): SentRequest[] {
  return sent.filter((request) => request.method === method && request.path.startsWith(pathPrefix));
}

/** `POST /check-runs`, answered with `id`. */
function expectCheckRunCreated(id: number): void {
  github.post(`${REPO_PATH}/check-runs`).reply(201, { id, name: 'db-review', status: 'in_progress' });
}

/** `.github/db-review.yml` on the default branch: absent from the repository and from the owner's `.github` repository. */
function expectNoConfig(): void {
  github.get(`${REPO_PATH}${CONFIG_PATH}`).reply(404, { message: 'Not Found' });
  github.get(`/repos/${OWNER}/.github${CONFIG_PATH}`).reply(404, { message: 'Not Found' });
}

/**
 * What the pipeline reads of the pull request at `headSha`: its tree, its files, its diff. The
 * tree is answered once `held` resolves, which keeps that review running meanwhile; GitHub no
 * longer has the `missing` file. `cached`: an earlier review of the same files read them already.
 */
function expectPullRequestRead(headSha: string, options: { held?: Promise<void>; missing?: string; files?: Record<string, string>; cached?: boolean } = {}): void {
  const held = options.held ?? Promise.resolve();
  const files = options.files ?? FILES;
  const tree = {
    sha: headSha,
    truncated: false,
    tree: [
      { path: 'db', mode: '040000', type: 'tree', sha: 'd'.repeat(40) },
      { path: 'db/migrations', mode: '040000', type: 'tree', sha: 'e'.repeat(40) },
      // A blob SHA of each push's own, so that the app's file cache does not serve one push from another's reads.
      ...Object.entries(files).map(([file, text], i) => ({ path: file, mode: '100644', type: 'blob', sha: `${headSha.slice(0, 38)}${i}`.padEnd(40, '0'), size: text.length })),
    ],
  };
  github
    .get(`${REPO_PATH}/git/trees/${headSha}`)
    .query({ recursive: 'true' })
    .reply((_uri, _body, respond) => {
      void held.then(() => respond(null, [200, tree]));
    });
  for (const [file, text] of options.cached ? [] : Object.entries(files)) {
    const contents = github.get(`${REPO_PATH}/contents/${encodeURIComponent(file)}`).query({ ref: headSha });
    if (file === options.missing) contents.reply(404, { message: 'Not Found' });
    else contents.reply(200, text, { 'content-type': 'text/plain; charset=utf-8' });
  }
  github
    .get(`${REPO_PATH}/pulls/${PR_NUMBER}/files`)
    .query({ per_page: '100' })
    .reply(200, [{ filename: ADDED, status: 'added', additions: 1, deletions: 0, changes: 1, patch: `@@ -0,0 +1 @@\n+${files[ADDED]!.trimEnd()}` }]);
}

/** Publishing: the app's bot login (asked once), the check run completed, the review, the summary comment. */
function expectPublished(checkRunId: number, options: { firstPublication?: boolean } = {}): void {
  if (options.firstPublication ?? true) github.get('/app').reply(200, { id: 123, slug: 'db-review' });
  github.patch(`${REPO_PATH}/check-runs/${checkRunId}`).reply(200, { id: checkRunId });
  github.get(`${REPO_PATH}/pulls/${PR_NUMBER}/comments`).query({ per_page: '100' }).reply(200, []);
  github.post(`${REPO_PATH}/pulls/${PR_NUMBER}/reviews`).reply(200, { id: 1 });
  github.get(`${REPO_PATH}/issues/${PR_NUMBER}/comments`).query({ per_page: '100' }).reply(200, []);
  github.post(`${REPO_PATH}/issues/${PR_NUMBER}/comments`).reply(201, { id: 2 });
}

function expectWholeReview(checkRunId: number, headSha = HEAD_SHA): void {
  expectCheckRunCreated(checkRunId);
  expectNoConfig();
  expectPullRequestRead(headSha);
  expectPublished(checkRunId);
}

/** A promise and the function that resolves it. */
function gate(): { held: Promise<void>; release: () => void } {
  let release = (): void => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { held, release };
}

const created = (headSha = HEAD_SHA) => ({ name: 'db-review', head_sha: headSha, status: 'in_progress', external_id: String(PR_NUMBER) });

describe('pull_request', () => {
  beforeEach(() => loadApp());

  it('creates the in-progress check run, answers the webhook before the review, then publishes the review', async () => {
    expectWholeReview(41);

    const started = performance.now();
    await deliver('pull_request', pullRequestEvent('opened'));
    const answeredIn = performance.now() - started;

    expect(answeredIn).toBeLessThan(1000);
    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/41`)).toEqual([]);

    await settled();
    expect(sent[0]).toEqual({ method: 'POST', path: `${REPO_PATH}/check-runs`, body: created() });
    const [completion] = requestsTo('PATCH', `${REPO_PATH}/check-runs/41`);
    expect(completion?.body).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: expect.stringContaining('1 error') } });
    const [review] = requestsTo('POST', `${REPO_PATH}/pulls/${PR_NUMBER}/reviews`);
    expect(review?.body).toMatchObject({
      commit_id: HEAD_SHA,
      comments: expect.arrayContaining([expect.objectContaining({ path: ADDED, line: 1, body: expect.stringContaining('**error · require-concurrent-index**') })]),
    });
    expect(requestsTo('POST', `${REPO_PATH}/issues/${PR_NUMBER}/comments`)).toHaveLength(1);
  });

  it.each(['synchronize', 'reopened', 'ready_for_review'] as const)('reviews on %s', async (action) => {
    expectWholeReview(41);
    await deliver('pull_request', pullRequestEvent(action));
    await settled();
    expect(requestsTo('POST', `${REPO_PATH}/check-runs`).map((request) => request.body)).toEqual([created()]);
  });

  it('leaves a draft alone until it is ready for review', async () => {
    await deliver('pull_request', pullRequestEvent('opened', { draft: true }));
    await deliver('pull_request', pullRequestEvent('synchronize', { draft: true }));
    expect(await settled()).toEqual([]);
  });

  it('handles a redelivered webhook once', async () => {
    expectWholeReview(41);
    const delivery = randomUUID();
    await deliver('pull_request', pullRequestEvent('opened'), delivery);
    await deliver('pull_request', pullRequestEvent('opened'), delivery);
    await settled();
    expect(requestsTo('POST', `${REPO_PATH}/check-runs`)).toHaveLength(1);
  });

  it('handles a redelivery of a webhook whose check run GitHub refused to create', async () => {
    github.post(`${REPO_PATH}/check-runs`).reply(502, { message: 'Bad Gateway' });
    expectWholeReview(41);
    const delivery = randomUUID();
    await deliver('pull_request', pullRequestEvent('opened'), delivery);
    await app.idle();
    await deliver('pull_request', pullRequestEvent('opened'), delivery);
    await settled();
    expect(requestsTo('POST', `${REPO_PATH}/check-runs`)).toHaveLength(2);
    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/41`)).toHaveLength(1);
  });

  it('cancels the review of an older push still in progress and publishes only the newer one', async () => {
    const newerSha = 'f'.repeat(40);
    expectCheckRunCreated(41);
    expectCheckRunCreated(42);
    github.patch(`${REPO_PATH}/check-runs/41`).reply(200, { id: 41 });
    expectNoConfig();
    expectNoConfig();
    const firstReview = gate();
    expectPullRequestRead(HEAD_SHA, { held: firstReview.held });
    expectPullRequestRead(newerSha);
    expectPublished(42);

    await deliver('pull_request', pullRequestEvent('synchronize'));
    await deliver('pull_request', pullRequestEvent('synchronize', { headSha: newerSha }));
    firstReview.release();
    await settled();

    expect(requestsTo('POST', `${REPO_PATH}/check-runs`).map((request) => request.body)).toEqual([created(), created(newerSha)]);
    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/41`).map((request) => request.body)).toEqual([
      {
        status: 'completed',
        conclusion: 'cancelled',
        output: { title: 'Superseded by a newer review', summary: expect.stringContaining('newer db-review run') },
      },
    ]);
    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/42`)[0]?.body).toMatchObject({ conclusion: 'failure' });
    expect(requestsTo('POST', `${REPO_PATH}/pulls/${PR_NUMBER}/reviews`).map((request) => request.body)).toEqual([
      expect.objectContaining({ commit_id: newerSha }),
    ]);
    expect(requestsTo('POST', `${REPO_PATH}/issues/${PR_NUMBER}/comments`)).toHaveLength(1);
  });

  it('completes the check run of a review under way as cancelled when the app shuts down, and publishes nothing', async () => {
    expectCheckRunCreated(41);
    const review = gate();
    github.get(`${REPO_PATH}${CONFIG_PATH}`).reply((_uri, _body, respond) => {
      void review.held.then(() => respond(null, [404, { message: 'Not Found' }]));
    });
    github.get(`/repos/${OWNER}/.github${CONFIG_PATH}`).reply(404, { message: 'Not Found' });
    github.patch(`${REPO_PATH}/check-runs/41`).reply(200, { id: 41 });

    await deliver('pull_request', pullRequestEvent('opened'));
    const closed = app.close();
    review.release();
    await closed;
    await settled();

    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/41`).map((request) => request.body)).toEqual([
      {
        status: 'completed',
        conclusion: 'cancelled',
        output: { title: 'db-review stopped before the review finished', summary: expect.stringContaining('comment `/db-review`') },
      },
    ]);
    expect(requestsTo('GET', `${REPO_PATH}/git/trees`)).toEqual([]);
  });

  it('reports a changed file GitHub would not give as not analysed', async () => {
    expectCheckRunCreated(41);
    expectNoConfig();
    expectPullRequestRead(HEAD_SHA, { missing: ADDED });
    github.get('/app').reply(200, { id: 123, slug: 'db-review' });
    github.patch(`${REPO_PATH}/check-runs/41`).reply(200, { id: 41 });
    github.get(`${REPO_PATH}/pulls/${PR_NUMBER}/comments`).query({ per_page: '100' }).reply(200, []);
    github.post(`${REPO_PATH}/pulls/${PR_NUMBER}/reviews`).reply(200, { id: 1 });
    github.get(`${REPO_PATH}/issues/${PR_NUMBER}/comments`).query({ per_page: '100' }).reply(200, []);
    github.post(`${REPO_PATH}/issues/${PR_NUMBER}/comments`).reply(201, { id: 2 });

    await deliver('pull_request', pullRequestEvent('opened'));
    await settled();

    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/41`)[0]?.body).toMatchObject({
      output: {
        annotations: [
          expect.objectContaining({
            path: ADDED,
            title: 'file-not-analysed',
            message: expect.stringMatching(/^GitHub did not give db-review this file \(.*404.*\): it was not analysed\.$/),
          }),
        ],
      },
    });
  });

  it('completes the check run as failure when the review crashes', async () => {
    expectCheckRunCreated(41);
    expectNoConfig();
    github.get(`${REPO_PATH}/git/trees/${HEAD_SHA}`).query({ recursive: 'true' }).reply(500, { message: 'Server Error' });
    github.get(`${REPO_PATH}/pulls/${PR_NUMBER}/files`).query({ per_page: '100' }).reply(200, []);
    github.patch(`${REPO_PATH}/check-runs/41`).reply(200, { id: 41 });

    await deliver('pull_request', pullRequestEvent('opened'));
    await settled();

    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/41`).map((request) => request.body)).toEqual([
      {
        status: 'completed',
        conclusion: 'failure',
        output: {
          title: 'db-review could not finish the review',
          summary: expect.stringMatching(/^db-review failed while reviewing the migrations:\n\n```\nServer Error/),
        },
      },
    ]);
  });
});

describe('a queue of one review at a time', () => {
  beforeEach(() => loadApp({ DB_REVIEW_CONCURRENCY: '1' }));

  it('skips a superseded review that never started', async () => {
    const [second, third] = ['a'.repeat(40), 'b'.repeat(40)];
    expectCheckRunCreated(41);
    expectCheckRunCreated(42);
    expectCheckRunCreated(43);
    github.patch(`${REPO_PATH}/check-runs/41`).reply(200, { id: 41 });
    github.patch(`${REPO_PATH}/check-runs/42`).reply(200, { id: 42 });
    expectNoConfig();
    expectNoConfig();
    const firstReview = gate();
    expectPullRequestRead(HEAD_SHA, { held: firstReview.held });
    expectPullRequestRead(third);
    expectPublished(43);

    await deliver('pull_request', pullRequestEvent('synchronize'));
    await deliver('pull_request', pullRequestEvent('synchronize', { headSha: second }));
    await deliver('pull_request', pullRequestEvent('synchronize', { headSha: third }));
    firstReview.release();
    await settled();

    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/41`).map((request) => request.body)).toEqual([expect.objectContaining({ conclusion: 'cancelled' })]);
    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/42`).map((request) => request.body)).toEqual([expect.objectContaining({ conclusion: 'skipped' })]);
    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/43`)[0]?.body).toMatchObject({ conclusion: 'failure' });
    expect(requestsTo('POST', `${REPO_PATH}/pulls/${PR_NUMBER}/reviews`).map((request) => request.body)).toEqual([expect.objectContaining({ commit_id: third })]);
  });
});

describe('the config on the default branch', () => {
  beforeEach(() => loadApp());

  it('fails the check with the validation message when it does not validate', async () => {
    expectCheckRunCreated(41);
    github.get(`${REPO_PATH}${CONFIG_PATH}`).reply(200, 'postgres:\n  version: sixteen\n', { 'content-type': 'text/plain; charset=utf-8' });
    github.patch(`${REPO_PATH}/check-runs/41`).reply(200, { id: 41 });

    await deliver('pull_request', pullRequestEvent('opened'));
    await settled();

    const [completion] = requestsTo('PATCH', `${REPO_PATH}/check-runs/41`);
    expect(completion?.body).toEqual({
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'Invalid config: .github/db-review.yml', summary: expect.any(String) },
    });
    expect((completion?.body as { output: { summary: string } }).output.summary).toContain(
      '.github/db-review.yml: postgres.version: expected an integer from 10 to 18, got "sixteen"',
    );
  });

  it('merges the config it extends', async () => {
    expectCheckRunCreated(41);
    github.get(`${REPO_PATH}${CONFIG_PATH}`).reply(200, '_extends: .github\npostgres:\n  version: 15\n', { 'content-type': 'text/plain; charset=utf-8' });
    github.get(`/repos/${OWNER}/.github${CONFIG_PATH}`).reply(200, 'fail_on: never\n', { 'content-type': 'text/plain; charset=utf-8' });
    expectPullRequestRead(HEAD_SHA);
    expectPublished(41);

    await deliver('pull_request', pullRequestEvent('opened'));
    await settled();

    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/41`)[0]?.body).toMatchObject({ conclusion: 'success' });
  });
});

describe('/db-review', () => {
  beforeEach(() => loadApp());

  const COMMENT_ID = issueCommentEvent('/db-review', { association: 'OWNER' }).comment.id;

  it.each([
    ['OWNER', '/db-review'],
    ['MEMBER', '/db-review'],
    ['COLLABORATOR', '/db-review'],
    // Without an Anthropic API key in the app's environment, explain reviews as /db-review does.
    ['MEMBER', '/db-review explain'],
  ])('from a %s, %s: acknowledged with a reaction, and the pull request is reviewed again at its head', async (association, command) => {
    github.post(`${REPO_PATH}/issues/comments/${COMMENT_ID}/reactions`).reply(201, { id: 1, content: 'eyes' });
    github.get(`${REPO_PATH}/pulls/${PR_NUMBER}`).reply(200, PULL_REQUEST);
    expectWholeReview(41);

    await deliver('issue_comment', issueCommentEvent(command, { association }));
    await settled();

    expect(sent.slice(0, 3)).toEqual([
      { method: 'POST', path: `${REPO_PATH}/issues/comments/${COMMENT_ID}/reactions`, body: { content: 'eyes' } },
      { method: 'GET', path: `${REPO_PATH}/pulls/${PR_NUMBER}`, body: undefined },
      { method: 'POST', path: `${REPO_PATH}/check-runs`, body: created() },
    ]);
    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/41`)).toHaveLength(1);
  });

  it('answers help with the commands', async () => {
    github.post(`${REPO_PATH}/issues/${PR_NUMBER}/comments`).reply(201, { id: 3 });
    await deliver('issue_comment', issueCommentEvent('/db-review help', { association: 'MEMBER' }));
    expect(await settled()).toEqual([{ method: 'POST', path: `${REPO_PATH}/issues/${PR_NUMBER}/comments`, body: { body: HELP_REPLY } }]);
    expect(HELP_REPLY).toContain('`/db-review help`');
    expect(HELP_REPLY).toContain("| `/db-review explain` | reviews it again with Claude's explanations and verified rewrites");
  });

  it('refuses another argument, listing the commands', async () => {
    github.post(`${REPO_PATH}/issues/${PR_NUMBER}/comments`).reply(201, { id: 3 });
    await deliver('issue_comment', issueCommentEvent('/db-review  rerun everything\nplease', { association: 'COLLABORATOR' }));
    expect(await settled()).toEqual([
      { method: 'POST', path: `${REPO_PATH}/issues/${PR_NUMBER}/comments`, body: { body: unknownCommandReply('rerun everything') } },
    ]);
    expect(unknownCommandReply('rerun everything')).toMatch(/^`\/db-review rerun everything` is not a db-review command\. The commands are:\n\n\| command/);
  });

  it.each([
    ['a contributor', { association: 'CONTRIBUTOR' }],
    ['a first-time contributor', { association: 'FIRST_TIME_CONTRIBUTOR' }],
    ['someone without a role', { association: 'NONE' }],
    ['a bot, whatever its role', { association: 'MEMBER', type: 'Bot' as const, login: 'renovate[bot]' }],
  ])('ignores it from %s, silently', async (_who, author) => {
    await deliver('issue_comment', issueCommentEvent('/db-review', author));
    await deliver('issue_comment', issueCommentEvent('/db-review help', author));
    expect(await settled()).toEqual([]);
  });

  it('ignores comments that are not a command, and commands on issues', async () => {
    await deliver('issue_comment', issueCommentEvent('Looks good. /db-review', { association: 'OWNER' }));
    await deliver('issue_comment', issueCommentEvent('/db-reviewer', { association: 'OWNER' }));
    const onIssue = issueCommentEvent('/db-review', { association: 'OWNER' });
    delete (onIssue.issue as { pull_request?: unknown }).pull_request;
    await deliver('issue_comment', onIssue);
    expect(await settled()).toEqual([]);
  });
});

describe("/db-review explain, with ANTHROPIC_API_KEY in the app's environment", () => {
  beforeEach(() => loadApp({ ANTHROPIC_API_KEY: 'sk-ant-test' }));

  /** A type change that rewrites an existing table: a hazard no rule can fix in place. */
  const TYPE_CHANGE: Record<string, string> = {
    'db/migrations/001_users.sql': 'CREATE TABLE invoices (id bigint PRIMARY KEY, amount integer NOT NULL);\n',
    [ADDED]: 'ALTER TABLE invoices ALTER COLUMN amount TYPE bigint;\n',
  };
  const EXPLANATION = 'Changing `amount` to bigint rewrites `invoices` and its indexes under ACCESS EXCLUSIVE: every read and write waits for the copy.';
  const REWRITE = 'ALTER TABLE invoices ADD COLUMN amount_big bigint;';

  function expectReviewOnDemand(checkRunId: number, first: boolean): void {
    expectCheckRunCreated(checkRunId);
    github.get(`${REPO_PATH}${CONFIG_PATH}`).reply(200, 'llm:\n  mode: on-demand\n', { 'content-type': 'text/plain; charset=utf-8' });
    expectPullRequestRead(HEAD_SHA, { files: TYPE_CHANGE, cached: !first });
    expectPublished(checkRunId, { firstPublication: first });
  }

  it('asks Claude on the command only, and suggests the rewrite the shadow database verified; the verdict stays the rules\'', async () => {
    const api = messagesApi();
    expectReviewOnDemand(41, true);
    await deliver('pull_request', pullRequestEvent('opened'));
    await settled();
    expect(api.requests).toEqual([]);
    const plain = requestsTo('POST', `${REPO_PATH}/pulls/${PR_NUMBER}/reviews`)[0]!.body as { comments: { body: string }[] };
    expect(plain.comments.some((comment) => comment.body.includes('Claude'))).toBe(false);

    sent = [];
    api.answer(200, toolCallMessage({
      findings: [{ id: 'F1', explanation: EXPLANATION, rewrite: { sql: REWRITE, later_steps: 'Backfill `amount_big` in batches, then swap the columns.' } }],
      data_model_review: 'Money as bigint cents is fine; add CHECK (amount >= 0).',
    }));
    const comment = issueCommentEvent('/db-review explain', { association: 'MEMBER' });
    github.post(`${REPO_PATH}/issues/comments/${comment.comment.id}/reactions`).reply(201, { id: 1, content: 'eyes' });
    github.get(`${REPO_PATH}/pulls/${PR_NUMBER}`).reply(200, PULL_REQUEST);
    expectReviewOnDemand(42, false);
    await deliver('issue_comment', comment);
    await settled();

    expect(api.requests).toHaveLength(1);
    expect(requestsTo('PATCH', `${REPO_PATH}/check-runs/42`)[0]?.body).toMatchObject({ conclusion: 'failure' });
    const review = requestsTo('POST', `${REPO_PATH}/pulls/${PR_NUMBER}/reviews`)[0]!.body as { comments: { path: string; line: number; body: string }[] };
    const typeChange = review.comments.find((c) => c.body.includes('column-type-rewrite'))!;
    expect(typeChange).toMatchObject({ path: ADDED, line: 1 });
    expect(typeChange.body).toContain(
      [
        "**Claude's explanation** (advice; the verdict comes from db-review's rules alone)",
        '',
        EXPLANATION,
        '',
        '```suggestion',
        REWRITE,
        '```',
        '',
        'Rewrite proposed by Claude and **verified on the shadow database**: it parses, applies on the same base schema, still changes the tables the original changes, and takes no lock or rewrite worse than the original on any existing table.',
        '',
        'Later steps: Backfill `amount_big` in batches, then swap the columns.',
      ].join('\n'),
    );
    const summary = requestsTo('POST', `${REPO_PATH}/issues/${PR_NUMBER}/comments`)[0]!.body as { body: string };
    expect(summary.body).toContain('1 rewrite verified on the shadow database and suggested.\n\nMoney as bigint cents is fine; add CHECK (amount >= 0).');
  });
});

describe('Re-run', () => {
  beforeEach(() => loadApp());

  it('of the check run of a fork pull request finds the pull request by the external_id', async () => {
    github.get(`${REPO_PATH}/pulls/${PR_NUMBER}`).reply(200, PULL_REQUEST);
    expectWholeReview(41);

    await deliver('check_run', checkRunRerequestedEvent({ name: 'db-review', externalId: String(PR_NUMBER) }));
    await settled();

    expect(sent.slice(0, 2)).toEqual([
      { method: 'GET', path: `${REPO_PATH}/pulls/${PR_NUMBER}`, body: undefined },
      { method: 'POST', path: `${REPO_PATH}/check-runs`, body: created() },
    ]);
  });

  it('of another app’s check run is not ours to answer', async () => {
    await deliver('check_run', checkRunRerequestedEvent({ name: 'build', externalId: String(PR_NUMBER) }));
    expect(await settled()).toEqual([]);
  });

  it('of the check suite of a fork pull request reads the pull request from its db-review check runs', async () => {
    const suite = checkSuiteRerequestedEvent();
    github
      .get(`${REPO_PATH}/check-suites/${suite.check_suite.id}/check-runs`)
      .query({ check_name: 'db-review', per_page: '100' })
      .reply(200, { total_count: 1, check_runs: [{ id: 40, name: 'db-review', head_sha: HEAD_SHA, external_id: String(PR_NUMBER), pull_requests: [] }] });
    github.get(`${REPO_PATH}/pulls/${PR_NUMBER}`).reply(200, PULL_REQUEST);
    expectWholeReview(41);

    await deliver('check_suite', suite);
    await settled();

    expect(sent.slice(0, 3).map((request) => `${request.method} ${request.path}`)).toEqual([
      `GET ${REPO_PATH}/check-suites/${suite.check_suite.id}/check-runs?check_name=db-review&per_page=100`,
      `GET ${REPO_PATH}/pulls/${PR_NUMBER}`,
      `POST ${REPO_PATH}/check-runs`,
    ]);
    expect(requestsTo('POST', `${REPO_PATH}/check-runs`)[0]?.body).toEqual(created());
  });
});
