import type { A_Const, SelectStmt } from '@pgsql/types';
import { unwrap } from '../../src/sql/ast.ts';
import type { QueryRule } from '../../src/queries/rule.ts';

export const offsetPagination: QueryRule = {
  id: 'query-offset-pagination',
  severity: 'notice',
  summary: 'OFFSET pagination reads and throws away every row before the page: deep pages get slower as the table grows.',
  docs: {
    why: 'To return rows past OFFSET n, PostgreSQL produces the first n rows in order and discards them (PostgreSQL docs, LIMIT and OFFSET: "the rows skipped by an OFFSET clause still have to be computed inside the server"). Page 1,000 of 50 costs 50,000 rows; rows inserted or deleted between two requests shift the pages, so users see rows twice or never.',
    safe: 'Keyset pagination: remember the last key of the page and ask for `WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT 50`, served by an index on those columns.',
    bad: ['SELECT id FROM orders ORDER BY created_at DESC LIMIT 50 OFFSET $1'],
    good: ['SELECT id FROM orders WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT 50', 'SELECT id FROM orders ORDER BY id LIMIT 50 OFFSET 1'],
  },
  check(statement) {
    const offset = unwrap<SelectStmt>(statement, 'SelectStmt')?.limitOffset;
    if (!offset || isSmallConstant(offset)) return [];
    const location = (Object.values(offset)[0] as { location?: number } | undefined)?.location;
    return [{ location, message: 'OFFSET makes PostgreSQL compute and discard every row before the page, so deep pages cost as much as reading up to them; paginate by the last key seen instead.' }];
  },
};

/** A constant offset under 100 skips a fixed few rows: not pagination. */
function isSmallConstant(offset: unknown): boolean {
  const integer = unwrap<A_Const>(offset, 'A_Const')?.ival;
  return integer !== undefined && (integer.ival ?? 0) < 100;
}
