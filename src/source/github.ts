import type { RepoFile } from '../migrations/discover.ts';
import { readFileText } from '../github/contents.ts';
import { fileKey, type FileCache } from '../github/file-cache.ts';
import { listPullRequestChanges, type PullRequestChanges } from '../github/pull-files.ts';
import { listTreeFiles, type TreeFile } from '../github/tree.ts';
import type { GitHubClient, PullRequestRef } from '../github/types.ts';
import { globScope } from './glob-scope.ts';
import type { ChangedFiles, ChangeSource } from './source.ts';

/**
 * The largest file read from GitHub: above the 20 MB the engine is tested to review whole, and
 * small enough that its blob (base64, a third larger) stays a modest response.
 */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

export interface UnreadableFile {
  path: string;
  reason: string;
}

export interface GitHubChangeSource extends ChangeSource {
  /** A pull request always has a base to compare with. */
  changed(): Promise<ChangedFiles>;
  /** What GitHub did not show of the pull request (capped file list, truncated tree), found so far. */
  notes(): string[];
  /** The files a read was asked for that GitHub did not give; each was read as empty. */
  unreadable(): UnreadableFile[];
  /**
   * Path → the unified diff GitHub gave for it (undefined when it gave none: binary or too large),
   * for every file of the pull request. Known once `changed()` has resolved.
   */
  patches(): Map<string, string | undefined>;
}

export interface GitHubSourceOptions {
  /** Globs of the files to list (the config's migrations and queries); empty means the whole repository. */
  paths: string[];
  /** The pull request's `changed_files` count when the caller has it (webhook payloads do); else asked of GitHub when needed. */
  changedFiles?: number;
  /** Contents already read by earlier reviews, by blob SHA; files read now are added to it. */
  cache?: FileCache;
}

/**
 * A pull request as GitHub holds it: the tree of its head commit (the base history is its unchanged
 * migrations) and the files it changes. Files are read lazily, once.
 */
export function githubSource(client: GitHubClient, pr: PullRequestRef, options: GitHubSourceOptions): GitHubChangeSource {
  const notes: string[] = [];
  const unreadable: UnreadableFile[] = [];
  let listing: Promise<RepoFile[]> | undefined;
  let changes: Promise<PullRequestChanges> | undefined;
  let patches: Map<string, string | undefined> | undefined;

  const unreadableAs = (path: string, reason: string): string => {
    unreadable.push({ path, reason });
    return '';
  };
  const readOnce = async (file: TreeFile): Promise<string> => {
    if (file.size > MAX_FILE_BYTES) {
      return unreadableAs(file.path, `${megabytes(file.size)}, larger than the ${megabytes(MAX_FILE_BYTES)} a review reads from GitHub`);
    }
    const key = fileKey(pr, file.sha);
    const cached = options.cache?.get(key);
    if (cached !== undefined) return cached;
    try {
      const text = await readFileText(client, pr, pr.headSha, file);
      options.cache?.set(key, text);
      return text;
    } catch (error) {
      return unreadableAs(file.path, failureReason(error, pr.headSha));
    }
  };

  return {
    describe: () => `pull request ${pr.owner}/${pr.repo}#${pr.number} at ${shortSha(pr.headSha)}`,
    files: () =>
      (listing ??= listTreeFiles(client, pr, pr.headSha, globScope(options.paths)).then((tree) => {
        notes.push(...tree.notes);
        return tree.files.map((file): RepoFile => {
          let text: Promise<string> | undefined;
          return { path: file.path, read: () => (text ??= readOnce(file)) };
        });
      })),
    changed: async (): Promise<ChangedFiles> => {
      changes ??= listPullRequestChanges(client, pr, options.changedFiles).then((listed) => {
        notes.push(...listed.notes);
        patches = listed.patches;
        return listed;
      });
      return (await changes).changed;
    },
    notes: () => [...notes],
    unreadable: () => [...unreadable],
    patches: () => {
      if (!patches) throw new Error('patches() is known once changed() has resolved');
      return patches;
    },
  };
}

function failureReason(error: unknown, ref: string): string {
  const status = (error as { status?: unknown } | undefined)?.status;
  if (status === 404) return `GitHub answered 404 Not Found at commit ${shortSha(ref)}`;
  const message = error instanceof Error ? error.message : String(error);
  return typeof status === 'number' ? `GitHub answered ${status}: ${message}` : `reading it from GitHub failed: ${message}`;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function shortSha(sha: string): string {
  return sha.slice(0, 7);
}
