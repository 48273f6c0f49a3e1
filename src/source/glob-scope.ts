import picomatch from 'picomatch';
import { dirOf } from '../migrations/text.ts';

/** The part of a repository that the migration globs can reach. */
export interface GlobScope {
  /** Whether a file lies in a directory the globs search. */
  holds(path: string): boolean;
  /** Whether a directory lies in that part, or leads to it. */
  reaches(dir: string): boolean;
}

/**
 * The directories the globs search (`db/migrations` for `db/migrations/**\/*.sql`), whole: discovery
 * applies the globs itself, and also reads the files next to the migrations (Flyway's `<file>.sql.conf`,
 * Prisma's `migration_lock.toml`). No globs, or one that starts with a wildcard or a negation, reach everything.
 */
export function globScope(globs: string[]): GlobScope {
  const roots = globs.filter((glob) => glob.trim() !== '').map(rootOf);
  if (roots.length === 0 || roots.includes('')) return { holds: () => true, reaches: () => true };
  const under = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);
  return {
    holds: (path) => roots.some((root) => under(path, root)),
    reaches: (dir) => roots.some((root) => under(dir, root) || under(root, dir)),
  };
}

function rootOf(glob: string): string {
  const scan = picomatch.scan(glob);
  if (scan.negated) return '';
  return scan.isGlob ? scan.base : dirOf(scan.base);
}
