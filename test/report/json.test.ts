import { describe, expect, it } from 'vitest';
import { formatJson } from '../../src/report/index.ts';
import { DETAIL, FIX_SQL, makeReview, OPTIONS } from './fixture.ts';

describe('formatJson', () => {
  it('prints the review with a stable key order and every finding field', () => {
    const out = formatJson(makeReview(), OPTIONS);
    expect(out.endsWith('}\n')).toBe(true);
    expect(out.startsWith('{\n  "version": "0.1.0",\n  "postgresVersion": 16,\n')).toBe(true);

    const parsed: unknown = JSON.parse(out);
    expect(Object.keys(parsed as object)).toEqual([
      'version',
      'postgresVersion',
      'conclusion',
      'failOn',
      'counts',
      'migrations',
      'queries',
      'assumedSizes',
      'shadow',
      'schemaChanges',
      'advice',
      'findings',
    ]);
    expect(parsed).toStrictEqual({
      version: '0.1.0',
      postgresVersion: 16,
      conclusion: 'failure',
      failOn: 'error',
      counts: { error: 2, warning: 2, notice: 1 },
      migrations: [
        { id: '001_init', path: 'migrations/001_init.sql', framework: 'plain', statements: 4 },
        { id: '002_invoice_amount', path: 'migrations/002_invoice_amount.sql', framework: 'plain', statements: 3 },
      ],
      queries: [],
      assumedSizes: [],
      shadow: null,
      schemaChanges: null,
      advice: null,
      findings: [
        {
          rule: 'llm-review',
          severity: 'warning',
          path: 'migrations/001_init.sql',
          line: 9,
          endLine: 9,
          column: 1,
          message: 'the <orders> backfill runs in one transaction',
          detail: null,
          fix: null,
          source: 'llm',
          evidence: null,
          advice: null,
          helpUri: null,
        },
        {
          rule: 'prefer-identity',
          severity: 'notice',
          path: 'migrations/001_init.sql',
          line: 12,
          endLine: 14,
          column: 5,
          message: 'serial | bigserial: prefer\nGENERATED ALWAYS AS IDENTITY',
          detail: null,
          fix: null,
          source: 'rule',
          evidence: null,
          advice: null,
          helpUri: null,
        },
        {
          rule: 'require-lock-timeout',
          severity: 'warning',
          path: 'migrations/002_invoice_amount.sql',
          line: 1,
          endLine: 1,
          column: 1,
          message: 'no lock_timeout: a waiting ACCESS EXCLUSIVE queues every query behind it',
          detail: null,
          fix: null,
          source: 'rule',
          evidence: null,
          advice: null,
          helpUri: null,
        },
        {
          rule: 'column-type-rewrite',
          severity: 'error',
          path: 'migrations/002_invoice_amount.sql',
          line: 2,
          endLine: 2,
          column: 1,
          message: 'integer → bigint rewrites invoices under ACCESS EXCLUSIVE',
          detail: DETAIL,
          fix: null,
          source: 'rule',
          evidence: null,
          advice: null,
          helpUri: 'https://github.com/db-review/db-review/blob/main/docs/rules/column-type-rewrite.md',
        },
        {
          rule: 'require-concurrent-index',
          severity: 'error',
          path: 'migrations/002_invoice_amount.sql',
          line: 3,
          endLine: 3,
          column: 1,
          message: 'CREATE INDEX on invoices blocks writes (SHARE lock); use CONCURRENTLY',
          detail: null,
          fix: { startLine: 3, endLine: 3, replacement: FIX_SQL },
          source: 'rule',
          evidence: null,
          advice: null,
          helpUri: 'https://github.com/db-review/db-review/blob/main/docs/rules/require-concurrent-index.md',
        },
      ],
    });
  });

  it('keeps every finding key in the same order', () => {
    const parsed = JSON.parse(formatJson(makeReview(), OPTIONS)) as { findings: object[] };
    for (const finding of parsed.findings) {
      expect(Object.keys(finding)).toEqual([
        'rule',
        'severity',
        'path',
        'line',
        'endLine',
        'column',
        'message',
        'detail',
        'fix',
        'source',
        'evidence',
        'advice',
        'helpUri',
      ]);
    }
  });

  it('does not take prototype keys for rule metadata', () => {
    const review = makeReview({
      findings: [{ rule: 'constructor', severity: 'error', path: 'a.sql', line: 1, message: 'm', source: 'rule' }],
    });
    const parsed = JSON.parse(formatJson(review, { ...OPTIONS, rulesMeta: {} })) as {
      findings: Array<{ helpUri: unknown }>;
    };
    expect(parsed.findings[0]?.helpUri).toBeNull();
  });

  it('prints an empty review', () => {
    const review = makeReview({ findings: [], conclusion: 'success', migrations: [] });
    expect(formatJson(review, OPTIONS)).toBe(
      '{\n' +
        '  "version": "0.1.0",\n' +
        '  "postgresVersion": 16,\n' +
        '  "conclusion": "success",\n' +
        '  "failOn": "error",\n' +
        '  "counts": {\n' +
        '    "error": 0,\n' +
        '    "warning": 0,\n' +
        '    "notice": 0\n' +
        '  },\n' +
        '  "migrations": [],\n' +
        '  "queries": [],\n' +
        '  "assumedSizes": [],\n' +
        '  "shadow": null,\n' +
        '  "schemaChanges": null,\n' +
        '  "advice": null,\n' +
        '  "findings": []\n' +
        '}\n',
    );
  });
});
