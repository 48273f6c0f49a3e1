import type { BoolExpr, SubLink } from '@pgsql/types';
import { visit } from '../../src/sql/ast.ts';
import type { QueryRule, QueryRuleReport } from '../../src/queries/rule.ts';

export const notInSubquery: QueryRule = {
  id: 'query-not-in-subquery',
  severity: 'warning',
  summary: 'NOT IN (SELECT …) returns no rows as soon as the subquery yields one NULL, and cannot be planned as an anti-join.',
  docs: {
    why: '`x NOT IN (SELECT y …)` is `x <> ALL (…)`: when any `y` is NULL the comparison is NULL, never true, so the query silently returns nothing (PostgreSQL docs, Subquery Expressions). The planner cannot turn it into an anti-join either: it runs a hashed subplan when the subquery fits in work_mem, and re-scans the subquery for every outer row when it does not.',
    safe: 'Write `NOT EXISTS (SELECT 1 FROM … WHERE y = x)`: it means what was meant with NULLs, and is planned as an anti-join.',
    bad: ['SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM orders)'],
    good: ['SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)', "SELECT id FROM users WHERE status NOT IN ('closed', 'banned')"],
  },
  check(statement) {
    const reports: QueryRuleReport[] = [];
    visit(statement, (kind, value) => {
      if (kind !== 'BoolExpr' || (value as BoolExpr).boolop !== 'NOT_EXPR') return;
      const sublink = (value as BoolExpr).args?.map((arg) => (arg as { SubLink?: SubLink }).SubLink).find((s) => s?.subLinkType === 'ANY_SUBLINK');
      if (!sublink) return;
      reports.push({
        location: sublink.location,
        message: 'NOT IN (SELECT …) is never true once the subquery returns a NULL, so the query then returns nothing; it also cannot be planned as an anti-join. Use NOT EXISTS.',
      });
    });
    return reports;
  },
};
