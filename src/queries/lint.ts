import type { Node } from '@pgsql/types';
import type { Finding } from '../findings.ts';
import { parseSql } from '../sql/libpg.ts';
import type { CollectedQuery } from './collect.ts';
import type { QueryRule } from './rule.ts';

/**
 * The query rules' findings on the queries the change writes (not those it only reads around
 * them), and `query-in-loop` for those the code runs once per iteration of a loop.
 */
export function lintQueries(queries: CollectedQuery[], rules: QueryRule[], options: { inLoop: boolean }): Finding[] {
  return queries
    .filter((query) => query.changed)
    .flatMap((query) => {
      const statement = parseSql(query.sql).stmts?.[0]?.stmt as Node;
      const findings = rules.flatMap((rule) =>
        rule.check(statement).map(
          (report): Finding => ({
            rule: rule.id,
            severity: rule.severity,
            path: query.path,
            line: lineAt(query, report.location),
            message: report.message,
            source: 'rule',
          }),
        ),
      );
      return options.inLoop && query.loopLine !== undefined ? [...findings, inLoop(query, query.loopLine)] : findings;
    });
}

function inLoop(query: CollectedQuery, loopLine: number): Finding {
  return {
    rule: 'query-in-loop',
    severity: 'warning',
    path: query.path,
    line: query.line,
    column: query.column,
    message: `This query runs once per iteration of the loop on line ${loopLine}: one round trip per item (N+1), however few rows each returns. Fetch the rows for all items in one query (\`WHERE id = ANY($1)\`, a join) and match them up in the code.`,
    source: 'rule',
  };
}

/** The file line of a byte offset into the query's SQL (its line breaks are the file's). */
function lineAt(query: CollectedQuery, location: number | undefined): number {
  if (location === undefined || location < 0) return query.line;
  const before = Buffer.from(query.sql).subarray(0, location).toString('utf8');
  return query.line + (before.match(/\n/g)?.length ?? 0);
}
