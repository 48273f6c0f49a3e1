import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../../src/action.ts';
import { escapeData, escapeProperty, workflowCommand } from '../../src/action/workflow-commands.ts';
import { DEFAULT_CONFIG } from '../../src/config/index.ts';
import { checkRunBody, checkRunSummary } from '../../src/github/check-run.ts';
import { commentableLines } from '../../src/github/diff-lines.ts';
import { planReview } from '../../src/github/review-comments.ts';
import { reviewPullRequest } from '../../src/github/review-pull-request.ts';
import { stickySummaryBody } from '../../src/github/sticky-summary.ts';
import type { PipelineResult } from '../../src/pipeline.ts';
import { rulesMeta, toolVersion } from '../../src/report/meta.ts';
import { formatText } from '../../src/report/text.ts';
import { pullRequestEvent } from '../fixtures/github/webhooks.ts';
import { API, PR, REPO_PATH, testClient } from './github-api.ts';
import { ADDED, ADDED_PATCH, replyNoConfig, replyPullRequestFiles } from './small-pull-request.ts';
import { messagesApi, toolCallMessage } from '../helpers/claude-api.ts';
import { recordGitHub, type SentRequest } from '../helpers/nock-network.ts';

const REPORT = { color: false, toolVersion: toolVersion(), rulesMeta: rulesMeta() };
const CHECK_RUN = `${REPO_PATH}/check-runs/77`;
const FORK_REASON = "This pull request comes from a fork, and the workflow's token cannot write to it: the review is in the job summary and the annotations.";

/** The small pull request as the rules review it, and what publishing it sends. */
let result: PipelineResult;

const recorder = recordGitHub(API);

beforeAll(async () => {
  replyPullRequestFiles(nock(API));
  ({ result } = await reviewPullRequest(testClient(), PR, DEFAULT_CONFIG));
});

interface ActionRun {
  code: number;
  stdout: string;
  /** The job summary the step wrote; undefined when it wrote none. */
  summary: string | undefined;
}

/**
 * Runs the action in-process as a step of a workflow on `eventName` with this payload, its
 * workspace holding `workspace` (path → text); rules only unless `inputs` say otherwise.
 */
async function runStep(payload: object, inputs: Record<string, string> = {}, eventName = 'pull_request', workspace: Record<string, string> = {}): Promise<ActionRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'db-review-action-'));
  for (const [file, text] of Object.entries(workspace)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const eventPath = path.join(dir, 'event.json');
  const summaryPath = path.join(dir, 'step-summary.md');
  writeFileSync(eventPath, JSON.stringify(payload));
  const env: NodeJS.ProcessEnv = {
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: dir,
    'INPUT_GITHUB-TOKEN': 'ghs_workflow',
    INPUT_SHADOW: 'off',
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await runAction({ env, stdout });
  return { code, stdout: out, summary: existsSync(summaryPath) ? readFileSync(summaryPath, 'utf8') : undefined };
}

function forkPayload(): object {
  const payload = pullRequestEvent('opened');
  payload.pull_request.head.repo = { ...payload.pull_request.head.repo!, full_name: 'contributor/Hello-World', fork: true };
  return payload;
}

/** Publishing with the workflow's token: the check run created then completed, whose login it cannot ask, the review, the summary comment. */
function replyPublished(scope: nock.Scope): void {
  scope
    .post(`${REPO_PATH}/check-runs`).reply(201, { id: 77 })
    .get('/user').reply(403, { message: 'Resource not accessible by integration' })
    .patch(CHECK_RUN).reply(200, { id: 77 })
    .get(`${REPO_PATH}/pulls/${PR.number}/comments`).query({ per_page: '100' }).reply(200, [])
    .post(`${REPO_PATH}/pulls/${PR.number}/reviews`).reply(200, { id: 80 })
    .get(`${REPO_PATH}/issues/${PR.number}/comments`).query({ per_page: '100' }).reply(200, [])
    .post(`${REPO_PATH}/issues/${PR.number}/comments`).reply(201, { id: 5 });
}

const writes = (): SentRequest[] => recorder.sent.filter((request) => request.method !== 'GET');

/** The step's log: the pull request, then the review as the command line prints it. */
const LOG_HEAD = `db-review: reviewing ${PR.owner}/${PR.repo}#${PR.number} at ${PR.headSha.slice(0, 7)}\n`;

describe('the Action on a pull request of the same repository', () => {
  it('creates the check run, completes it, posts the review and the summary comment, and fails the step on an error', async () => {
    const scope = recorder.scope();
    replyNoConfig(scope);
    replyPullRequestFiles(scope);
    replyPublished(scope);

    const run = await runStep(pullRequestEvent('opened'));

    const check = checkRunBody(result, REPORT);
    const plan = planReview(result.review.findings, new Map([[ADDED, commentableLines(ADDED_PATCH)]]), REPORT);
    recorder.expectAllAnswered(scope);
    expect(writes()).toEqual([
      { method: 'POST', path: `${REPO_PATH}/check-runs`, body: { name: 'db-review', head_sha: PR.headSha, status: 'in_progress', external_id: String(PR.number) } },
      { method: 'PATCH', path: CHECK_RUN, body: { status: 'completed', conclusion: 'failure', output: { title: check.title, summary: check.summary, annotations: check.annotations } } },
      {
        method: 'POST',
        path: `${REPO_PATH}/pulls/${PR.number}/reviews`,
        body: { commit_id: PR.headSha, event: 'COMMENT', body: '**db-review**: 3 new findings on the changed lines.', comments: plan.comments },
      },
      { method: 'POST', path: `${REPO_PATH}/issues/${PR.number}/comments`, body: { body: stickySummaryBody(result, REPORT) } },
    ]);
    expect(run).toEqual({ code: 1, stdout: LOG_HEAD + formatText(result.review, REPORT), summary: checkRunSummary(result, REPORT) });
  });

  it('reports in the job summary and annotations when the token may not create check runs', async () => {
    const scope = recorder.scope();
    replyNoConfig(scope);
    replyPullRequestFiles(scope);
    scope.post(`${REPO_PATH}/check-runs`).reply(403, { message: 'Resource not accessible by integration' });

    const run = await runStep(pullRequestEvent('opened'));

    const reason =
      'The token may not create check runs (HTTP 403: Resource not accessible by integration; the workflow needs `permissions: checks: write`), so db-review wrote nothing to the pull request: the review is in the job summary and the annotations.';
    recorder.expectAllAnswered(scope);
    expect(writes()).toHaveLength(1);
    expect(run.summary).toBe(checkRunSummary(result, REPORT, [reason]));
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(`::notice title=db-review::${reason}`);
    expect(run.code).toBe(1);
  });

  it('takes the config input from the workspace instead of the default branch, and fail-on over it', async () => {
    const scope = recorder.scope();
    replyPullRequestFiles(scope);
    replyPublished(scope);

    const run = await runStep(pullRequestEvent('opened'), { 'fail-on': 'never', config: 'ci/db-review.yml' }, 'pull_request', {
      'ci/db-review.yml': 'fail_on: error\nrules:\n  require-lock-timeout: off\n',
    });

    recorder.expectAllAnswered(scope);
    const completed = writes()[1] as { body: { conclusion: string; output: { annotations: { title: string }[] } } };
    expect(completed.body.conclusion).toBe('success');
    expect(completed.body.output.annotations.map((a) => a.title)).toEqual(['require-concurrent-index', 'require-statement-timeout']);
    expect(run.code).toBe(0);
  });

  it('cannot run when the config input names a file the workspace does not have', async () => {
    recorder.scope();
    const run = await runStep(pullRequestEvent('opened'), { config: 'missing.yml' });
    expect(run.code).toBe(2);
    expect(run.summary).toBeUndefined();
    expect(run.stdout).toMatch(/^::error title=db-review cannot run::missing\.yml: config file not found \(looked at .*missing\.yml\)\n$/);
    expect(recorder.sent).toEqual([]);
  });
});

describe("the Action on a fork's pull request (read-only token)", () => {
  it('writes nothing to GitHub, puts the review in the job summary and prints an annotation per finding', async () => {
    const scope = recorder.scope();
    replyNoConfig(scope);
    replyPullRequestFiles(scope);

    const run = await runStep(forkPayload());

    recorder.expectAllAnswered(scope);
    expect(writes()).toEqual([]);
    expect(run.summary).toBe(checkRunSummary(result, REPORT, [FORK_REASON]));
    expect(run.summary).toMatch(/^> ⚠️ This pull request comes from a fork.*\n\n## ❌ db-review: 1 error, 1 warning, 1 notice \(fails on error\)\n/);
    expect(run.stdout).toBe(
      LOG_HEAD +
        formatText(result.review, REPORT) +
        [
          '::error file=db/migrations/002_users_email.sql,line=1,endLine=1,col=1,endColumn=1,title=require-concurrent-index::CREATE INDEX on `users` takes a SHARE lock on `users` (blocks writes) for the whole statement: every INSERT, UPDATE and DELETE waits until the index is built. Use CREATE INDEX CONCURRENTLY.',
          '::warning file=db/migrations/002_users_email.sql,line=1,endLine=1,col=1,endColumn=1,title=require-lock-timeout::This is the first statement of the migration that needs a lock blocking traffic (SHARE on `users`, blocks writes) and no `lock_timeout` is set: if a long-running transaction has written to `users` (or holds another conflicting lock), this statement waits for it, and every write to `users` that arrives meanwhile queues behind this statement. Set `lock_timeout` first.',
          '::notice file=db/migrations/002_users_email.sql,line=1,endLine=1,col=1,endColumn=1,title=require-statement-timeout::This statement builds the index `users_email_idx` while holding a SHARE lock on `users` (blocks writes), and no `statement_timeout` is set: if it runs far longer than planned, the lock stays held until someone cancels it by hand. Set `statement_timeout` so it fails fast and rolls back.',
          `::notice title=db-review::${FORK_REASON}`,
          '',
        ].join('\n'),
    );
    expect(run.code).toBe(1);
  });

  it("publishes as on the same repository under pull_request_target, whose token is the base repository's", async () => {
    const scope = recorder.scope();
    replyNoConfig(scope);
    replyPullRequestFiles(scope);
    replyPublished(scope);

    const run = await runStep(forkPayload(), {}, 'pull_request_target');

    recorder.expectAllAnswered(scope);
    expect(writes().map((request) => `${request.method} ${request.path}`)).toEqual([
      `POST ${REPO_PATH}/check-runs`,
      `PATCH ${CHECK_RUN}`,
      `POST ${REPO_PATH}/pulls/${PR.number}/reviews`,
      `POST ${REPO_PATH}/issues/${PR.number}/comments`,
    ]);
    expect(run.code).toBe(1);
  });

  it('exits 0 when no finding reaches fail-on', async () => {
    const scope = recorder.scope();
    replyNoConfig(scope);
    replyPullRequestFiles(scope);

    const run = await runStep(forkPayload(), { 'fail-on': 'never' });

    expect(writes()).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.summary).toMatch(/^> ⚠️ This pull request comes from a fork/);
  });
});

describe('the Action refuses to run', () => {
  it('on an event other than a pull request', async () => {
    recorder.scope();
    const run = await runStep(pullRequestEvent('opened'), {}, 'push');
    expect(run).toEqual({
      code: 2,
      stdout: '::error title=db-review cannot run::db-review reviews pull requests: run it on: pull_request (this workflow runs on "push")\n',
      summary: undefined,
    });
  });

  it('with an input it cannot use', async () => {
    recorder.scope();
    const run = await runStep(pullRequestEvent('opened'), { shadow: 'server' });
    expect(run.stdout).toBe('::error title=db-review cannot run::shadow must be one of embedded, off, got "server"\n');
    expect(run.code).toBe(2);
    expect(recorder.sent).toEqual([]);
  });
});

describe('the Action with anthropic-api-key', () => {
  const EXPLANATION = 'A plain CREATE INDEX holds a SHARE lock on `users` for the whole build: every insert and update waits.';
  const explained = () => toolCallMessage({ findings: [{ id: 'F1', explanation: EXPLANATION }], data_model_review: 'An index on `email` alone: is it unique? Then say so with a UNIQUE index.' });

  it("adds Claude's explanation to the inline comment, the summary comment and the log, and leaves the verdict to the rules", async () => {
    const scope = recorder.scope();
    replyNoConfig(scope);
    replyPullRequestFiles(scope);
    replyPublished(scope);
    const api = messagesApi();
    api.answer(200, explained());

    const run = await runStep(pullRequestEvent('opened'), { 'anthropic-api-key': 'sk-ant-test' });

    recorder.expectAllAnswered(scope);
    expect(api.requests).toHaveLength(1);
    expect(run.code).toBe(1);
    const [check, review, summary] = writes().slice(1) as [SentRequest, SentRequest, SentRequest];
    expect((check.body as { conclusion: string }).conclusion).toBe('failure');
    const comment = (review.body as { comments: { path: string; line: number; body: string }[] }).comments.find((c) => c.body.includes(EXPLANATION))!;
    expect(comment).toMatchObject({ path: ADDED, line: 1 });
    expect(comment.body).toContain(`**Claude's explanation** (advice; the verdict comes from db-review's rules alone)\n\n${EXPLANATION}`);
    expect((summary.body as { body: string }).body).toContain(
      "**Data model review** by Claude (claude-sonnet-5-5), advice only: the verdict comes from db-review's rules. 1 finding explained in the inline comments.\n\nAn index on `email` alone: is it unique? Then say so with a UNIQUE index.",
    );
    expect(run.stdout).toContain(`Claude: ${EXPLANATION}\n`);
    expect(run.stdout).toContain('db-review asked Claude {"model":"claude-sonnet-5-5","input":2412,"output":618');
  });

  it('asks nothing when the config says on-demand, unless the explain input asks', async () => {
    const workspace = { 'db-review.yml': 'llm:\n  mode: on-demand\n' };
    for (const explain of ['false', 'true']) {
      const scope = recorder.scope();
      replyPullRequestFiles(scope);
      replyPublished(scope);
      const api = messagesApi();
      if (explain === 'true') api.answer(200, explained());
      const run = await runStep(pullRequestEvent('opened'), { 'anthropic-api-key': 'sk-ant-test', config: 'db-review.yml', explain }, 'pull_request', workspace);
      expect(run.code).toBe(1);
      expect(api.requests).toHaveLength(explain === 'true' ? 1 : 0);
      expect(run.stdout.includes(`Claude: ${EXPLANATION}`)).toBe(explain === 'true');
    }
  });

  it('says why there are no explanations when explain is true without a key', async () => {
    const scope = recorder.scope();
    replyNoConfig(scope);
    replyPullRequestFiles(scope);
    replyPublished(scope);
    const run = await runStep(pullRequestEvent('opened'), { explain: 'true' });
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')[1]).toBe(
      "::warning title=db-review::explain is true, but anthropic-api-key is empty (a fork's pull request gets no secrets): the review has no explanations by Claude.",
    );
  });

  it('cannot run with an explain input other than true or false', async () => {
    recorder.scope();
    const run = await runStep(pullRequestEvent('opened'), { explain: 'yes' });
    expect(run).toMatchObject({ code: 2, stdout: '::error title=db-review cannot run::explain must be true or false, got "yes"\n' });
  });
});

describe('workflow commands', () => {
  it("escape %, CR and LF in messages, and also : and , in properties, as the runner unescapes them", () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('db/100%:a,b\n.sql')).toBe('db/100%25%3Aa%2Cb%0A.sql');
    expect(workflowCommand('warning', { file: 'a,b:c.sql', line: 3, col: undefined, title: 'x' }, 'two\nlines: 50%')).toBe(
      '::warning file=a%2Cb%3Ac.sql,line=3,title=x::two%0Alines: 50%25',
    );
  });
});
