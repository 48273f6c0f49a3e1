import type { A_Const, A_Expr } from '@pgsql/types';
import { visit } from '../../src/sql/ast.ts';
import type { QueryRule, QueryRuleReport } from '../../src/queries/rule.ts';

const LIKE_KINDS = new Set(['AEXPR_LIKE', 'AEXPR_ILIKE']);

export const leadingWildcard: QueryRule = {
  id: 'query-leading-wildcard',
  severity: 'warning',
  summary: "LIKE or ILIKE with a pattern that starts with a wildcard cannot use a B-tree index: it reads every row.",
  docs: {
    why: "A B-tree index serves LIKE only for a pattern with a constant prefix (and then only under the C collation or a text_pattern_ops index); ILIKE hardly ever. A pattern starting with `%` or `_` has no prefix, so every row is read and matched (PostgreSQL docs, Indexes and ORDER BY / Operator Classes).",
    safe: 'For substring search, a trigram index: `CREATE INDEX CONCURRENTLY … USING gin (col gin_trgm_ops)` (pg_trgm) serves LIKE and ILIKE with any wildcards; for words, full-text search with a tsvector and a GIN index.',
    bad: ["SELECT id FROM users WHERE email LIKE '%@example.com'", "SELECT id FROM users WHERE name ILIKE '%' || $1 || '%'"],
    good: ["SELECT id FROM users WHERE email LIKE 'admin%'", 'SELECT id FROM users WHERE name LIKE $1'],
  },
  check(statement) {
    const reports: QueryRuleReport[] = [];
    visit(statement, (kind, value) => {
      const expr = value as A_Expr;
      if (kind !== 'A_Expr' || !LIKE_KINDS.has(expr.kind ?? '')) return;
      const pattern = leadingConstant(expr.rexpr);
      if (pattern === undefined || !/^[%_]/.test(pattern)) return;
      const operator = expr.kind === 'AEXPR_ILIKE' ? 'ILIKE' : 'LIKE';
      reports.push({ location: expr.location, message: `${operator} '${pattern}' starts with a wildcard: no B-tree index can serve it, so every row is read. A trigram (pg_trgm) GIN index can.` });
    });
    return reports;
  },
};

/** The pattern's constant start: the constant itself, or the first constant of `'%' || $1 || …`. */
function leadingConstant(node: unknown): string | undefined {
  const constant = (node as { A_Const?: A_Const } | undefined)?.A_Const;
  if (constant) return constant.sval?.sval;
  const concat = (node as { A_Expr?: A_Expr } | undefined)?.A_Expr;
  return concat?.kind === 'AEXPR_OP' ? leadingConstant(concat.lexpr) : undefined;
}
