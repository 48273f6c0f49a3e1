import type { ColumnRef, ResTarget } from '@pgsql/types';
import { listOf, unwrap } from '../../src/sql/ast.ts';
import type { QueryRule } from '../../src/queries/rule.ts';

export const selectStar: QueryRule = {
  id: 'query-select-star',
  severity: 'notice',
  summary: 'SELECT * (or RETURNING *) in application code returns whatever columns the table has at the time.',
  docs: {
    why: 'The columns come from the schema at run time: a migration that adds a wide column makes every such query read and send it, one that drops or renames a column changes what the code receives without any error at the query, and `*` defeats index-only scans.',
    safe: 'Name the columns the code uses.',
    bad: ['SELECT * FROM users WHERE id = $1', 'SELECT u.* FROM users u JOIN orders o ON o.user_id = u.id', 'INSERT INTO users (email) VALUES ($1) RETURNING *'],
    good: ['SELECT id, email FROM users WHERE id = $1', 'SELECT count(*) FROM users', 'SELECT id FROM users u WHERE EXISTS (SELECT * FROM orders o WHERE o.user_id = u.id)'],
  },
  check(statement) {
    const root = Object.values(statement)[0] as { targetList?: unknown; returningClause?: { exprs?: unknown }; returningList?: unknown } | undefined;
    const targets = [...listOf(root?.targetList), ...listOf(root?.returningClause?.exprs), ...listOf(root?.returningList)];
    const star = targets
      .map((target) => unwrap<ColumnRef>(unwrap<ResTarget>(target, 'ResTarget')?.val, 'ColumnRef'))
      .find((column) => column?.fields?.some((field) => unwrap(field, 'A_Star') !== undefined));
    if (!star) return [];
    return [{ location: star.location, message: 'The query asks for every column: name the ones the code uses, so that a migration adding, dropping or renaming a column does not change what it reads.' }];
  },
};
