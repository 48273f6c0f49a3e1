import type { ChangedFiles } from '../source/source.ts';
import type { GitHubClient, PullRequestRef } from './types.ts';
import { addedLines } from '../source/unified-diff.ts';

/** GitHub lists at most this many files of a pull request. */
export const PULL_REQUEST_FILES_LIMIT = 3000;

/** The fields of GitHub's diff entry (an element of `GET /pulls/{n}/files`) that a review uses. */
export interface PullRequestFile {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  previous_filename?: string;
  /** Lines added plus lines deleted. */
  changes: number;
  /** Absent for binary files and diffs too large to show. */
  patch?: string;
}

export interface PullRequestChanges {
  changed: ChangedFiles;
  /** Path → its unified diff as GitHub gave it, undefined when it gave none. */
  patches: Map<string, string | undefined>;
  notes: string[];
}

/**
 * The files a pull request changes. `changedFiles` is the pull request's `changed_files` count,
 * asked of GitHub when not given and the listing is long enough to have been capped.
 */
export async function listPullRequestChanges(client: GitHubClient, pr: PullRequestRef, changedFiles?: number): Promise<PullRequestChanges> {
  const coordinates = { owner: pr.owner, repo: pr.repo, pull_number: pr.number };
  const files: PullRequestFile[] = await client.paginate(client.rest.pulls.listFiles, { ...coordinates, per_page: 100 });
  const notes: string[] = [];
  if (files.length >= PULL_REQUEST_FILES_LIMIT) {
    const total = changedFiles ?? (await client.rest.pulls.get(coordinates)).data.changed_files;
    if (total > files.length) {
      notes.push(
        `GitHub lists at most ${PULL_REQUEST_FILES_LIMIT} files of a pull request; this one changes ${total}, so the ${total - files.length} past the first ${files.length} were not reviewed (a migration among them counts as already applied)`,
      );
    }
  }
  return { changed: changedFilesOf(files), patches: new Map(files.map((file) => [file.filename, file.patch])), notes };
}

export function changedFilesOf(files: PullRequestFile[]): ChangedFiles {
  const changed: ChangedFiles = { paths: new Set(), modified: new Set(), deleted: [] };
  for (const file of files) {
    switch (file.status) {
      case 'added':
      case 'copied':
        changed.paths.add(file.filename);
        break;
      case 'modified':
      case 'changed':
        changed.paths.add(file.filename);
        changed.modified.add(file.filename);
        break;
      case 'renamed':
        changed.paths.add(file.filename);
        // A rename with edits is an edit of a file the base already has.
        if (file.changes > 0) changed.modified.add(file.filename);
        if (file.previous_filename !== undefined) changed.deleted.push(file.previous_filename);
        break;
      case 'removed':
        changed.deleted.push(file.filename);
        break;
      case 'unchanged':
        break;
    }
  }
  const patched = files.filter((file) => file.patch !== undefined && changed.paths.has(file.filename));
  return { ...changed, addedLines: new Map(patched.map((file) => [file.filename, addedLines(file.patch!)])) };
}
