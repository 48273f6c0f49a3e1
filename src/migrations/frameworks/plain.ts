import type { Migration } from '../types.ts';
import { baseOf, compareNatural, groupByDir, multipleDirsWarning, sectionOf } from '../text.ts';
import type { DetectInput, FrameworkModule, LoadInput } from './framework.ts';

/**
 * Plain SQL files, as run one by one with `psql -f`: each directory in natural order of file names
 * (`2_x.sql` before `10_x.sql`), each statement autocommitting.
 */

function idOf(path: string): string {
  return baseOf(path).slice(0, -'.sql'.length);
}

function all({ files }: DetectInput): string[] {
  return files.map((f) => f.path);
}

export const plain: FrameworkModule = {
  name: 'plain',
  detect: all,
  select: all,

  async load({ files, warnings }: LoadInput): Promise<Migration[]> {
    const groups = groupByDir(files);
    const multi = multipleDirsWarning('plain SQL', groups.map(([dir]) => dir));
    if (multi) warnings.push(multi);
    const migrations: Migration[] = [];
    for (const [, dirFiles] of groups) {
      // Compare names without `.sql`, as `ls -v` does, so that `1_x.sql` comes before `1_x9.sql`.
      const sorted = [...dirFiles].sort((a, b) => compareNatural(idOf(a.path), idOf(b.path)));
      for (const file of sorted) {
        migrations.push({
          id: idOf(file.path),
          framework: 'plain',
          path: file.path,
          up: sectionOf(file.text),
          transaction: 'per-statement',
        });
      }
    }
    return migrations;
  },
};
