import picomatch from 'picomatch';
import type { RepoFile } from '../migrations/discover.ts';
import type { ChangedFiles } from '../source/source.ts';
import { runInSlices, type Steps } from '../time-slices.ts';
import { extractQueries, isQueryFile, loadParsersFor } from './index.ts';
import { readQuerySuppressions, type QuerySuppressions } from './suppressions.ts';
import type { ExtractedQuery } from './types.ts';

/** A query, and whether the change wrote it (else it is in a changed file, on lines the change left alone). */
export interface CollectedQuery extends ExtractedQuery {
  changed: boolean;
}

export interface CollectOptions {
  /** The migrations' own files (ups and downs): SQL that is not a query file. */
  migrationPaths: ReadonlySet<string>;
  /** What changed; undefined when the whole tree is under review. */
  changed: ChangedFiles | undefined;
  /** The config's `queries.paths`; empty for every file a query can be read from. */
  globs: string[];
  /**
   * Read the files the change leaves alone too: its migrations drop or rename what their queries
   * may name. Their queries are checked only for that.
   */
  beyondChange: boolean;
}

export interface CollectedQueries {
  queries: CollectedQuery[];
  notes: string[];
  /** The `db-review:ignore` comments of the files read. */
  suppressions: QuerySuppressions[];
}

/** Past this many files outside the change, the rest are not read: each may cost a request to GitHub. */
export const MAX_FILES_BEYOND_CHANGE = 1000;

/**
 * The queries of the files the change touches (every file, without a change), each marked with
 * whether it stands on lines the change adds or modifies. All of a changed file's queries are
 * kept: a migration of the same change can break one it did not touch.
 */
export async function collectQueries(files: RepoFile[], options: CollectOptions): Promise<CollectedQueries> {
  const globs = options.globs.filter((glob) => glob.trim() !== '');
  const inGlobs = globs.length > 0 ? picomatch(globs, { dot: true }) : () => true;
  const readable = files.filter((file) => isQueryFile(file.path) && !options.migrationPaths.has(file.path) && inGlobs(file.path));
  const inChange = (file: RepoFile): boolean => options.changed?.paths.has(file.path) ?? true;
  const beyond = options.beyondChange ? readable.filter((file) => !inChange(file)) : [];
  const candidates = [...readable.filter(inChange), ...beyond.slice(0, MAX_FILES_BEYOND_CHANGE)];
  const notes =
    beyond.length > MAX_FILES_BEYOND_CHANGE
      ? [`the queries of ${beyond.length - MAX_FILES_BEYOND_CHANGE} of the ${beyond.length} files outside the change were not checked against its migrations (at most ${MAX_FILES_BEYOND_CHANGE} are read)`]
      : [];
  await loadParsersFor(candidates.map((file) => file.path));
  const texts = await Promise.all(candidates.map(async (file) => ({ path: file.path, text: await file.read(), inChange: inChange(file) })));
  const extracted = await runInSlices(extractAll(texts, options.changed));
  return { ...extracted, notes: [...notes, ...extracted.notes] };
}

function* extractAll(files: { path: string; text: string; inChange: boolean }[], changed: ChangedFiles | undefined): Steps<CollectedQueries> {
  const queries: CollectedQuery[] = [];
  const notes: string[] = [];
  const suppressions: QuerySuppressions[] = [];
  for (const { path, text, inChange } of files) {
    const lines = changed?.addedLines?.get(path);
    const suppressed = readQuerySuppressions(path, text);
    if (suppressed) suppressions.push(suppressed);
    try {
      for (const query of extractQueries(path, text)) {
        queries.push({ ...query, changed: inChange && (lines === undefined || touchesLines(query, lines)) });
      }
    } catch (error) {
      // A parser's recursion runs out of stack on pathologically nested code: that file is left out, not the review.
      notes.push(`${path}: its queries were not read (${error instanceof Error ? error.message : String(error)})`);
    }
    yield;
  }
  return { queries, notes, suppressions };
}

function touchesLines(query: ExtractedQuery, lines: ReadonlySet<number>): boolean {
  for (let line = query.line; line <= query.endLine; line++) if (lines.has(line)) return true;
  return false;
}
