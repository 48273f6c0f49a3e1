import { describe, expect, it } from 'vitest';
import { formatText, shouldColor } from '../../src/report/index.ts';
import { FINDINGS, makeAdvisedReview, makeReview, OPTIONS } from './fixture.ts';

const ESC = '\u001b[';

describe('formatText', () => {
  it('groups by file, sorts by line, aligns columns per file, and summarises', () => {
    expect(formatText(makeReview(), OPTIONS)).toBe(
      [
        'migrations/001_init.sql',
        '   9:1  warning  llm-review       the <orders> backfill runs in one transaction',
        '  12:5  notice   prefer-identity  serial | bigserial: prefer GENERATED ALWAYS AS IDENTITY',
        '',
        'migrations/002_invoice_amount.sql',
        '  1:1  warning  require-lock-timeout      no lock_timeout: a waiting ACCESS EXCLUSIVE queues every query behind it',
        '  2:1  error    column-type-rewrite       integer → bigint rewrites invoices under ACCESS EXCLUSIVE',
        '  3:1  error    require-concurrent-index  CREATE INDEX on invoices blocks writes (SHARE lock); use CONCURRENTLY',
        '',
        '✖ 2 errors, 2 warnings, 1 notice (fails on error)',
        '',
      ].join('\n'),
    );
  });

  it('prints the example from the spec for one file', () => {
    const findings = FINDINGS.filter((f) => f.path === 'migrations/002_invoice_amount.sql');
    expect(formatText(makeReview({ findings, counts: { error: 2, warning: 1, notice: 0 } }), OPTIONS)).toBe(
      'migrations/002_invoice_amount.sql\n' +
        '  1:1  warning  require-lock-timeout      no lock_timeout: a waiting ACCESS EXCLUSIVE queues every query behind it\n' +
        '  2:1  error    column-type-rewrite       integer → bigint rewrites invoices under ACCESS EXCLUSIVE\n' +
        '  3:1  error    require-concurrent-index  CREATE INDEX on invoices blocks writes (SHARE lock); use CONCURRENTLY\n' +
        '\n' +
        '✖ 2 errors, 1 warning (fails on error)\n',
    );
  });

  it('omits zero counts, uses singular forms, and adds no hint unless failing', () => {
    const findings = FINDINGS.filter((f) => f.rule === 'prefer-identity');
    const out = formatText(
      makeReview({ findings, conclusion: 'success', counts: { error: 0, warning: 0, notice: 1 } }),
      OPTIONS,
    );
    expect(out.split('\n').at(-2)).toBe('✖ 1 notice');
  });

  it('names the failOn threshold in the hint', () => {
    const findings = FINDINGS.filter((f) => f.severity !== 'error');
    const out = formatText(
      makeReview({ findings, failOn: 'warning', counts: { error: 0, warning: 2, notice: 1 } }),
      OPTIONS,
    );
    expect(out.endsWith('\n✖ 2 warnings, 1 notice (fails on warning)\n')).toBe(true);
  });

  it('reports a clean review', () => {
    const clean = makeReview({ findings: [], conclusion: 'success', counts: { error: 0, warning: 0, notice: 0 } });
    expect(formatText(clean, OPTIONS)).toBe('✔ no findings in 2 migrations\n');
    const one = { ...clean, migrations: clean.migrations.slice(0, 1) };
    expect(formatText(one, OPTIONS)).toBe('✔ no findings in 1 migration\n');
  });

  it('right-aligns line:col and defaults the column to 1', () => {
    const out = formatText(
      makeReview({
        findings: [
          { rule: 'a', severity: 'notice', path: 'x.sql', line: 7, source: 'rule', message: 'm1' },
          { rule: 'bb', severity: 'error', path: 'x.sql', line: 120, column: 14, source: 'rule', message: 'm2' },
        ],
        counts: { error: 1, warning: 0, notice: 1 },
      }),
      OPTIONS,
    );
    expect(out).toBe(
      'x.sql\n' +
        '     7:1  notice  a   m1\n' +
        '  120:14  error   bb  m2\n' +
        '\n' +
        '✖ 1 error, 1 notice (fails on error)\n',
    );
  });

  it("shows Claude's explanations under their findings, the verified rewrite, and the data model review", () => {
    expect(formatText(makeAdvisedReview(), OPTIONS)).toBe(
      [
        'migrations/001_init.sql',
        '   9:1  warning  llm-review       the <orders> backfill runs in one transaction',
        '  12:5  notice   prefer-identity  serial | bigserial: prefer GENERATED ALWAYS AS IDENTITY',
        '',
        'migrations/002_invoice_amount.sql',
        '  1:1  warning  require-lock-timeout      no lock_timeout: a waiting ACCESS EXCLUSIVE queues every query behind it',
        '  2:1  error    column-type-rewrite       integer → bigint rewrites invoices under ACCESS EXCLUSIVE',
        '       Claude: The table is rewritten under `ACCESS EXCLUSIVE`.',
        '               Reads wait for the whole copy.',
        '       Rewrite of line 2, verified on the shadow database:',
        '         ALTER TABLE invoices ADD COLUMN amount_new bigint;',
        '       Later steps: Backfill `amount_new` in batches, then swap the columns.',
        '  3:1  error    require-concurrent-index  CREATE INDEX on invoices blocks writes (SHARE lock); use CONCURRENTLY',
        '       Claude: Writes wait for the build.',
        '',
        "Claude (claude-sonnet-5-5), advice only: the verdict comes from db-review's rules. 2 findings explained under the findings. 1 rewrite verified on the shadow database and suggested, 1 dropped because the shadow database did not confirm them.",
        '  Data model: `amount` holds cents: say so in its name.',
        '              A CHECK (amount >= 0) belongs in the table.',
        '',
        '✖ 2 errors, 2 warnings, 1 notice (fails on error)',
        '',
      ].join('\n'),
    );
  });

  it("says in one line why Claude's part is missing", () => {
    const review = makeReview({ advice: { model: 'claude-sonnet-5-5', missing: 'Claude did not answer within 60 s', dataModel: '', explained: 0, rewrites: { verified: 0, dropped: 0 }, tokens: { input: 0, output: 0, cached: false } } });
    expect(formatText(review, OPTIONS).split('\n').slice(-4)).toEqual([
      "Claude's explanations are missing from this review: Claude did not answer within 60 s.",
      '',
      '✖ 2 errors, 2 warnings, 1 notice (fails on error)',
      '',
    ]);
  });

  it('prints no control character of the reviewed content: no escape, no bidirectional override', () => {
    const finding = { rule: 'a', severity: 'error' as const, path: 'db/\u001b]0;pwned\u0007x.sql', line: 1, source: 'rule' as const, message: 'table "\u001b[2Jevil\u202e" is\trewritten' };
    expect(formatText(makeReview({ findings: [finding], counts: { error: 1, warning: 0, notice: 0 } }), OPTIONS)).toBe(
      'db/]0;pwnedx.sql\n  1:1  error  a  table "[2Jevil" is rewritten\n\n✖ 1 error (fails on error)\n',
    );
  });

  it('has no escape codes without colour', () => {
    expect(formatText(makeReview(), OPTIONS)).not.toContain('\u001b');
  });

  it('colours severities, dims rule ids and positions with colour on', () => {
    const out = formatText(makeReview(), { ...OPTIONS, color: true });
    expect(out).toContain(`${ESC}31merror${ESC}39m`);
    expect(out).toContain(`${ESC}33mwarning${ESC}39m`);
    expect(out).toContain(`${ESC}36mnotice${ESC}39m`);
    expect(out).toContain(`${ESC}2mcolumn-type-rewrite${ESC}22m`);
    expect(out).toContain(`${ESC}2m12:5${ESC}22m`);
    // Padding stays outside the escapes, so columns still line up once they are stripped.
    expect(out.replace(/\u001b\[\d+m/g, '')).toBe(formatText(makeReview(), OPTIONS));
  });
});

describe('shouldColor', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };

  it('colours a TTY only', () => {
    expect(shouldColor(tty, {})).toBe(true);
    expect(shouldColor(pipe, {})).toBe(false);
    expect(shouldColor({ isTTY: undefined } as unknown as { isTTY: boolean }, {})).toBe(false);
  });

  it('honours NO_COLOR when set to a non-empty value', () => {
    expect(shouldColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColor(tty, { NO_COLOR: '' })).toBe(true);
  });

  it('does not colour a dumb terminal', () => {
    expect(shouldColor(tty, { TERM: 'dumb' })).toBe(false);
  });

  it('lets FORCE_COLOR force colour on or off', () => {
    expect(shouldColor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(shouldColor(pipe, { FORCE_COLOR: '' })).toBe(true);
    expect(shouldColor(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(shouldColor(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(shouldColor(tty, { FORCE_COLOR: 'false' })).toBe(false);
  });
});
