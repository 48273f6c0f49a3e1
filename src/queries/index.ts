import { isCodeFile, loadCodeParser, queriesInCode } from './code-files.ts';
import { loadScriptParsers, queriesInScript, scriptLanguageOf, type ScriptLanguage } from './script-files.ts';
import { queriesInSqlFile } from './sql-files.ts';
import type { ExtractedQuery } from './types.ts';

export type { ExtractedQuery, QueryOrigin } from './types.ts';

/**
 * The queries a file holds, each at its exact line, with parameters as `$n`. A `.sql` file is
 * read as a file of queries: the caller passes only files that are not migrations. Code is read
 * once `loadParsersFor()` has resolved for its path.
 */
export function extractQueries(path: string, text: string): ExtractedQuery[] {
  if (text.includes('\0') || !isQueryFile(path)) return [];
  if (path.endsWith('.sql')) return queriesInSqlFile(path, text);
  const language = scriptLanguageOf(path);
  return language ? queriesInScript(path, text, language) : queriesInCode(path, text);
}

/** Whether queries are read from this file at all: `.sql`, TypeScript, JavaScript, Python, Go and Ruby. */
export function isQueryFile(path: string): boolean {
  return path.endsWith('.sql') || isCodeFile(path) || scriptLanguageOf(path) !== undefined;
}

/** Loads the parsers the files' languages need, each once: they take a while, and most reviews need none. */
export async function loadParsersFor(paths: string[]): Promise<void> {
  if (paths.some(isCodeFile)) await loadCodeParser();
  await loadScriptParsers(paths.map(scriptLanguageOf).filter((language): language is ScriptLanguage => language !== undefined));
}
