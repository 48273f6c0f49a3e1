import type { Node } from '@pgsql/types';
import type { Finding } from '../findings.ts';
import { parseSql } from '../sql/libpg.ts';
import type { CollectedQuery } from './collect.ts';
import type { QueryRule } from './rule.ts';

/** The query rules' findings on the queries the change writes (not those it only reads around them). */
export function lintQueries(queries: CollectedQuery[], rules: QueryRule[]): Finding[] {
  return queries
    .filter((query) => query.changed)
    .flatMap((query) => {
      const statement = parseSql(query.sql).stmts?.[0]?.stmt as Node;
      return rules.flatMap((rule) =>
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
    });
}

/** The file line of a byte offset into the query's SQL (its line breaks are the file's). */
function lineAt(query: CollectedQuery, location: number | undefined): number {
  if (location === undefined || location < 0) return query.line;
  const before = Buffer.from(query.sql).subarray(0, location).toString('utf8');
  return query.line + (before.match(/\n/g)?.length ?? 0);
}
