import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RepoFile } from '../migrations/discover.ts';
import { listDirectory } from '../migrations/files.ts';
import type { ChangeSource } from './source.ts';

/** Files under the given paths (directories or single files), relative to `root`; all under review. */
export function directorySource(root: string, paths: string[]): ChangeSource {
  return {
    describe: () => paths.join(', '),
    files: () => listPaths(root, paths),
    changed: async () => undefined,
  };
}

export async function listPaths(root: string, paths: string[]): Promise<RepoFile[]> {
  const lists = await Promise.all(
    paths.map(async (given) => {
      const absolute = path.resolve(root, given);
      const info = await stat(absolute).catch(() => undefined);
      if (!info) throw new SourceError(`${given}: no such file or directory`);
      const relative = toRepoPath(path.relative(root, absolute));
      if (info.isFile()) return [{ path: relative, read: () => readFile(absolute, 'utf8') }];
      const files = await listDirectory(absolute);
      return files.map((f) => ({ ...f, path: relative ? `${relative}/${f.path}` : f.path }));
    }),
  );
  const unique = new Map<string, RepoFile>();
  for (const file of lists.flat()) if (!unique.has(file.path)) unique.set(file.path, file);
  return [...unique.values()];
}

export function toRepoPath(relative: string): string {
  return relative.split(path.sep).join('/');
}

/** A problem with the paths or revision the user named. */
export class SourceError extends Error {}
