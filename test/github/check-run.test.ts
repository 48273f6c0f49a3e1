import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRunBody, checkRunTitle, completeCheckRun } from '../../src/github/check-run.ts';
import type { Finding } from '../../src/findings.ts';
import type { PipelineResult } from '../../src/pipeline.ts';
import { formatMarkdown } from '../../src/report/markdown.ts';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { github, PR, REPO_PATH, testClient } from './github-api.ts';
import { CHANGE, manyFindings, recordBodies, REPORT, resultWith, reviewFixture } from './review-fixture.ts';
import { onlyThroughNock } from '../helpers/nock-network.ts';

const provider = createEmbeddedProvider();
let shadowed: PipelineResult;
let rulesOnly: PipelineResult;

onlyThroughNock();

beforeAll(async () => {
  [shadowed, rulesOnly] = await Promise.all([reviewFixture(provider), reviewFixture()]);
}, 120_000);
afterAll(async () => {
  await provider.dispose();
});

const byRule = (result: PipelineResult, rule: string): Finding => result.review.findings.find((f) => f.rule === rule)!;

describe('checkRunBody', () => {
  it('titles the counts and, from the shadow evidence, the migration and what its lock blocks', () => {
    const body = checkRunBody(shadowed, REPORT);
    expect(body.title).toBe('2 errors, 2 warnings, 1 notice — 002_invoice_amount.sql would block reads and writes on invoices');
    expect(body.conclusion).toBe('failure');
  });

  it('titles only the counts without evidence, and says when there was nothing to review', () => {
    expect(checkRunTitle(rulesOnly.review)).toBe('2 errors, 2 warnings, 1 notice');
    expect(checkRunTitle({ ...rulesOnly.review, findings: [], counts: { error: 0, warning: 0, notice: 0 } })).toBe('No findings in 2 migrations');
    const nothing = resultWith([]);
    const body = checkRunBody({ ...nothing, review: { ...nothing.review, migrations: [] } }, REPORT);
    expect(body.title).toBe('No migration to review');
    expect(body.conclusion).toBe('neutral');
  });

  it('summarises with the markdown report, the locks the shadow saw, and the shadow footer', () => {
    const { summary } = checkRunBody(shadowed, REPORT);
    expect(summary.startsWith(formatMarkdown(shadowed.review, REPORT).trimEnd())).toBe(true);
    expect(summary).toContain(
      [
        '### Locks on existing tables',
        '',
        '**1 statement takes a lock that blocks traffic on existing tables**; rewritten: `invoices`.',
        '',
        '**`002_invoice_amount.sql`**',
        '',
        '| migration | statement | lock (observed) | blocks | rewrite | held until |',
        '|---|---|---|---|---|---|',
        '| 002_invoice_amount.sql:2 | `ALTER TABLE invoices ALTER COLUMN amount TYPE bigint` | ACCESS EXCLUSIVE on public.invoices | reads and writes | yes (table + 1 index) | end of transaction (1 more statement) |',
      ].join('\n'),
    );
    expect(summary).toMatch(/\n\n_Shadow: embedded PostgreSQL 18\.\d+, \d+\.\d s\._\n$/);
  });

  it('puts what could not be posted first', () => {
    const { summary } = checkRunBody(rulesOnly, REPORT, ['The summary comment could not be posted (HTTP 403: Resource not accessible by integration); the findings are all in this check run.']);
    expect(summary.startsWith('> ⚠️ The summary comment could not be posted (HTTP 403: Resource not accessible by integration); the findings are all in this check run.\n\n## ❌ db-review:')).toBe(true);
    expect(summary.endsWith('\n\n_No shadow database: the findings come from the rules alone._\n')).toBe(true);
  });

  it('annotates each finding at its lines, with columns only on one line, at the level of its severity', () => {
    const { annotations } = checkRunBody(shadowed, REPORT);
    const rewrite = byRule(shadowed, 'column-type-rewrite');
    const index = byRule(shadowed, 'require-concurrent-index');
    expect(annotations).toHaveLength(5);
    expect(annotations).toContainEqual({
      path: CHANGE,
      start_line: 2,
      end_line: 2,
      start_column: 1,
      end_column: 1,
      annotation_level: 'failure',
      title: 'column-type-rewrite',
      message: rewrite.message,
      raw_details: rewrite.detail,
    });
    expect(annotations).toContainEqual({
      path: CHANGE,
      start_line: 3,
      end_line: 4,
      annotation_level: 'failure',
      title: 'require-concurrent-index',
      message: index.message,
      raw_details: index.detail,
    });
    expect(annotations.map((a) => `${a.title}:${a.annotation_level}`)).toEqual([
      'column-type-rewrite:failure',
      'require-lock-timeout:warning',
      'require-statement-timeout:notice',
      'require-concurrent-index:failure',
      'work-after-access-exclusive:warning',
    ]);
  });

  it('cuts a giant summary at a block boundary, under GitHub\'s limit, keeping the problems and the footer', () => {
    const giant = manyFindings(3000, 200).map((f) => ({ ...f, detail: `Safe way:\n\n\`\`\`sql\n${'SELECT 1;\n'.repeat(20)}\`\`\`` }));
    const { summary } = checkRunBody(resultWith(giant), REPORT, ['The review with inline comments could not be posted (HTTP 422: Unprocessable Entity); the findings are all in this check run.']);
    expect(summary.length).toBeLessThanOrEqual(65_535);
    expect(summary.startsWith('> ⚠️ The review with inline comments could not be posted')).toBe(true);
    expect(summary).toContain("\n\n_The report is cut here to fit GitHub's limit of 65,535 characters; every finding is still annotated at its line._\n\n_No shadow database");
    const lines = summary.split('\n');
    expect(lines.filter((line) => line.startsWith('|')).every((row) => row.endsWith('|'))).toBe(true);
    expect(lines.filter((line) => /^`{3,}/.test(line)).length % 2).toBe(0);
    expect(lines.filter((line) => line === '<details>').length).toBe(lines.filter((line) => line === '</details>').length);
  });
});

describe('completeCheckRun', () => {
  it('sends 120 annotations as updates of 50, 50 and 20, the conclusion with the first', async () => {
    const result = resultWith(manyFindings(120));
    const body = checkRunBody(result, REPORT);
    const updates = recordBodies(github().patch(`${REPO_PATH}/check-runs/42`).times(3));

    await completeCheckRun(testClient(), PR, 42, body);

    const output = { title: '40 errors, 40 warnings, 40 notices', summary: body.summary };
    expect(updates).toEqual([
      { status: 'completed', conclusion: 'failure', output: { ...output, annotations: body.annotations.slice(0, 50) } },
      { output: { ...output, annotations: body.annotations.slice(50, 100) } },
      { output: { ...output, annotations: body.annotations.slice(100) } },
    ]);
    expect(updates.map((u) => (u as { output: { annotations: unknown[] } }).output.annotations.length)).toEqual([50, 50, 20]);
    expect(body.annotations[0]).toEqual({
      path: CHANGE,
      start_line: 1,
      end_line: 1,
      annotation_level: 'failure',
      title: 'require-concurrent-index',
      message: `Finding 1: ${'x'.repeat(60)}`,
    });
  });

  it('sends one update, without annotations, when there are none', async () => {
    const body = checkRunBody(resultWith([]), REPORT);
    const updates = recordBodies(github().patch(`${REPO_PATH}/check-runs/42`));

    await completeCheckRun(testClient(), PR, 42, body);

    expect(updates).toEqual([{ status: 'completed', conclusion: 'success', output: { title: 'No findings in 1 migration', summary: body.summary } }]);
  });
});
