import { isCodeFile, queriesInCode } from './code-files.ts';
import { queriesInSqlFile } from './sql-files.ts';
import type { ExtractedQuery } from './types.ts';

export type { ExtractedQuery, QueryOrigin } from './types.ts';

/**
 * The queries a file holds, each at its exact line, with parameters as `$n`. A `.sql` file is
 * read as a file of queries: the caller passes only files that are not migrations. Code is read
 * once `loadCodeParser()` has resolved.
 */
export function extractQueries(path: string, text: string): ExtractedQuery[] {
  if (text.includes('\0') || !isQueryFile(path)) return [];
  if (path.endsWith('.sql')) return queriesInSqlFile(path, text);
  return queriesInCode(path, text);
}

/** Whether queries are read from this file at all: `.sql`, TypeScript and JavaScript. */
export function isQueryFile(path: string): boolean {
  return path.endsWith('.sql') || isCodeFile(path);
}
