import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stickySummaryBody, SUMMARY_MARKER, upsertStickySummary } from '../../src/github/sticky-summary.ts';
import type { Finding } from '../../src/findings.ts';
import type { PipelineResult } from '../../src/pipeline.ts';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { API, github, PR, REPO_PATH, testClient } from './github-api.ts';
import { BOT, manyFindings, recordBodies, REPORT, resultWith, reviewFixture } from './review-fixture.ts';
import { onlyThroughNock } from '../helpers/nock-network.ts';

const provider = createEmbeddedProvider();
let result: PipelineResult;

onlyThroughNock();

beforeAll(async () => {
  result = await reviewFixture(provider);
}, 120_000);
afterAll(async () => {
  await provider.dispose();
});

const COMMENTS_PATH = `${REPO_PATH}/issues/${PR.number}/comments`;
const LIMIT = 65_536;

/** An issue comment as `GET /issues/{n}/comments` returns it. */
function issueComment(id: number, login: string, body: string): Record<string, unknown> {
  return {
    id,
    node_id: `IC_${id}`,
    url: `${API}${REPO_PATH}/issues/comments/${id}`,
    html_url: `https://github.com/${PR.owner}/${PR.repo}/pull/${PR.number}#issuecomment-${id}`,
    issue_url: `${API}${REPO_PATH}/issues/${PR.number}`,
    body,
    user: { login, id: id + 1000, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
    created_at: '2024-03-15T12:00:00Z',
    updated_at: '2024-03-15T12:00:00Z',
    author_association: 'NONE',
  };
}

/** `result` with `extra` findings added to those of the real review. */
const withExtra = (extra: Finding[]): PipelineResult => resultWith([...result.review.findings, ...extra], result);

describe('stickySummaryBody', () => {
  it('holds the verdict, the errors and warnings, the lock timeline, the schema changes and diagram, the notices folded, and the shadow', () => {
    const body = stickySummaryBody(result, REPORT);
    const sections = [
      `${SUMMARY_MARKER}\n## ❌ db-review: 2 errors, 2 warnings, 1 notice (fails on error)\n\nReviewed 2 migrations for PostgreSQL 16 with db-review 0.1.0.\n\n| Location | Severity | Rule | Message |`,
      '| db/002_invoice_amount.sql:3-4 | ⚠️ warning | [work-after-access-exclusive]',
      '### Locks on existing tables\n\n**1 statement takes a lock that blocks traffic on existing tables**; rewritten: `invoices`.',
      '| 002_invoice_amount.sql:2 | `ALTER TABLE invoices ALTER COLUMN amount TYPE bigint` | ACCESS EXCLUSIVE on public.invoices | reads and writes | yes (table + 1 index) | end of transaction (1 more statement) |',
      '### Schema changes\n\n**`invoices`** (new)',
      '```mermaid\nerDiagram\n    invoices {',
      '<details>\n<summary>ℹ️ 1 notice</summary>\n\n| Location | Severity | Rule | Message |\n| --- | --- | --- | --- |\n| db/002_invoice_amount.sql:2 | ℹ️ notice | [require-statement-timeout]',
      '\n\n</details>\n\n_Shadow: embedded PostgreSQL 18.',
    ];
    const positions = sections.map((section) => body.indexOf(section));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(body.startsWith(sections[0]!)).toBe(true);
    // Details and fixes are in the inline comments and the check run, not here.
    expect(body).not.toContain('Suggested replacement');
    expect(body).not.toContain('require-statement-timeout</code>');
    expect(body).toMatch(/_Shadow: embedded PostgreSQL 18\.\d+, \d+\.\d s\._\n$/);
  });

  it('sheds the notices first when they do not fit', () => {
    const body = stickySummaryBody(withExtra(manyFindings(1200, 200).map((f) => ({ ...f, severity: 'notice' as const }))), REPORT);
    expect(body.length).toBeLessThanOrEqual(LIMIT);
    expect(body).not.toContain('<details>');
    expect(body).toContain('```mermaid');
    expect(body).toContain('### Locks on existing tables');
    expect(body).toContain(
      "\n\n_1201 notices are left out to fit GitHub's limit of 65,536 characters for a comment; the check run annotates every finding at its line._\n\n_Shadow: embedded PostgreSQL",
    );
  });

  it('sheds the diagram next, before cutting anything', () => {
    // Findings long enough that only dropping the diagram makes room: found by growing one message.
    const notice = manyFindings(1)[0]!;
    const bodies = Array.from({ length: 500 }, (_, i) => {
      const grown = { ...manyFindings(1)[0]!, message: 'y'.repeat(56_000 + i * 20) };
      return stickySummaryBody(withExtra([grown, { ...notice, severity: 'notice' }]), REPORT);
    });
    const withoutDiagramOnly = bodies.find((body) => !body.includes('```mermaid') && !body.includes('cut to fit'));
    expect(withoutDiagramOnly).toBeDefined();
    expect(withoutDiagramOnly!.length).toBeLessThanOrEqual(LIMIT);
    expect(withoutDiagramOnly).toContain('### Schema changes\n\n**`invoices`** (new)');
    expect(withoutDiagramOnly).toContain("_2 notices and the schema diagram are left out to fit GitHub's limit of 65,536 characters for a comment;");
    expect(bodies.every((body) => body.length <= LIMIT)).toBe(true);
  });

  it('cuts the tables last, at a row, and says so', () => {
    const body = stickySummaryBody(withExtra(manyFindings(1200, 200)), REPORT);
    expect(body.length).toBeLessThanOrEqual(LIMIT);
    expect(body.startsWith(`${SUMMARY_MARKER}\n## ❌ db-review: 402 errors, 402 warnings, 401 notices`)).toBe(true);
    expect(body).not.toContain('```mermaid');
    expect(body).toContain(
      "\n\n_The rest is cut to fit GitHub's limit of 65,536 characters for a comment; the check run annotates every finding at its line._\n\n_401 notices and the schema diagram are left out",
    );
    const rows = body.split('\n').filter((line) => line.startsWith('|'));
    expect(rows.every((row) => row.endsWith('|'))).toBe(true);
    expect(body).toMatch(/_Shadow: embedded PostgreSQL 18\.\d+, \d+\.\d s\._\n$/);
  });
});

describe('upsertStickySummary', () => {
  it('edits our comment, found on a later page, and creates none', async () => {
    const page2 = `${API}${REPO_PATH}/issues/${PR.number}/comments?per_page=100&page=2`;
    github()
      .get(COMMENTS_PATH)
      .query({ per_page: '100' })
      .reply(
        200,
        [issueComment(1, 'octocat', `quoting it: ${SUMMARY_MARKER}`), issueComment(2, BOT, 'Thanks for the review request.')],
        { link: `<${page2}>; rel="next", <${page2}>; rel="last"` },
      )
      .get(COMMENTS_PATH)
      .query({ per_page: '100', page: '2' })
      .reply(200, [issueComment(3, BOT, `${SUMMARY_MARKER}\n## ✅ db-review: no findings`), issueComment(4, BOT, `${SUMMARY_MARKER}\nan older duplicate`)]);
    const edits = recordBodies(github().patch(`${REPO_PATH}/issues/comments/3`), { id: 3 });

    expect(await upsertStickySummary(testClient(), PR, 'new body', BOT)).toBe('updated');
    expect(edits).toEqual([{ body: 'new body' }]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('creates the comment when none of ours has the marker', async () => {
    github()
      .get(COMMENTS_PATH)
      .query({ per_page: '100' })
      .reply(200, [issueComment(1, 'octocat', SUMMARY_MARKER), issueComment(2, BOT, 'not the summary')]);
    const created = recordBodies(github().post(COMMENTS_PATH), { id: 5 });
    const body = stickySummaryBody(result, REPORT);

    expect(await upsertStickySummary(testClient(), PR, body, BOT)).toBe('created');
    expect(created).toEqual([{ body }]);
  });

  it('leaves an unchanged comment alone', async () => {
    github().get(COMMENTS_PATH).query({ per_page: '100' }).reply(200, [issueComment(3, BOT, `${SUMMARY_MARKER}\nsame`)]);
    expect(await upsertStickySummary(testClient(), PR, `${SUMMARY_MARKER}\nsame`, BOT)).toBe('unchanged');
    expect(nock.pendingMocks()).toEqual([]);
  });
});
