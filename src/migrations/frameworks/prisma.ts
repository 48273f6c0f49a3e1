import type { Migration } from '../types.ts';
import { baseOf, compareBytes, compareCodeUnits, dirOf, joinPath, multipleDirsWarning, sectionOf } from '../text.ts';
import type { SqlFile } from '../text.ts';
import type { DetectInput, FrameworkModule, LoadInput } from './framework.ts';

/**
 * Prisma Migrate: `<migrations>/<timestamp>_<name>/migration.sql`, with `migration_lock.toml` in `<migrations>`.
 * Prisma applies the folders in the order of their names (Rust string order, i.e. UTF-8 bytes) and sends
 * each `migration.sql` as one multi-statement query.
 */

const FILE_NAME = 'migration.sql';
const LOCK_FILE = 'migration_lock.toml';

interface PrismaParts {
  /** The migrations folder ('' when it is the repository root). */
  root: string;
  /** The migration folder's name: Prisma's migration name. */
  folder: string;
}

function partsOf(path: string): PrismaParts | undefined {
  if (baseOf(path) !== FILE_NAME) return undefined;
  const folderPath = dirOf(path);
  if (folderPath === '') return undefined;
  return { root: dirOf(folderPath), folder: baseOf(folderPath) };
}

function isPrismaRoot(root: string, allPaths: ReadonlySet<string>): boolean {
  return allPaths.has(joinPath(root, LOCK_FILE)) || baseOf(root) === 'migrations';
}

export const prisma: FrameworkModule = {
  name: 'prisma',

  detect({ files, allPaths }: DetectInput): string[] {
    return files
      .filter((f) => {
        const parts = partsOf(f.path);
        return parts !== undefined && isPrismaRoot(parts.root, allPaths);
      })
      .map((f) => f.path);
  },

  select({ files }: DetectInput): string[] {
    return files.filter((f) => partsOf(f.path) !== undefined).map((f) => f.path);
  },

  async load({ files, warnings }: LoadInput): Promise<Migration[]> {
    const roots = new Map<string, Array<{ file: SqlFile; folder: string }>>();
    for (const file of files) {
      const parts = partsOf(file.path);
      if (!parts) {
        warnings.push(`${file.path}: not a Prisma migration (expected <migrations>/<name>/${FILE_NAME}); skipped`);
        continue;
      }
      let list = roots.get(parts.root);
      if (!list) roots.set(parts.root, (list = []));
      list.push({ file, folder: parts.folder });
    }
    const rootNames = [...roots.keys()].sort(compareCodeUnits);
    const multi = multipleDirsWarning('Prisma', rootNames);
    if (multi) warnings.push(multi);

    const migrations: Migration[] = [];
    for (const root of rootNames) {
      const entries = roots.get(root) ?? [];
      entries.sort((a, b) => compareBytes(a.folder, b.folder));
      for (const { file, folder } of entries) {
        migrations.push({
          id: folder,
          framework: 'prisma',
          path: file.path,
          up: sectionOf(file.text),
          transaction: 'implicit',
        });
      }
    }
    return migrations;
  },
};
