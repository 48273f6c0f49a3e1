import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RepoFile } from '../../src/migrations/discover.ts';

/** In-memory repository: path → contents. */
export function repo(files: Record<string, string>): RepoFile[] {
  return Object.entries(files).map(([p, text]) => ({ path: p, read: async () => text }));
}

/** Walks a folder on disk with plain readdirSync, independent of the code under test. */
export function walk(root: string): RepoFile[] {
  const out: RepoFile[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(absolute);
      else if (entry.isFile()) {
        out.push({
          path: path.relative(root, absolute).split(path.sep).join('/'),
          read: async () => readFileSync(absolute, 'utf8'),
        });
      }
    }
  };
  visit(root);
  return out;
}
