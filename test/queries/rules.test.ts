import { beforeAll, describe, expect, it } from 'vitest';
import { queryRules } from '../../rules/queries/index.ts';
import type { CollectedQuery } from '../../src/queries/collect.ts';
import { loadCodeParser } from '../../src/queries/code-files.ts';
import { extractQueries } from '../../src/queries/index.ts';
import { lintQueries } from '../../src/queries/lint.ts';
import { loadParser } from '../../src/sql/libpg.ts';

beforeAll(() => loadParser());

const query = (sql: string, changed = true): CollectedQuery => ({ path: 'src/q.ts', line: 20, column: 5, endLine: 20 + sql.split('\n').length - 1, origin: 'client-query', sql, parameters: [], changed });

describe.each(queryRules.map((rule) => [rule.id, rule] as const))('%s', (id, rule) => {
  it.each(rule.docs.bad)('reports %s', (sql) => {
    expect(lintQueries([query(sql)], [rule], { inLoop: true }).map((f) => f.rule)).toEqual([id]);
  });
  it.each(rule.docs.good)('leaves alone %s', (sql) => {
    expect(lintQueries([query(sql)], [rule], { inLoop: true })).toEqual([]);
  });
});

describe('query rules in a review', () => {
  it('report at the line of what they point at, with the rule severity, and only on queries the change wrote', () => {
    const sql = 'SELECT id\nFROM users\nWHERE id NOT IN (SELECT user_id FROM bans)\nORDER BY random()';
    expect(lintQueries([query(sql), query('SELECT * FROM users', false)], queryRules, { inLoop: true })).toEqual([
      {
        rule: 'query-not-in-subquery',
        severity: 'warning',
        path: 'src/q.ts',
        line: 22,
        message: 'NOT IN (SELECT …) is never true once the subquery returns a NULL, so the query then returns nothing; it also cannot be planned as an anti-join. Use NOT EXISTS.',
        source: 'rule',
      },
      {
        rule: 'query-order-by-random',
        severity: 'warning',
        path: 'src/q.ts',
        line: 23,
        message: 'ORDER BY random() computes a random number for every row and sorts them all to return a few: a full scan and sort that grow with the table.',
        source: 'rule',
      },
    ]);
  });
});

describe('queries in loops', () => {
  const loops = [
    "import { pool } from './db.ts';",
    'export async function names(ids: number[]) {',
    '  const out = [];',
    '  for (const id of ids) {',
    "    out.push(await pool.query('SELECT name FROM users WHERE id = $1', [id]));",
    '  }',
    "  await Promise.all(ids.map((id) => pool.query('DELETE FROM sessions WHERE user_id = $1', [id])));",
    "  ids.forEach(function (id) { const later = () => pool.query('SELECT 1 FROM users WHERE id = $1', [id]); return later; });",
    "  for (let i = 0; i < 1; i++) {} await pool.query('SELECT id FROM users WHERE id = ANY($1)', [ids]);",
    '  return out;',
    '}',
    '',
  ].join('\n');

  it('reports a query in a loop body or an iterating callback, at the query, naming the loop', async () => {
    await loadCodeParser();
    const queries = extractQueries('src/names.ts', loops).map((q) => ({ ...q, changed: true }));
    expect(queries.map((q) => [q.line, q.loopLine])).toEqual([
      [5, 4],
      [7, 7],
      [8, undefined],
      [9, undefined],
    ]);
    const findings = lintQueries(queries, [], { inLoop: true });
    expect(findings.map((f) => [f.rule, f.severity, f.line])).toEqual([
      ['query-in-loop', 'warning', 5],
      ['query-in-loop', 'warning', 7],
    ]);
    expect(findings[0]?.message).toBe(
      'This query runs once per iteration of the loop on line 4: one round trip per item (N+1), however few rows each returns. Fetch the rows for all items in one query (`WHERE id = ANY($1)`, a join) and match them up in the code.',
    );
    expect(lintQueries(queries, [], { inLoop: false })).toEqual([]);
  });
});
