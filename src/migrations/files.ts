import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RepoFile } from './discover.ts';

const SKIPPED_DIRS = new Set(['node_modules', '.git']);

/**
 * Lists the files under `root` as repo-relative, forward-slash paths (sorted), skipping `node_modules` and
 * `.git` and not following symbolic links. Files are read lazily, as UTF-8.
 */
export async function listDirectory(root: string): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.isSymbolicLink()) continue;
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(absolute, relative);
      } else if (entry.isFile()) {
        files.push({ path: relative, read: () => readFile(absolute, 'utf8') });
      }
    }
  };
  await walk(path.resolve(root), '');
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
