import { describe, expect, it } from 'vitest';
import { lintSql } from '../helpers/lint.ts';

const rulesAt = (findings: { rule: string; line: number }[]) => findings.map((f) => `${f.line} ${f.rule}`);

describe('lint engine', () => {
  it('reviews statements inside a DO block as migration statements, at their own lines', async () => {
    const sql = 'DO $$\nBEGIN\n  CREATE INDEX orders_note_idx ON orders (note);\nEND\n$$;';
    const findings = await lintSql(sql);
    expect(rulesAt(findings)).toContain('3 require-concurrent-index');
  });

  it('applies only type and naming rules inside function bodies, which run when called', async () => {
    const sql = [
      'CREATE FUNCTION archive() RETURNS void LANGUAGE plpgsql AS $$',
      'BEGIN',
      '  CREATE INDEX orders_note_idx ON orders (note);',
      '  CREATE TABLE archive_log (at timestamp, body json);',
      'END $$;',
    ].join('\n');
    const rules = rulesAt(await lintSql(sql));
    expect(rules).not.toContain('3 require-concurrent-index');
    expect(rules).toEqual(expect.arrayContaining(['4 prefer-timestamptz', '4 prefer-jsonb']));
  });

  it('knows a one-statement Prisma migration runs outside a transaction, and a longer one inside', async () => {
    const alone = await lintSql('CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);', { framework: 'prisma', transaction: 'implicit' });
    expect(rulesAt(alone)).not.toContain('1 concurrently-in-transaction');
    const mixed = await lintSql('SELECT 1;\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);', { framework: 'prisma', transaction: 'implicit' });
    expect(rulesAt(mixed)).toContain('2 concurrently-in-transaction');
  });

  it('runs a Flyway script of only non-transactional statements without a transaction', async () => {
    const alone = await lintSql('CREATE INDEX CONCURRENTLY a ON orders (note);\nCREATE INDEX CONCURRENTLY b ON orders (status);', { framework: 'flyway', transaction: 'per-file' });
    expect(rulesAt(alone).filter((r) => r.endsWith('concurrently-in-transaction'))).toEqual([]);
    const mixed = await lintSql('UPDATE users SET name = NULL WHERE id = 1;\nCREATE INDEX CONCURRENTLY b ON orders (status);', { framework: 'flyway', transaction: 'per-file' });
    expect(rulesAt(mixed)).toContain('2 concurrently-in-transaction');
  });

  it('counts a lock_timeout set with SET LOCAL inside the transaction, but not one outside any transaction', async () => {
    const inside = await lintSql("SET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN x int;", { transaction: 'per-file' });
    expect(rulesAt(inside)).not.toContain('2 require-lock-timeout');
    const outside = await lintSql("SET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN x int;", { transaction: 'per-statement' });
    expect(rulesAt(outside)).toContain('2 require-lock-timeout');
  });

  it('treats a table created earlier in the same migration as new', async () => {
    const findings = await lintSql('CREATE TABLE t (id bigint PRIMARY KEY, a int);\nALTER TABLE t ALTER COLUMN a TYPE bigint;\nCREATE INDEX ON t (a);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;');
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
