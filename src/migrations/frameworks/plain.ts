import type { Migration } from '../types.ts';
import { baseOf, compareNatural, groupByDir, multipleDirsWarning, sectionOf } from '../text.ts';
import type { DetectInput, FrameworkModule, LoadInput } from './framework.ts';

/**
 * Plain SQL files, as run one by one with `psql -f`: each directory in natural order of file names
 * (`2_x.sql` before `10_x.sql`), each statement autocommitting.
 */

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
      const sorted = [...dirFiles].sort((a, b) => compareNatural(baseOf(a.path), baseOf(b.path)));
      for (const file of sorted) {
        migrations.push({
          id: baseOf(file.path).slice(0, -'.sql'.length),
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
