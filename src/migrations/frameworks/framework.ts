import type { Framework, Migration } from '../types.ts';
import type { SqlFile } from '../text.ts';

export interface DetectInput {
  /** Candidate `.sql` files (already filtered by globs when globs are given), read and decoded. */
  files: SqlFile[];
  /** Every path in the repository (also non-SQL files such as `migration_lock.toml`), minus ignored folders. */
  allPaths: ReadonlySet<string>;
}

export interface LoadInput {
  /** The files to read as this framework's migrations; files that do not fit produce warnings. */
  files: SqlFile[];
  allPaths: ReadonlySet<string>;
  /** Reads any repository file (e.g. a Flyway `.sql.conf`); undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** Human-readable notes about anything odd; appended to. */
  warnings: string[];
}

export interface FrameworkModule {
  readonly name: Framework;
  /**
   * The paths of the files belonging to this framework's migration folders, when the layout (or content)
   * is this framework's; empty when it is not. May include files that `load` then rejects with a warning.
   */
  detect(input: DetectInput): string[];
  /** The files to read when the framework is forced by option (no detection), without globs. */
  select(input: DetectInput): string[];
  /** Reads the files into migrations in the order the framework applies them. */
  load(input: LoadInput): Promise<Migration[]>;
}

/** Paths of all candidate files whose directory is in `dirs`. */
/** What a forced framework reads without globs: its detected files, or every candidate when none were detected. */
export function detectedOrAll(detected: string[], files: SqlFile[]): string[] {
  return detected.length > 0 ? detected : files.map((f) => f.path);
}
