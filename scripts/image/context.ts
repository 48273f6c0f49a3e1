import { existsSync, readFileSync } from 'node:fs';
import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';

interface IgnorePattern {
  exception: boolean;
  matches: (path: string) => boolean;
  segments: string[];
}

/**
 * Copies the build context `docker build` would send, as `.dockerignore` filters it: a pattern
 * excludes the paths it matches and everything under them, a `!pattern` takes them back, and
 * the last pattern that matches a path decides. Returns the copied files, repo-relative.
 */
export async function copyBuildContext(root: string, destination: string): Promise<string[]> {
  const patterns = ignorePatterns(root);
  const excluded = (relative: string): boolean => {
    let verdict = false;
    for (const pattern of patterns) if (selfOrParents(relative).some(pattern.matches)) verdict = !pattern.exception;
    return verdict;
  };
  // An excluded directory is only walked when an exception could take back something inside it.
  const mayHoldExceptions = (dir: string): boolean => patterns.some((pattern) => pattern.exception && couldMatchBelow(pattern, dir));

  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(path.join(root, dir), { withFileTypes: true })) {
      const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!excluded(relative) || mayHoldExceptions(relative)) await walk(relative);
      } else if (!excluded(relative)) {
        files.push(relative);
        await cp(path.join(root, relative), path.join(destination, relative), { verbatimSymlinks: true });
      }
    }
  };
  await walk('');
  return files.sort();
}

function ignorePatterns(root: string): IgnorePattern[] {
  const file = path.join(root, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!');
      const glob = path.posix.normalize((exception ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '');
      return { exception, matches: picomatch(glob, { dot: true }), segments: glob.split('/') };
    });
}

function selfOrParents(relative: string): string[] {
  const parts = relative.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

function couldMatchBelow(pattern: IgnorePattern, dir: string): boolean {
  if (pattern.segments.includes('**')) return true;
  const dirSegments = dir.split('/');
  return pattern.segments.length > dirSegments.length && dirSegments.every((segment, i) => picomatch.isMatch(segment, pattern.segments[i]!, { dot: true }));
}
