import type { Finding, Severity } from '../../src/findings.ts';
import type { ReportOptions } from '../../src/report/index.ts';
import type { Review } from '../../src/review-types.ts';

export const DETAIL =
  'Changing `integer` to `bigint` rewrites every row | and every index.\n' +
  '\n' +
  'Safe way:\n' +
  '\n' +
  '```sql\n' +
  'ALTER TABLE invoices ADD COLUMN amount_new bigint;\n' +
  '```\n';

export const FIX_SQL =
  'CREATE INDEX CONCURRENTLY invoices_customer_idx ON invoices (customer_id); -- not ```inside``` a transaction\n';

/** Deliberately not in output order, to prove reporters sort. */
export const FINDINGS: Finding[] = [
  {
    rule: 'require-concurrent-index',
    severity: 'error',
    path: 'migrations/002_invoice_amount.sql',
    line: 3,
    message: 'CREATE INDEX on invoices blocks writes (SHARE lock); use CONCURRENTLY',
    fix: { startLine: 3, endLine: 3, replacement: FIX_SQL },
    source: 'rule',
  },
  {
    rule: 'column-type-rewrite',
    severity: 'error',
    path: 'migrations/002_invoice_amount.sql',
    line: 2,
    column: 1,
    message: 'integer → bigint rewrites invoices under ACCESS EXCLUSIVE',
    detail: DETAIL,
    source: 'rule',
  },
  {
    rule: 'require-lock-timeout',
    severity: 'warning',
    path: 'migrations/002_invoice_amount.sql',
    line: 1,
    message: 'no lock_timeout: a waiting ACCESS EXCLUSIVE queues every query behind it',
    source: 'rule',
  },
  {
    rule: 'prefer-identity',
    severity: 'notice',
    path: 'migrations/001_init.sql',
    line: 12,
    endLine: 14,
    column: 5,
    message: 'serial | bigserial: prefer\nGENERATED ALWAYS AS IDENTITY',
    source: 'rule',
  },
  {
    rule: 'llm-review',
    severity: 'warning',
    path: 'migrations/001_init.sql',
    line: 9,
    message: 'the <orders> backfill runs in one transaction',
    source: 'llm',
  },
];

export function counts(findings: readonly Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  for (const f of findings) c[f.severity] += 1;
  return c;
}

export function makeReview(overrides: Partial<Review> = {}): Review {
  const findings = overrides.findings ?? FINDINGS;
  return {
    findings,
    conclusion: 'failure',
    failOn: 'error',
    counts: counts(findings),
    migrations: [
      { id: '001_init', path: 'migrations/001_init.sql', framework: 'plain', statements: 4 },
      {
        id: '002_invoice_amount',
        path: 'migrations/002_invoice_amount.sql',
        framework: 'plain',
        statements: 3,
      },
    ],
    queries: [],
    postgresVersion: 16,
    ...overrides,
  };
}

export const OPTIONS: ReportOptions = {
  color: false,
  toolVersion: '0.1.0',
  rulesMeta: {
    'column-type-rewrite': {
      summary: 'ALTER COLUMN TYPE that rewrites the table',
      helpUri: 'https://github.com/db-review/db-review/blob/main/docs/rules/column-type-rewrite.md',
    },
    'require-concurrent-index': {
      summary: 'CREATE INDEX without CONCURRENTLY on an existing table',
      helpUri: 'https://github.com/db-review/db-review/blob/main/docs/rules/require-concurrent-index.md',
    },
    'require-lock-timeout': { summary: 'Locking DDL without lock_timeout' },
    'prefer-identity': { summary: 'serial instead of an identity column' },
    // 'llm-review' deliberately missing.
  },
};

/** The fixture's review as Claude's part leaves it: two findings explained, one with a verified rewrite. */
export function makeAdvisedReview(): Review {
  const findings = FINDINGS.map((f): Finding => {
    if (f.rule === 'column-type-rewrite') {
      return {
        ...f,
        advice: {
          explanation: 'The table is rewritten under `ACCESS EXCLUSIVE`.\nReads wait for the whole copy.',
          rewrite: {
            startLine: 2,
            endLine: 2,
            replacement: 'ALTER TABLE invoices ADD COLUMN amount_new bigint;\n',
            laterSteps: 'Backfill `amount_new` in batches, then swap the columns.',
          },
        },
      };
    }
    if (f.rule === 'require-concurrent-index') return { ...f, advice: { explanation: 'Writes wait for the build.' } };
    return f;
  });
  return makeReview({
    findings,
    advice: {
      model: 'claude-sonnet-5-5',
      dataModel: '`amount` holds cents: say so in its name.\nA CHECK (amount >= 0) belongs in the table.',
      explained: 2,
      rewrites: { verified: 1, dropped: 1 },
      tokens: { input: 4100, output: 600, cached: false },
    },
  });
}
