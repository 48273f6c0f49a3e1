import type { Migration, MigrationSection } from '../types.ts';
import { baseOf, compareBytes, dirOf, groupByDir, multipleDirsWarning, sectionOf, splitLines } from '../text.ts';
import type { SqlFile, TextLine } from '../text.ts';
import { detectedOrAll } from './framework.ts';
import type { DetectInput, FrameworkModule, LoadInput } from './framework.ts';
import { checkVersions } from './versioned.ts';

/**
 * dbmate: `<version>_<name>.sql` (dbmate matches `^\d.*\.sql$`) holding `-- migrate:up` and `-- migrate:down`
 * blocks. dbmate sorts the files by file name (timestamp order for same-width timestamps) and runs each up
 * block in a transaction ('per-file'). With `-- migrate:up transaction:false` dbmate does not open a
 * transaction but still sends the whole block in one `Exec` (lib/pq simple query), so PostgreSQL runs a
 * multi-statement block as one implicit transaction ('implicit'; see amacneil/dbmate issues #126, #182, #285).
 * dbmate 2.x also accepts several up/down blocks in one file; each block is returned as its own migration
 * (`<id>`, `<id>#2`, ...).
 */

const UP = /^--\s*migrate:up(\s*$|\s+\S+)/;
const DOWN = /^--\s*migrate:down(\s*$|\s+\S+)/;
const UP_ANYWHERE = /^--\s*migrate:up(\s*$|\s+\S+)/m;
const FILE_PATTERN = /^(\d+).*\.sql$/;

export function hasDbmateUp(text: string): boolean {
  return UP_ANYWHERE.test(text);
}

/** Options written after a directive: `-- migrate:up transaction:false` → { transaction: 'false' }. */
function optionsOf(line: string): Map<string, string> {
  const options = new Map<string, string>();
  const rest = line.replace(/^--\s*migrate:(up|down)/, '').trim();
  if (rest === '') return options;
  for (const pair of rest.split(/\s+/)) {
    const parts = pair.split(':');
    if (parts.length === 2) options.set(parts[0] as string, parts[1] as string);
  }
  return options;
}

export interface DbmateBlock {
  up: MigrationSection;
  upTransaction: boolean;
  down?: MigrationSection;
}

export interface DbmateParse {
  blocks: DbmateBlock[];
  problems: string[];
}

export function parseDbmate(text: string): DbmateParse {
  const lines = splitLines(text);
  const problems: string[] = [];
  const ups: TextLine[] = lines.filter((l) => UP.test(l.content));
  const downs: TextLine[] = lines.filter((l) => DOWN.test(l.content));
  const firstUp = ups[0];
  if (!firstUp) return { blocks: [], problems };

  for (const line of lines) {
    if (line.start >= firstUp.start) break;
    const trimmed = line.content.trim();
    if (trimmed !== '' && !trimmed.startsWith('--')) {
      problems.push(`line ${line.number}: SQL before "-- migrate:up" (dbmate rejects the file)`);
      break;
    }
  }
  const strayDowns = downs.filter((d) => d.start < firstUp.start);
  for (const d of strayDowns) {
    problems.push(`line ${d.number}: "-- migrate:down" before "-- migrate:up" (dbmate rejects the file)`);
  }

  const blocks: DbmateBlock[] = [];
  ups.forEach((up, i) => {
    const blockEnd = ups[i + 1]?.start ?? text.length;
    const blockDowns = downs.filter((d) => d.start > up.start && d.start < blockEnd);
    const down = blockDowns[0];
    if (blockDowns.length > 1) {
      problems.push(`lines ${blockDowns.map((d) => d.number).join(', ')}: several "-- migrate:down" in one block`);
    }
    if (!down) problems.push(`line ${up.number}: "-- migrate:up" block without "-- migrate:down" (dbmate requires one)`);
    const upEnd = down ? down.start : blockEnd;
    const block: DbmateBlock = {
      up: sectionOf(text, up.next, Math.max(up.next, upEnd)),
      upTransaction: optionsOf(up.content).get('transaction') !== 'false',
    };
    if (down) {
      const downEnd = blockDowns[1]?.start ?? blockEnd;
      block.down = sectionOf(text, down.next, Math.max(down.next, downEnd));
    }
    blocks.push(block);
  });
  return { blocks, problems };
}

function detect({ files }: DetectInput): string[] {
  const dirs = new Set(files.filter((f) => hasDbmateUp(f.text)).map((f) => dirOf(f.path)));
  return files.filter((f) => dirs.has(dirOf(f.path))).map((f) => f.path);
}

export const dbmate: FrameworkModule = {
  name: 'dbmate',
  detect,

  select(input: DetectInput): string[] {
    return detectedOrAll(detect(input), input.files);
  },

  async load({ files, warnings }: LoadInput): Promise<Migration[]> {
    const groups = groupByDir(files);
    const multi = multipleDirsWarning('dbmate', groups.map(([dir]) => dir));
    if (multi) warnings.push(multi);
    const migrations: Migration[] = [];
    for (const [dir, dirFiles] of groups) {
      const entries: Array<{ file: SqlFile; version: string; path: string; name: string }> = [];
      for (const file of dirFiles) {
        const name = baseOf(file.path);
        const match = FILE_PATTERN.exec(name);
        if (!match) {
          warnings.push(`${file.path}: dbmate migration file names must start with a version number; dbmate skips this file`);
          continue;
        }
        entries.push({ file, version: match[1] as string, path: file.path, name });
      }
      entries.sort((a, b) => compareBytes(a.name, b.name));
      checkVersions('dbmate', dir, entries, warnings);
      for (const { file, name } of entries) {
        const parsed = parseDbmate(file.text);
        for (const problem of parsed.problems) warnings.push(`${file.path}: ${problem}`);
        if (parsed.blocks.length === 0) {
          warnings.push(`${file.path}: no "-- migrate:up" directive; dbmate refuses to run this file, skipped`);
          continue;
        }
        const id = name.slice(0, -'.sql'.length);
        parsed.blocks.forEach((block, i) => {
          const migration: Migration = {
            id: i === 0 ? id : `${id}#${i + 1}`,
            framework: 'dbmate',
            path: file.path,
            up: block.up,
            transaction: block.upTransaction ? 'per-file' : 'implicit',
          };
          if (block.down) migration.down = { path: file.path, section: block.down };
          migrations.push(migration);
        });
      }
    }
    return migrations;
  },
};
