import type { RepoFile } from '../migrations/discover.ts';

export interface ChangedFiles {
  /** Added, modified or renamed paths (their head-side names). */
  paths: Set<string>;
  /** Of those, the paths that already existed, with other content, at the base. */
  modified: Set<string>;
  deleted: string[];
  /**
   * The head-side lines each changed file adds or modifies. A changed path missing here (a new
   * or binary file, or a diff the source could not read) counts as changed throughout.
   */
  addedLines?: ReadonlyMap<string, ReadonlySet<number>>;
}

/** Where the files under review come from; nothing after this stage knows. */
export interface ChangeSource {
  /** A short description for messages: "directory migrations/", "changes since main". */
  describe(): string;
  /** Every file of the tree under review, at the head revision. */
  files(): Promise<RepoFile[]>;
  /** What changed against the base, or undefined when the whole tree is under review. */
  changed(): Promise<ChangedFiles | undefined>;
}
