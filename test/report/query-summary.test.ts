import { describe, expect, it } from 'vitest';
import { formatMarkdown, toJsonReport } from '../../src/report/index.ts';
import { planShape } from '../../src/shadow/explain/compact-plan.ts';
import type { PlanNode } from '../../src/shadow/explain/index-advice.ts';
import { makeReview, OPTIONS } from './fixture.ts';

const queries = [
  { path: 'app/orders.ts', line: 3, endLine: 4, plan: { shape: 'Seq Scan on orders', cost: 750179, rows: 1250 } },
  { path: 'app/users.ts', line: 9, endLine: 9, plan: { shape: 'Index Scan using users_pkey on users', cost: 8.17, rows: 1 } },
  { path: 'jobs/report.py', line: 2, endLine: 2 },
];
const findings = [
  { rule: 'query-seq-scan', severity: 'error' as const, path: 'app/orders.ts', line: 3, message: 'scan', source: 'explain' as const },
  { rule: 'query-select-star', severity: 'notice' as const, path: 'app/orders.ts', line: 4, message: 'star', source: 'rule' as const },
];

describe('the query section of the summary', () => {
  it('lists each query the change writes with its plan, estimated cost and the rules that fired on it', () => {
    const assumedSizes = [
      { table: 'public.orders', rows: 50_000_000, source: 'size hint' as const, columns: 0 },
      { table: 'billing.invoices', rows: 1_200_000, source: 'production statistics' as const, columns: 4 },
    ];
    const markdown = formatMarkdown(makeReview({ findings, queries, migrations: [], assumedSizes }), OPTIONS);
    expect(markdown).toContain('Reviewed 0 migrations and 3 queries for PostgreSQL 16');
    expect(markdown).toContain(
      [
        '### Queries',
        '',
        '| Query | Plan after the migrations | Estimated cost | Verdict |',
        '| --- | --- | --- | --- |',
        '| app/orders.ts:3 | Seq Scan on orders | 750,179 (1,250 rows) | `query-seq-scan`, `query-select-star` |',
        '| app/users.ts:9 | Index Scan using users_pkey on users | 8.17 (1 row) | ok |',
        '| jobs/report.py:2 | — | — | not planned |',
        '',
        "Planned with `orders` at 50,000,000 rows (size hint), `billing.invoices` at 1,200,000 rows (production statistics, with 4 columns' statistics); other tables as the migrations leave them.",
      ].join('\n'),
    );
    expect(toJsonReport(makeReview({ queries }), OPTIONS).queries).toEqual(queries);
  });

  it('says a plan in a few words: its scans, after the top node when that is not the only scan', () => {
    const scan = (type: string, relation: string, index?: string): PlanNode => ({ 'Node Type': type, 'Relation Name': relation, ...(index ? { 'Index Name': index } : {}), 'Plan Rows': 1, 'Total Cost': 1 }) as PlanNode;
    expect(planShape(scan('Seq Scan', 'orders'))).toBe('Seq Scan on orders');
    const join: PlanNode = { 'Node Type': 'Hash Join', 'Plan Rows': 1, 'Total Cost': 1, Plans: [scan('Seq Scan', 'orders'), { 'Node Type': 'Hash', 'Plan Rows': 1, 'Total Cost': 1, Plans: [scan('Index Scan', 'users', 'users_pkey')] }] };
    expect(planShape(join)).toBe('Hash Join: Seq Scan on orders, Index Scan using users_pkey on users');
    expect(planShape({ 'Node Type': 'Result', 'Plan Rows': 1, 'Total Cost': 0.01 })).toBe('Result');
  });
});
