import { joinPath } from '../migrations/text.ts';
import type { GlobScope } from '../source/glob-scope.ts';
import type { GitHubClient, PullRequestRef } from './types.ts';

export type RepoCoordinates = Pick<PullRequestRef, 'owner' | 'repo'>;

/** A file of a git tree. */
export interface TreeFile {
  /** Repo-relative, forward slashes. */
  path: string;
  /** The blob's SHA. */
  sha: string;
  /** In bytes. */
  size: number;
}

export interface TreeListing {
  files: TreeFile[];
  /** What GitHub did not list. */
  notes: string[];
}

interface TreeEntry {
  path: string;
  mode: string;
  type: string;
  sha: string;
  size?: number;
}

const SYMLINK_MODE = '120000';

/**
 * The regular files of the tree of `commitSha` that `scope` holds. Symbolic links and submodules
 * are left out, as a directory listing leaves them out.
 */
export async function listTreeFiles(client: GitHubClient, repo: RepoCoordinates, commitSha: string, scope: GlobScope): Promise<TreeListing> {
  const listing: TreeListing = { files: [], notes: [] };
  await collect(client, repo, { sha: commitSha, dir: '' }, scope, listing);
  return listing;
}

async function collect(
  client: GitHubClient,
  repo: RepoCoordinates,
  tree: { sha: string; dir: string },
  scope: GlobScope,
  listing: TreeListing,
): Promise<void> {
  const whole = await getTree(client, repo, tree.sha, true);
  if (!whole.truncated) {
    addFiles(whole.tree, tree.dir, scope, listing);
    return;
  }
  // Over 100,000 entries or 7 MB: GitHub's advice is to list the tree one level at a time,
  // and each subtree whole again (going one level deeper wherever that is truncated too).
  const level = await getTree(client, repo, tree.sha, false);
  if (level.truncated) {
    listing.notes.push(
      `GitHub truncated the listing of ${tree.dir === '' ? 'the repository root' : tree.dir} (over 100,000 entries or 7 MB), so files past its first ${level.tree.length} entries were not seen`,
    );
  }
  addFiles(level.tree, tree.dir, scope, listing);
  for (const entry of level.tree) {
    const dir = joinPath(tree.dir, entry.path);
    if (entry.type === 'tree' && scope.reaches(dir)) await collect(client, repo, { sha: entry.sha, dir }, scope, listing);
  }
}

function addFiles(entries: TreeEntry[], dir: string, scope: GlobScope, listing: TreeListing): void {
  for (const entry of entries) {
    const path = joinPath(dir, entry.path);
    if (entry.type === 'blob' && entry.mode !== SYMLINK_MODE && scope.holds(path)) {
      listing.files.push({ path, sha: entry.sha, size: entry.size ?? 0 });
    }
  }
}

async function getTree(client: GitHubClient, repo: RepoCoordinates, sha: string, recursive: boolean): Promise<{ tree: TreeEntry[]; truncated: boolean }> {
  const { data } = await client.rest.git.getTree({ owner: repo.owner, repo: repo.repo, tree_sha: sha, ...(recursive ? { recursive: 'true' } : {}) });
  return data;
}
