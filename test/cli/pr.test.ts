import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/index.ts';
import { commentableLines } from '../../src/github/diff-lines.ts';
import { planReview } from '../../src/github/review-comments.ts';
import { reviewPullRequest } from '../../src/github/review-pull-request.ts';
import { stickySummaryBody } from '../../src/github/sticky-summary.ts';
import { rulesMeta, toolVersion } from '../../src/report/meta.ts';
import { API, PR, REPO_PATH, replyPullRequest, testClient } from '../github/github-api.ts';
import { ADDED, ADDED_PATCH, replyNoConfig, replyPullRequestFiles } from '../github/small-pull-request.ts';
import { runCli } from './helpers.ts';
import { recordGitHub } from '../helpers/nock-network.ts';

const SPEC = `${PR.owner}/${PR.repo}#${PR.number}`;
const TOKEN = { GITHUB_TOKEN: 'ghp_test' };
const REPORT = { color: false, toolVersion: toolVersion(), rulesMeta: rulesMeta() };

/** What `check --pr` prints for the small pull request, rules only. */
const REVIEW_TEXT = `db/migrations/002_users_email.sql
  1:1  error    require-concurrent-index   CREATE INDEX on \`users\` takes a SHARE lock on \`users\` (blocks writes) for the whole statement: every INSERT, UPDATE and DELETE waits until the index is built. Use CREATE INDEX CONCURRENTLY.
  1:1  warning  require-lock-timeout       This is the first statement of the migration that needs a lock blocking traffic (SHARE on \`users\`, blocks writes) and no \`lock_timeout\` is set: if a long-running transaction has written to \`users\` (or holds another conflicting lock), this statement waits for it, and every write to \`users\` that arrives meanwhile queues behind this statement. Set \`lock_timeout\` first.
  1:1  notice   require-statement-timeout  This statement builds the index \`users_email_idx\` while holding a SHARE lock on \`users\` (blocks writes), and no \`statement_timeout\` is set: if it runs far longer than planned, the lock stays held until someone cancels it by hand. Set \`statement_timeout\` so it fails fast and rolls back.

✖ 1 error, 1 warning, 1 notice (fails on error)
`;

const recorder = recordGitHub(API);

describe('db-review check --pr', () => {
  it('reviews the pull request as GitHub holds it, prints the report and exits 1 on an error, reading only', async () => {
    const scope = recorder.scope();
    replyPullRequest(scope, 2);
    replyNoConfig(scope);
    replyPullRequestFiles(scope);

    const run = await runCli(['check', '--pr', SPEC, '--no-shadow'], tmpdir(), TOKEN);

    expect(run).toEqual({ code: 1, stdout: REVIEW_TEXT, stderr: '' });
    recorder.expectAllAnswered(scope);
    expect(new Set(recorder.sent.map((request) => request.method))).toEqual(new Set(['GET']));
  });

  it("takes the pull request's address, and GitHub Enterprise Server's API from GITHUB_API_URL", async () => {
    const enterprise = 'https://github.example.com';
    const scope = recorder.scope(enterprise);
    scope.get(`/api/v3${REPO_PATH}/pulls/${PR.number}`).reply(200, { base: { ref: PR.baseRef, sha: PR.baseSha }, head: { sha: PR.headSha }, number: PR.number, changed_files: 1 });
    scope.get(/^\/api\/v3\/repos\/.*\/contents\/\.github%2Fdb-review\.yml/).times(2).reply(404, { message: 'Not Found' });
    scope.get(`/api/v3${REPO_PATH}/git/trees/${PR.headSha}`).query({ recursive: 'true' }).reply(200, { sha: PR.headSha, truncated: false, tree: [] });
    scope.get(`/api/v3${REPO_PATH}/pulls/${PR.number}/files`).query({ per_page: '100' }).reply(200, []);

    const run = await runCli(
      ['check', '--pr', `${enterprise}/${PR.owner}/${PR.repo}/pull/${PR.number}/files`, '--no-shadow', '--format', 'json'],
      tmpdir(),
      { ...TOKEN, GITHUB_API_URL: `${enterprise}/api/v3/` },
    );

    expect(run.stderr).toBe('note: no .sql files found\n');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ conclusion: 'neutral', findings: [] });
    recorder.expectAllAnswered(scope);
  });

  it('reads --config from the local file instead of the default branch', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'db-review-pr-'));
    writeFileSync(path.join(dir, 'review.yml'), 'fail_on: never\nrules:\n  require-lock-timeout: off\n');
    const scope = recorder.scope();
    replyPullRequest(scope, 2);
    replyPullRequestFiles(scope);

    const run = await runCli(['check', '--pr', SPEC, '--no-shadow', '--config', 'review.yml', '--format', 'json'], dir, TOKEN);

    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { conclusion: string; findings: { rule: string }[] };
    expect(report.findings.map((f) => f.rule)).toEqual(['require-concurrent-index', 'require-statement-timeout']);
    recorder.expectAllAnswered(scope);
  });

  it('exits 2 and says how to give a token when GITHUB_TOKEN is missing, before any request', async () => {
    recorder.scope();
    const run = await runCli(['check', '--pr', SPEC], tmpdir(), { GITHUB_TOKEN: '' });
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: 'db-review: --pr needs a GitHub token that can read the repository in GITHUB_TOKEN (for example GITHUB_TOKEN=$(gh auth token))\n',
    });
    expect(recorder.sent).toEqual([]);
  });

  it.each([
    ['Codertocat/Hello-World', 'Codertocat/Hello-World'],
    ['Hello-World#2', 'Hello-World#2'],
    ['https://github.com/Codertocat/Hello-World/issues/2', 'https://github.com/Codertocat/Hello-World/issues/2'],
    ['Codertocat/Hello-World#0', 'Codertocat/Hello-World#0'],
  ])('exits 2 with the usage on a pull request named %s', async (spec, shown) => {
    recorder.scope();
    const run = await runCli(['check', '--pr', spec], tmpdir(), TOKEN);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^db-review: --pr must be owner/repo#number or a pull request's address \\(https://github\\.com/owner/repo/pull/number\\), got "${shown.replace(/[.?*+^$[\]\\(){}|-]/g, '\\$&')}"\n\nUsage: db-review check`),
    );
    expect(recorder.sent).toEqual([]);
  });

  it('refuses paths, --base with --pr, and --post without it', async () => {
    const withPaths = await runCli(['check', 'db', '--pr', SPEC], tmpdir(), TOKEN);
    expect(withPaths.code).toBe(2);
    expect(withPaths.stderr.split('\n')[0]).toBe('db-review: --pr reviews the pull request as GitHub holds it: it takes no paths and no --base');
    const post = await runCli(['check', '--post'], tmpdir(), TOKEN);
    expect(post.code).toBe(2);
    expect(post.stderr.split('\n')[0]).toBe('db-review: --post needs --pr');
  });

  it('exits 2 with what GitHub answered when the pull request cannot be read', async () => {
    const scope = recorder.scope();
    scope.get(`${REPO_PATH}/pulls/${PR.number}`).reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/pulls/pulls#get-a-pull-request' });

    const run = await runCli(['check', '--pr', SPEC], tmpdir(), TOKEN);

    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: `db-review: ${SPEC}: GitHub refused the pull request: HTTP 404: Not Found (no such pull request, or the token cannot see the repository)\n`,
    });
  });
});

describe('db-review check --pr --post', () => {
  /** The review and the summary comment the small pull request gets, from the same pipeline. */
  async function expectedPosts(): Promise<{ review: object; summary: string }> {
    replyPullRequestFiles(nock(API));
    const { result } = await reviewPullRequest(testClient(), PR, DEFAULT_CONFIG);
    const plan = planReview(result.review.findings, new Map([[ADDED, commentableLines(ADDED_PATCH)]]), REPORT);
    return {
      review: { commit_id: PR.headSha, event: 'COMMENT', body: '**db-review**: 3 new findings on the changed lines.', comments: plan.comments },
      summary: stickySummaryBody(result, REPORT),
    };
  }

  it("posts the inline comments as one review and creates the summary comment, as the token's user, and no check run", async () => {
    const expected = await expectedPosts();
    const scope = recorder.scope();
    replyReadingForPost(scope);
    scope
      .post(`${REPO_PATH}/pulls/${PR.number}/reviews`).reply(200, { id: 80 })
      .get(`${REPO_PATH}/issues/${PR.number}/comments`).query({ per_page: '100' }).reply(200, [])
      .post(`${REPO_PATH}/issues/${PR.number}/comments`).reply(201, { id: 5 });

    const run = await runCli(['check', '--pr', SPEC, '--no-shadow', '--post'], tmpdir(), TOKEN);

    expect(run.stdout).toBe(REVIEW_TEXT);
    expect(run.stderr).toBe(
      [
        `${SPEC}: posted a review with 3 inline comments`,
        `${SPEC}: created the summary comment`,
        'note: no check run: GitHub lets only GitHub Apps create them (the db-review App and Action do)',
        '',
      ].join('\n'),
    );
    expect(run.code).toBe(1);
    recorder.expectAllAnswered(scope);
    expect(recorder.sent.filter((request) => request.method !== 'GET')).toEqual([
      { method: 'POST', path: `${REPO_PATH}/pulls/${PR.number}/reviews`, body: expected.review },
      { method: 'POST', path: `${REPO_PATH}/issues/${PR.number}/comments`, body: { body: expected.summary } },
    ]);
  });

  it('edits its earlier summary comment, and exits 2 saying what GitHub refused', async () => {
    const expected = await expectedPosts();
    const scope = recorder.scope();
    replyReadingForPost(scope);
    scope
      .post(`${REPO_PATH}/pulls/${PR.number}/reviews`).reply(403, { message: 'Resource not accessible by personal access token' })
      .get(`${REPO_PATH}/issues/${PR.number}/comments`).query({ per_page: '100' })
      .reply(200, [{ id: 9, body: '<!-- db-review:summary -->\nearlier', user: { login: 'octocat', type: 'User' } }])
      .patch(`${REPO_PATH}/issues/comments/9`).reply(200, { id: 9 });

    const run = await runCli(['check', '--pr', SPEC, '--no-shadow', '--post'], tmpdir(), TOKEN);

    expect(run.stderr).toBe(
      [
        `${SPEC}: updated the summary comment`,
        'note: no check run: GitHub lets only GitHub Apps create them (the db-review App and Action do)',
        'db-review: The review with inline comments could not be posted (HTTP 403: Resource not accessible by personal access token)',
        '',
      ].join('\n'),
    );
    expect(run.code).toBe(2);
    recorder.expectAllAnswered(scope);
    expect(recorder.sent.filter((request) => request.method !== 'GET')).toEqual([
      { method: 'POST', path: `${REPO_PATH}/pulls/${PR.number}/reviews`, body: expected.review },
      { method: 'PATCH', path: `${REPO_PATH}/issues/comments/9`, body: { body: expected.summary } },
    ]);
  });
});

/** What --post reads before it writes: the pull request, its config and files, the token's user, the review comments so far. */
function replyReadingForPost(scope: nock.Scope): void {
  replyPullRequest(scope, 2);
  replyNoConfig(scope);
  replyPullRequestFiles(scope);
  scope
    .get('/user').reply(200, { login: 'octocat', type: 'User' })
    .get(`${REPO_PATH}/pulls/${PR.number}/comments`).query({ per_page: '100' }).reply(200, []);
}
