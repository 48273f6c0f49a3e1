import { describe, expect, it } from 'vitest';
import { requireConcurrentIndex } from '../../rules/require-concurrent-index.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [requireConcurrentIndex];

describe('require-concurrent-index', () => {
  it('reports the SHARE lock, what it blocks and a CONCURRENTLY fix on the right line', async () => {
    const findings = await lintSql('SELECT 1;\n\nCREATE UNIQUE INDEX orders_note_idx\n  ON orders (note);', { rules });
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({ rule: 'require-concurrent-index', severity: 'error', path: 'migrations/001_change.sql', line: 3, endLine: 4 });
    expect(finding!.message).toBe(
      'CREATE INDEX on `orders` takes a SHARE lock on `orders` (blocks writes) for the whole statement: every INSERT, UPDATE and DELETE waits until the index is built. Use CREATE INDEX CONCURRENTLY.',
    );
    expect(finding!.fix).toEqual({ startLine: 3, endLine: 4, replacement: 'CREATE UNIQUE INDEX CONCURRENTLY orders_note_idx\n  ON orders (note);' });
  });

  it('says how long the lock is held inside a transaction, and the size hint', async () => {
    const findings = await lintSql('CREATE INDEX ON orders (status);\nUPDATE users SET name = NULL WHERE id = 1;', {
      rules,
      tableRows: { orders: 12_000_000 },
    });
    expect(findings[0]!.message).toContain('until the transaction commits (1 more statement)');
    expect(findings[0]!.message).toContain('(≈ 12,000,000 rows by the size hints)');
  });

  it('ignores a table created earlier in the same migration', async () => {
    expect(await lintSql('CREATE TABLE t (a int);\nCREATE INDEX ON t (a);', { rules })).toEqual([]);
  });

  it('honours a suppression comment on the line above, and reports unknown rule ids', async () => {
    const sql = '-- db-review:ignore require-concurrent-index tiny table\nCREATE INDEX ON orders (status);\n-- db-review:ignore no-such-rule because\nSELECT 1;';
    const findings = await lintSql(sql, { rules });
    expect(findings.map((f) => [f.rule, f.line])).toEqual([['unknown-suppression', 3]]);
  });
});

describe('require-concurrent-index on relations made from a query', () => {
  it('ignores indexes on a temp table, a CREATE TABLE AS or a materialized view made in the same migration', async () => {
    const sql = [
      'CREATE TEMP TABLE map ON COMMIT DROP AS SELECT id FROM orders;',
      'CREATE UNIQUE INDEX ON map (id);',
      'CREATE MATERIALIZED VIEW totals AS SELECT user_id, sum(amount) FROM orders GROUP BY user_id;',
      'CREATE UNIQUE INDEX ON totals (user_id);',
      'SELECT id INTO TEMP picked FROM users;',
      'CREATE INDEX ON picked (id);',
    ].join('\n');
    expect(await lintSql(sql, { rules })).toEqual([]);
  });
});
