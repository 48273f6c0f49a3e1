import type { FuncCall, SortBy } from '@pgsql/types';
import { visit } from '../../src/sql/ast.ts';
import type { QueryRule, QueryRuleReport } from '../../src/queries/rule.ts';

export const orderByRandom: QueryRule = {
  id: 'query-order-by-random',
  severity: 'warning',
  summary: 'ORDER BY random() reads and sorts every row to return a few.',
  docs: {
    why: 'random() is evaluated for every row the query reads, and the rows are then sorted by it: picking one row this way costs a full scan and a sort of the whole table (a top-N heapsort with LIMIT, still over every row), and grows with the table.',
    safe: 'Sample instead: `TABLESAMPLE SYSTEM (p)` or `BERNOULLI (p)` for a rough share of the rows, or pick a random key and take the first row at or after it through an index (`WHERE id >= $1 ORDER BY id LIMIT 1`).',
    bad: ['SELECT id FROM quotes ORDER BY random() LIMIT 1'],
    good: ['SELECT id FROM quotes TABLESAMPLE SYSTEM (1) LIMIT 1', 'SELECT random() AS r FROM quotes WHERE id = $1'],
  },
  check(statement) {
    const reports: QueryRuleReport[] = [];
    visit(statement, (kind, value) => {
      if (kind !== 'SortBy') return;
      const call = ((value as SortBy).node as { FuncCall?: FuncCall } | undefined)?.FuncCall;
      const name = call?.funcname?.map((part) => (part as { String?: { sval?: string } }).String?.sval).at(-1);
      if (name !== 'random') return;
      reports.push({ location: call?.location, message: 'ORDER BY random() computes a random number for every row and sorts them all to return a few: a full scan and sort that grow with the table.' });
    });
    return reports;
  },
};
