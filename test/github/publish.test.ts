import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkRunBody } from '../../src/github/check-run.ts';
import { commentableLines } from '../../src/github/diff-lines.ts';
import { publishReview, type PublishOptions } from '../../src/github/publish.ts';
import { planReview } from '../../src/github/review-comments.ts';
import { stickySummaryBody, SUMMARY_MARKER } from '../../src/github/sticky-summary.ts';
import type { PipelineResult } from '../../src/pipeline.ts';
import { github, PR, REPO_PATH, testClient } from './github-api.ts';
import { BOT, CHANGE, PATCHES, REPORT, reviewFixture } from './review-fixture.ts';
import { onlyThroughNock } from '../helpers/nock-network.ts';

let result: PipelineResult;

onlyThroughNock();

beforeAll(async () => {
  result = await reviewFixture();
});

const OPTIONS: PublishOptions = { botLogin: BOT, report: REPORT, patches: PATCHES };
const CHECK_RUN = `${REPO_PATH}/check-runs/42`;
const REVIEW_COMMENTS = `${REPO_PATH}/pulls/${PR.number}/comments`;
const REVIEWS = `${REPO_PATH}/pulls/${PR.number}/reviews`;
const ISSUE_COMMENTS = `${REPO_PATH}/issues/${PR.number}/comments`;

/** Every request GitHub received, in order: method, path and JSON body. */
function recorder(): { requests: unknown[]; reply: (status: number, response?: object) => (uri: string, body: nock.Body) => [number, object] } {
  const requests: unknown[] = [];
  return {
    requests,
    reply: (status, response = {}) =>
      function (this: nock.ReplyFnContext, uri, body) {
        requests.push({ method: this.req.method, path: uri.split('?')[0], ...(body ? { body: typeof body === 'string' ? JSON.parse(body) : body } : {}) });
        return [status, status >= 400 ? { message: (response as { message?: string }).message ?? 'error', documentation_url: 'https://docs.github.com/rest' } : response];
      },
  };
}

describe('publishReview', () => {
  it('completes the check run, posts the review, then creates the summary comment', async () => {
    const { requests, reply } = recorder();
    github()
      .patch(CHECK_RUN).reply(reply(200, { id: 42 }))
      .get(REVIEW_COMMENTS).query({ per_page: '100' }).reply(reply(200, []))
      .post(REVIEWS).reply(reply(200, { id: 80 }))
      .get(ISSUE_COMMENTS).query({ per_page: '100' }).reply(reply(200, []))
      .post(ISSUE_COMMENTS).reply(reply(201, { id: 5 }));

    const outcome = await publishReview(testClient(), PR, 42, result, OPTIONS);

    const check = checkRunBody(result, REPORT);
    const plan = planReview(result.review.findings, new Map([[CHANGE, commentableLines(PATCHES.get(CHANGE))]]), REPORT);
    expect(requests).toEqual([
      {
        method: 'PATCH',
        path: CHECK_RUN,
        body: { status: 'completed', conclusion: 'failure', output: { title: '2 errors, 2 warnings, 1 notice', summary: check.summary, annotations: check.annotations } },
      },
      { method: 'GET', path: REVIEW_COMMENTS },
      { method: 'POST', path: REVIEWS, body: { commit_id: PR.headSha, event: 'COMMENT', body: '**db-review**: 5 new findings on the changed lines.', comments: plan.comments } },
      { method: 'GET', path: ISSUE_COMMENTS },
      { method: 'POST', path: ISSUE_COMMENTS, body: { body: stickySummaryBody(result, REPORT) } },
    ]);
    expect(outcome).toEqual({ review: { posted: 5, alreadyPosted: 0, offDiff: 0 }, summary: 'created', problems: [] });
  });

  it('on a second run with the same findings posts no review and edits the summary comment', async () => {
    const plan = planReview(result.review.findings, new Map([[CHANGE, commentableLines(PATCHES.get(CHANGE))]]), REPORT);
    const { requests, reply } = recorder();
    const posted = plan.comments.map((c, i) => ({ id: i + 1, path: c.path, line: c.line, start_line: c.start_line ?? null, side: 'RIGHT', body: c.body, user: { login: BOT, type: 'Bot' } }));
    github()
      .patch(CHECK_RUN).reply(reply(200, { id: 42 }))
      .get(REVIEW_COMMENTS).query({ per_page: '100' }).reply(reply(200, posted))
      .get(ISSUE_COMMENTS).query({ per_page: '100' }).reply(reply(200, [{ id: 9, body: `${SUMMARY_MARKER}\nearlier`, user: { login: BOT, type: 'Bot' } }]))
      .patch(`${REPO_PATH}/issues/comments/9`).reply(reply(200, { id: 9 }));

    const outcome = await publishReview(testClient(), PR, 42, result, OPTIONS);

    expect(requests.map((r) => `${(r as { method: string }).method} ${(r as { path: string }).path}`)).toEqual([
      `PATCH ${CHECK_RUN}`,
      `GET ${REVIEW_COMMENTS}`,
      `GET ${ISSUE_COMMENTS}`,
      `PATCH ${REPO_PATH}/issues/comments/9`,
    ]);
    expect(requests[3]).toEqual({ method: 'PATCH', path: `${REPO_PATH}/issues/comments/9`, body: { body: stickySummaryBody(result, REPORT) } });
    expect(outcome).toEqual({ review: { posted: 0, alreadyPosted: 5, offDiff: 0 }, summary: 'updated', problems: [] });
  });

  it('still completes the check run when GitHub refuses the review and the comment, and says so in its summary', async () => {
    const { requests, reply } = recorder();
    github()
      .patch(CHECK_RUN).reply(reply(200, { id: 42 }))
      .get(REVIEW_COMMENTS).query({ per_page: '100' }).reply(reply(200, []))
      .post(REVIEWS).reply(reply(422, { message: 'Unprocessable Entity' }))
      .get(ISSUE_COMMENTS).query({ per_page: '100' }).reply(reply(200, []))
      .post(ISSUE_COMMENTS).reply(reply(403, { message: 'Resource not accessible by integration' }))
      .patch(CHECK_RUN).reply(reply(200, { id: 42 }));

    const outcome = await publishReview(testClient(), PR, 42, result, OPTIONS);

    const problems = [
      'The review with inline comments could not be posted (HTTP 422: Unprocessable Entity); the findings are all in this check run.',
      'The summary comment could not be posted (HTTP 403: Resource not accessible by integration); the findings are all in this check run.',
    ];
    expect(outcome).toEqual({ problems });
    const check = checkRunBody(result, REPORT, problems);
    expect(requests.at(-1)).toEqual({
      method: 'PATCH',
      path: CHECK_RUN,
      body: { status: 'completed', conclusion: 'failure', output: { title: check.title, summary: check.summary } },
    });
    expect(check.summary.startsWith(`> ⚠️ ${problems[0]}\n\n> ⚠️ ${problems[1]}\n\n## ❌ db-review:`)).toBe(true);
    expect((requests[0] as { body: { output: { annotations: unknown[] } } }).body.output.annotations).toHaveLength(5);
  });

  it('throws when the check run cannot be completed, and posts nothing else', async () => {
    const { requests, reply } = recorder();
    github().patch(CHECK_RUN).reply(reply(502, { message: 'Bad Gateway' }));

    await expect(publishReview(testClient(), PR, 42, result, OPTIONS)).rejects.toMatchObject({ status: 502 });
    expect(requests).toHaveLength(1);
  });

  it("retries a 502 on the check-run update with Probot's retry plugin", async () => {
    const client = new ProbotOctokit({ auth: { token: 'test' }, retry: { enabled: true, retryAfterBaseValue: 1 }, throttle: { enabled: false } });
    const { requests, reply } = recorder();
    github()
      .patch(CHECK_RUN).reply(reply(502, { message: 'Bad Gateway' }))
      .patch(CHECK_RUN).reply(reply(200, { id: 42 }))
      .get(REVIEW_COMMENTS).query({ per_page: '100' }).reply(reply(200, []))
      .post(REVIEWS).reply(reply(200, { id: 80 }))
      .get(ISSUE_COMMENTS).query({ per_page: '100' }).reply(reply(200, []))
      .post(ISSUE_COMMENTS).reply(reply(201, { id: 5 }));

    const outcome = await publishReview(client, PR, 42, result, OPTIONS);

    expect(outcome.problems).toEqual([]);
    expect(requests[0]).toEqual(requests[1]);
    expect(requests.map((r) => (r as { method: string }).method)).toEqual(['PATCH', 'PATCH', 'GET', 'POST', 'GET', 'POST']);
  });
});
