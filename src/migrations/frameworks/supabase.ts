import type { Migration } from '../types.ts';
import { baseOf, compareBytes, dirOf, groupByDir, multipleDirsWarning, sectionOf } from '../text.ts';
import { detectedOrAll } from './framework.ts';
import type { DetectInput, FrameworkModule, LoadInput } from './framework.ts';
import { checkVersions } from './versioned.ts';

/**
 * Supabase CLI: `supabase/migrations/<timestamp>_<name>.sql`. The CLI lists the folder in file-name order
 * (which is timestamp order for same-width timestamps), skips names that do not match `^[0-9]+_.*\.sql$`, and
 * sends each file's statements as one pipelined batch: one implicit transaction.
 */

const FILE_PATTERN = /^([0-9]+)_(.*)\.sql$/;

function isSupabaseDir(dir: string): boolean {
  return dir === 'supabase/migrations' || dir.endsWith('/supabase/migrations');
}

function detect({ files }: DetectInput): string[] {
  return files.filter((f) => isSupabaseDir(dirOf(f.path))).map((f) => f.path);
}

export const supabase: FrameworkModule = {
  name: 'supabase',

  detect,

  select(input: DetectInput): string[] {
    return detectedOrAll(detect(input), input.files);
  },

  async load({ files, warnings }: LoadInput): Promise<Migration[]> {
    const groups = groupByDir(files);
    const multi = multipleDirsWarning('Supabase', groups.map(([dir]) => dir));
    if (multi) warnings.push(multi);
    const migrations: Migration[] = [];
    for (const [dir, dirFiles] of groups) {
      const entries = [];
      for (const file of dirFiles) {
        const match = FILE_PATTERN.exec(baseOf(file.path));
        if (!match) {
          warnings.push(
            `${file.path}: Supabase migration file names must match <timestamp>_<name>.sql; the CLI skips this file`,
          );
          continue;
        }
        entries.push({ file, version: match[1] as string, path: file.path, name: baseOf(file.path) });
      }
      entries.sort((a, b) => compareBytes(a.name, b.name));
      checkVersions('Supabase', dir, entries, warnings);
      for (const { file, name } of entries) {
        migrations.push({
          id: name.slice(0, -'.sql'.length),
          framework: 'supabase',
          path: file.path,
          up: sectionOf(file.text),
          transaction: 'implicit',
        });
      }
    }
    return migrations;
  },
};
