import { CODE_EXTENSIONS, queriesInCode } from './code-files.ts';
import type { ChangedLines } from './query-statement.ts';
import { queriesInSqlFile } from './sql-files.ts';
import type { ExtractedQuery } from './types.ts';

export type { ChangedLines } from './query-statement.ts';
export type { ExtractedQuery, QueryOrigin } from './types.ts';

/**
 * The queries a file holds, each at its exact line, with parameters as `$n`; with
 * `changedLines`, only those on lines the change adds or modifies. A `.sql` file is read as a
 * file of queries: the caller passes only files that are not migrations.
 */
export function extractQueries(path: string, text: string, changedLines?: ChangedLines): ExtractedQuery[] {
  if (text.includes('\0')) return [];
  if (path.endsWith('.sql')) return queriesInSqlFile(path, text, changedLines);
  if (CODE_EXTENSIONS.some((extension) => path.endsWith(extension))) return queriesInCode(path, text, changedLines);
  return [];
}
