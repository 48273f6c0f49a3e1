import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { planReview, postReviewComments, type ReviewComment } from '../../src/github/review-comments.ts';
import { commentableLines } from '../../src/github/diff-lines.ts';
import type { Finding } from '../../src/findings.ts';
import type { PipelineResult } from '../../src/pipeline.ts';
import { API, github, PR, REPO_PATH, testClient } from './github-api.ts';
import { BOT, CHANGE, PATCHES, recordBodies, REPORT, reviewFixture, RULES_DOC } from './review-fixture.ts';
import { onlyThroughNock } from '../helpers/nock-network.ts';

let result: PipelineResult;

onlyThroughNock();

beforeAll(async () => {
  result = await reviewFixture();
});

const COMMENTS_PATH = `${REPO_PATH}/pulls/${PR.number}/comments`;
const OPTIONS = { report: REPORT, botLogin: BOT };

const finding = (rule: string): Finding => result.review.findings.find((f) => f.rule === rule)!;
const marker = (body: string): string => /<!-- db-review:finding [0-9a-f]{16} -->$/.exec(body)![0];

/** A review comment as `GET /pulls/{n}/comments` returns it. */
function listed(comment: ReviewComment, id: number, login = BOT): Record<string, unknown> {
  return {
    id,
    node_id: `PRRC_${id}`,
    pull_request_review_id: 7,
    diff_hunk: '@@ -0,0 +1,4 @@',
    path: comment.path,
    commit_id: PR.headSha,
    original_commit_id: PR.headSha,
    user: { login, id: id + 1000, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
    body: comment.body,
    created_at: '2024-03-15T12:00:00Z',
    updated_at: '2024-03-15T12:00:00Z',
    html_url: `https://github.com/${PR.owner}/${PR.repo}/pull/${PR.number}#discussion_r${id}`,
    pull_request_url: `${API}${REPO_PATH}/pulls/${PR.number}`,
    author_association: 'NONE',
    start_line: comment.start_line ?? null,
    original_start_line: comment.start_line ?? null,
    start_side: comment.start_side ?? null,
    line: comment.line,
    original_line: comment.line,
    side: 'RIGHT',
    subject_type: 'line',
  };
}

describe('planReview', () => {
  it('comments every finding of an added file, a fix as a suggestion over exactly its lines', () => {
    const plan = planReview(result.review.findings, new Map([[CHANGE, commentableLines(PATCHES.get(CHANGE))]]), REPORT);
    expect(plan.offDiff).toEqual([]);
    expect(plan.comments.map(({ body: _body, ...anchor }) => anchor)).toEqual([
      { path: CHANGE, line: 2, side: 'RIGHT' },
      { path: CHANGE, line: 2, side: 'RIGHT' },
      { path: CHANGE, line: 2, side: 'RIGHT' },
      { path: CHANGE, line: 4, side: 'RIGHT', start_line: 3, start_side: 'RIGHT' },
      { path: CHANGE, line: 4, side: 'RIGHT', start_line: 3, start_side: 'RIGHT' },
    ]);
    const index = finding('require-concurrent-index');
    const body = plan.comments[3]!.body;
    expect(body).toBe(
      [
        '**error · require-concurrent-index**',
        '',
        index.message,
        '',
        '````suggestion',
        'CREATE INDEX CONCURRENTLY invoices_customer ON invoices (customer_id)',
        "  WHERE note <> '```';",
        '````',
        '',
        index.detail!.trim(),
        '',
        `[Rule docs](${RULES_DOC}#require-concurrent-index) · suppress with \`-- db-review:ignore require-concurrent-index <reason>\``,
        '',
        marker(body),
      ].join('\n'),
    );
    expect(plan.comments[1]!.body).toContain("```suggestion\nSET lock_timeout = '5s';\nALTER TABLE invoices ALTER COLUMN amount TYPE bigint;\n```");
  });

  it('anchors at the first line on the diff when the range is not, and shows the fix as SQL then', () => {
    const patch = [
      '@@ -1,3 +1,3 @@',
      ' -- +goose Up',
      '-ALTER TABLE invoices ALTER COLUMN amount TYPE numeric;',
      '+ALTER TABLE invoices ALTER COLUMN amount TYPE bigint;',
      ' CREATE INDEX invoices_customer ON invoices (customer_id)',
    ].join('\n');
    const plan = planReview(result.review.findings, new Map([[CHANGE, commentableLines(patch)]]), REPORT);
    const index = plan.comments.find((c) => c.body.includes('require-concurrent-index'))!;
    expect({ line: index.line, start_line: index.start_line }).toEqual({ line: 3, start_line: undefined });
    expect(index.body).not.toContain('suggestion');
    expect(index.body).toContain("Suggested replacement for lines 3–4:\n\n````sql\nCREATE INDEX CONCURRENTLY invoices_customer ON invoices (customer_id)\n  WHERE note <> '```';\n````");
  });

  it('leaves findings on no line of the diff, or in files it does not touch, to the summary', () => {
    const patch = '@@ -1,2 +1,2 @@\n -- +goose Up\n-ALTER TABLE invoices ALTER COLUMN amount TYPE numeric;\n+ALTER TABLE invoices ALTER COLUMN amount TYPE bigint;';
    const elsewhere: Finding = { rule: 'drop-table', severity: 'error', path: 'db/000_other.sql', line: 1, message: 'DROP TABLE', source: 'rule' };
    const plan = planReview([...result.review.findings, elsewhere], new Map([[CHANGE, commentableLines(patch)]]), REPORT);
    expect(plan.comments.map((c) => c.line)).toEqual([2, 2, 2]);
    expect(plan.offDiff.map((f) => `${f.rule}@${f.path}:${f.line}`)).toEqual([
      `require-concurrent-index@${CHANGE}:3`,
      `work-after-access-exclusive@${CHANGE}:3`,
      'drop-table@db/000_other.sql:1',
    ]);
  });
});

describe('postReviewComments', () => {
  it('posts one review with the comments on the diff', async () => {
    const plan = planReview(result.review.findings, new Map([[CHANGE, commentableLines(PATCHES.get(CHANGE))]]), REPORT);
    const scope = github().get(COMMENTS_PATH).query({ per_page: '100' }).reply(200, []);
    const reviews = recordBodies(github().post(`${REPO_PATH}/pulls/${PR.number}/reviews`), { id: 80 });

    const outcome = await postReviewComments(testClient(), PR, result.review.findings, PATCHES, OPTIONS);

    expect(outcome).toEqual({ posted: 5, alreadyPosted: 0, offDiff: 0 });
    expect(reviews).toEqual([
      {
        commit_id: PR.headSha,
        event: 'COMMENT',
        body: '**db-review**: 5 new findings on the changed lines.',
        comments: plan.comments,
      },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('says in the review which findings are off the diff', async () => {
    const patches = new Map([[CHANGE, '@@ -1,2 +1,2 @@\n -- +goose Up\n-ALTER TABLE invoices ALTER COLUMN amount TYPE numeric;\n+ALTER TABLE invoices ALTER COLUMN amount TYPE bigint;']]);
    github().get(COMMENTS_PATH).query({ per_page: '100' }).reply(200, []);
    const reviews = recordBodies(github().post(`${REPO_PATH}/pulls/${PR.number}/reviews`), { id: 80 });

    const outcome = await postReviewComments(testClient(), PR, result.review.findings, patches, OPTIONS);

    expect(outcome).toEqual({ posted: 3, alreadyPosted: 0, offDiff: 2 });
    expect((reviews[0] as { body: string }).body).toBe(
      '**db-review**: 3 new findings on the changed lines.\n\n2 findings are on lines outside this diff: see the summary comment and the check run.',
    );
  });

  it('does not comment again what an earlier run commented, across pages, and posts nothing when nothing is new', async () => {
    const plan = planReview(result.review.findings, new Map([[CHANGE, commentableLines(PATCHES.get(CHANGE))]]), REPORT);
    const page2 = `${API}${REPO_PATH}/pulls/${PR.number}/comments?per_page=100&page=2`;
    github()
      .get(COMMENTS_PATH)
      .query({ per_page: '100' })
      .reply(200, plan.comments.slice(0, 3).map((c, i) => listed(c, i + 1)), { link: `<${page2}>; rel="next", <${page2}>; rel="last"` })
      .get(COMMENTS_PATH)
      .query({ per_page: '100', page: '2' })
      .reply(200, plan.comments.slice(3).map((c, i) => listed(c, i + 4)));

    const outcome = await postReviewComments(testClient(), PR, result.review.findings, PATCHES, OPTIONS);

    expect(outcome).toEqual({ posted: 0, alreadyPosted: 5, offDiff: 0 });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('posts only the new comments; a marker in someone else\'s comment, or on another line, does not count', async () => {
    const plan = planReview(result.review.findings, new Map([[CHANGE, commentableLines(PATCHES.get(CHANGE))]]), REPORT);
    const [first, second, third, fourth, fifth] = plan.comments as [ReviewComment, ReviewComment, ReviewComment, ReviewComment, ReviewComment];
    github()
      .get(COMMENTS_PATH)
      .query({ per_page: '100' })
      .reply(200, [listed(first, 1), listed(second, 2, 'octocat'), listed({ ...third, line: 9 }, 3), listed(fourth, 4), listed(fifth, 5)]);
    const reviews = recordBodies(github().post(`${REPO_PATH}/pulls/${PR.number}/reviews`), { id: 81 });

    const outcome = await postReviewComments(testClient(), PR, result.review.findings, PATCHES, OPTIONS);

    expect(outcome).toEqual({ posted: 2, alreadyPosted: 3, offDiff: 0 });
    expect(reviews).toEqual([{ commit_id: PR.headSha, event: 'COMMENT', body: '**db-review**: 2 new findings on the changed lines.', comments: [second, third] }]);
  });
});
