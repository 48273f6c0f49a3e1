import { describe, expect, it } from 'vitest';
import { escapeTableCell, fenceFor, formatMarkdown } from '../../src/report/index.ts';
import { FINDINGS, makeAdvisedReview, makeReview, OPTIONS } from './fixture.ts';

describe('fenceFor', () => {
  it('is three backticks at least', () => {
    expect(fenceFor('')).toBe('```');
    expect(fenceFor('SELECT 1;')).toBe('```');
    expect(fenceFor('a `b` c')).toBe('```');
    expect(fenceFor('a ``b`` c')).toBe('```');
  });

  it('is longer than the longest backtick run inside', () => {
    expect(fenceFor('```')).toBe('````');
    expect(fenceFor('x ```` y ``` z')).toBe('`````');
    expect(fenceFor('```````')).toBe('````````');
  });
});

describe('escapeTableCell', () => {
  it('escapes pipes and turns line breaks into <br>', () => {
    expect(escapeTableCell('a | b')).toBe('a \\| b');
    expect(escapeTableCell('one\ntwo\r\nthree\rfour')).toBe('one<br>two<br>three<br>four');
  });

  it('escapes backslashes before pipes, and HTML', () => {
    expect(escapeTableCell('a\\|b')).toBe('a\\\\\\|b');
    expect(escapeTableCell('<script>&')).toBe('&lt;script&gt;&amp;');
  });
});

describe('formatMarkdown', () => {
  it('prints the verdict, the table, details and fixes', () => {
    expect(formatMarkdown(makeReview(), OPTIONS)).toBe(
      [
        '## ❌ db-review: 2 errors, 2 warnings, 1 notice (fails on error)',
        '',
        'Reviewed 2 migrations for PostgreSQL 16 with db-review 0.1.0.',
        '',
        '| Location | Severity | Rule | Message |',
        '| --- | --- | --- | --- |',
        '| migrations/001_init.sql:9 | ⚠️ warning | llm-review | the &lt;orders&gt; backfill runs in one transaction |',
        '| migrations/001_init.sql:12-14 | ℹ️ notice | prefer-identity | serial \\| bigserial: prefer<br>GENERATED ALWAYS AS IDENTITY |',
        '| migrations/002_invoice_amount.sql:1 | ⚠️ warning | require-lock-timeout | no lock_timeout: a waiting ACCESS EXCLUSIVE queues every query behind it |',
        '| migrations/002_invoice_amount.sql:2 | 🛑 error | [column-type-rewrite](https://github.com/db-review/db-review/blob/main/docs/rules/column-type-rewrite.md) | integer → bigint rewrites invoices under ACCESS EXCLUSIVE |',
        '| migrations/002_invoice_amount.sql:3 | 🛑 error | [require-concurrent-index](https://github.com/db-review/db-review/blob/main/docs/rules/require-concurrent-index.md) | CREATE INDEX on invoices blocks writes (SHARE lock); use CONCURRENTLY |',
        '',
        '<details>',
        '<summary>🛑 <code>column-type-rewrite</code> at migrations/002_invoice_amount.sql:2: integer → bigint rewrites invoices under ACCESS EXCLUSIVE</summary>',
        '',
        'Changing `integer` to `bigint` rewrites every row | and every index.',
        '',
        'Safe way:',
        '',
        '```sql',
        'ALTER TABLE invoices ADD COLUMN amount_new bigint;',
        '```',
        '',
        '</details>',
        '',
        '<details>',
        '<summary>🛑 <code>require-concurrent-index</code> at migrations/002_invoice_amount.sql:3: CREATE INDEX on invoices blocks writes (SHARE lock); use CONCURRENTLY</summary>',
        '',
        'Suggested replacement for line 3 of `migrations/002_invoice_amount.sql`:',
        '',
        '````sql',
        'CREATE INDEX CONCURRENTLY invoices_customer_idx ON invoices (customer_id); -- not ```inside``` a transaction',
        '````',
        '',
        '</details>',
        '',
      ].join('\n'),
    );
  });

  it("adds Claude's explanations to the details, the verified rewrite where the rule has no fix, and the data model review", () => {
    const out = formatMarkdown(makeAdvisedReview(), OPTIONS);
    const details = out.split('<details>');
    expect(details[1]).toContain(
      [
        '```',
        '',
        "**Claude's explanation** (advice; the verdict comes from db-review's rules alone)",
        '',
        'The table is rewritten under `ACCESS EXCLUSIVE`.',
        'Reads wait for the whole copy.',
        '',
        'Replacement for line 2:',
        '',
        '```sql',
        'ALTER TABLE invoices ADD COLUMN amount_new bigint;',
        '```',
        '',
        'Rewrite proposed by Claude and **verified on the shadow database**: it parses, applies on the same base schema, still changes the tables the original changes, and takes no lock or rewrite worse than the original on any existing table.',
        '',
        'Later steps: Backfill `amount_new` in batches, then swap the columns.',
        '',
        '</details>',
      ].join('\n'),
    );
    // The rule's own fix stays the only replacement of the index finding.
    expect(details[2]).toContain("````\n\n**Claude's explanation** (advice; the verdict comes from db-review's rules alone)\n\nWrites wait for the build.\n\n</details>");
    expect(details[2]!.split('</details>')[0]).not.toContain('verified on the shadow database');
    expect(out.endsWith(
      [
        '',
        "**Data model review** by Claude (claude-sonnet-5-5), advice only: the verdict comes from db-review's rules. 2 findings explained in the findings' details. 1 rewrite verified on the shadow database and suggested, 1 dropped because the shadow database did not confirm them.",
        '',
        '`amount` holds cents: say so in its name.',
        'A CHECK (amount >= 0) belongs in the table.',
        '',
      ].join('\n'),
    )).toBe(true);
  });

  it('keeps every table row at exactly four cells', () => {
    const rows = formatMarkdown(makeReview(), OPTIONS)
      .split('\n')
      .filter((line) => line.startsWith('| '));
    expect(rows).toHaveLength(7);
    for (const row of rows) {
      // Split on pipes not preceded by a backslash, the way GFM splits cells.
      expect(row.split(/(?<!\\)\|/).length - 2).toBe(4);
    }
  });

  it('puts a multi-line fix in one block with a range, and a fence longer than its backticks', () => {
    const review = makeReview({
      findings: [
        {
          rule: 'r',
          severity: 'warning',
          path: 'db/001.sql',
          line: 4,
          message: 'm',
          fix: { startLine: 4, endLine: 6, replacement: "SELECT '`````';\nSELECT 2;\n" },
          source: 'rule',
        },
      ],
      conclusion: 'success',
      counts: { error: 0, warning: 1, notice: 0 },
    });
    const out = formatMarkdown(review, OPTIONS);
    expect(out.startsWith('## ✅ db-review: 1 warning\n')).toBe(true);
    expect(out).toContain(
      'Suggested replacement for lines 4–6 of `db/001.sql`:\n\n``````sql\nSELECT \'`````\';\nSELECT 2;\n``````\n\n</details>\n',
    );
  });

  it('says so when there is nothing to report', () => {
    const review = makeReview({ findings: [], conclusion: 'success' });
    expect(formatMarkdown(review, OPTIONS)).toBe(
      '## ✅ db-review: no findings\n\nReviewed 2 migrations for PostgreSQL 16 with db-review 0.1.0.\n',
    );
  });

  it('labels a neutral conclusion', () => {
    const findings = FINDINGS.filter((f) => f.rule === 'prefer-identity');
    const review = makeReview({ findings, conclusion: 'neutral', counts: { error: 0, warning: 0, notice: 1 } });
    expect(formatMarkdown(review, OPTIONS).split('\n')[0]).toBe('## ⚪ db-review: 1 notice');
  });
});
