import { normaliseParameters, type ParameterStyle } from './parameters.ts';
import { isQuery } from './query-statement.ts';
import { codeMask, positionsIn } from './sql-text.ts';
import type { ExtractedQuery, QueryOrigin } from './types.ts';

/** sqlc: `-- name: GetAuthor :one` above each query. */
const SQLC_NAME = /^--\s*name:\s*(\w+)\s+:\w+/m;
/** PgTyped: `/* @name FindBooks *\/` above each query. */
const PGTYPED_NAME = /\/\*[\s*]*@name\s+(\w+)/;

const STYLES: Record<Extract<QueryOrigin, 'sql-file' | 'sqlc' | 'pgtyped'>, ParameterStyle[]> = {
  sqlc: ['dollar', 'sqlc', 'at'],
  pgtyped: ['colon'],
  'sql-file': ['dollar'],
};

/** The queries of a `.sql` file of queries (sqlc, PgTyped, or plain statements), each at its first line. */
export function queriesInSqlFile(path: string, text: string): ExtractedQuery[] {
  const mask = codeMask(text);
  const positionOf = positionsIn(text);
  const queries: ExtractedQuery[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && !(text[i] === ';' && mask[i])) continue;
    const query = queryIn(text, mask, start, i);
    start = i + 1;
    if (!query) continue;
    const from = positionOf(query.start);
    const found: ExtractedQuery = {
      path,
      line: from.line,
      column: from.column,
      endLine: positionOf(Math.max(query.start, i - 1)).line,
      origin: query.origin,
      ...(query.name ? { name: query.name } : {}),
      ...normaliseParameters(text.slice(query.start, i).trimEnd(), STYLES[query.origin]),
    };
    if (isQuery(found.sql)) queries.push(found);
  }
  return queries;
}

/** Where the statement between `from` and `to` starts (after its comments), and what its comments call it. */
function queryIn(text: string, mask: Uint8Array, from: number, to: number) {
  let start = from;
  while (start < to && (!mask[start] || /\s/.test(text[start]!))) start++;
  if (start >= to) return undefined;
  const comments = text.slice(from, start);
  const sqlc = SQLC_NAME.exec(comments)?.[1];
  if (sqlc) return { start, origin: 'sqlc' as const, name: sqlc };
  const pgtyped = PGTYPED_NAME.exec(comments)?.[1];
  if (pgtyped) return { start, origin: 'pgtyped' as const, name: pgtyped };
  return { start, origin: 'sql-file' as const, name: undefined };
}
