import { beforeAll, describe, expect, it } from 'vitest';
import { queryRules } from '../../rules/queries/index.ts';
import type { CollectedQuery } from '../../src/queries/collect.ts';
import { lintQueries } from '../../src/queries/lint.ts';
import { loadParser } from '../../src/sql/libpg.ts';

beforeAll(() => loadParser());

const query = (sql: string, changed = true): CollectedQuery => ({ path: 'src/q.ts', line: 20, column: 5, endLine: 20 + sql.split('\n').length - 1, origin: 'client-query', sql, parameters: [], changed });

describe.each(queryRules.map((rule) => [rule.id, rule] as const))('%s', (id, rule) => {
  it.each(rule.docs.bad)('reports %s', (sql) => {
    expect(lintQueries([query(sql)], [rule]).map((f) => f.rule)).toEqual([id]);
  });
  it.each(rule.docs.good)('leaves alone %s', (sql) => {
    expect(lintQueries([query(sql)], [rule])).toEqual([]);
  });
});

describe('query rules in a review', () => {
  it('report at the line of what they point at, with the rule severity, and only on queries the change wrote', () => {
    const sql = 'SELECT id\nFROM users\nWHERE id NOT IN (SELECT user_id FROM bans)\nORDER BY random()';
    expect(lintQueries([query(sql), query('SELECT * FROM users', false)], queryRules)).toEqual([
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
