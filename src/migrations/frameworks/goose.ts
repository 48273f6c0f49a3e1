import type { Migration, MigrationSection } from '../types.ts';
import { baseOf, compareCodeUnits, compareDigits, dirOf, groupByDir, multipleDirsWarning, sectionOf, splitLines } from '../text.ts';
import type { SqlFile, TextLine } from '../text.ts';
import { detectedOrAll } from './framework.ts';
import type { DetectInput, FrameworkModule, LoadInput } from './framework.ts';

/**
 * goose: `<version>_<name>.sql` holding `-- +goose Up` and `-- +goose Down` sections. goose orders files by
 * numeric version and runs each file in one transaction, unless it says `-- +goose NO TRANSACTION`, in which case
 * each statement runs alone. `-- +goose StatementBegin` / `StatementEnd` only group statements; the text is kept.
 */

const ANNOTATION = /^--\s*\+goose\b\s*(.*?)\s*$/;
const INDENTED_ANNOTATION = /^\s+--\s*\+goose\b/;
const UP_ANNOTATION = /^--\s*\+goose\s+up\s*$/im;
const FILE_PATTERN = /^(\d+)_.*\.sql$/;
const KNOWN = new Set(['up', 'down', 'statementbegin', 'statementend', 'no transaction', 'envsub on', 'envsub off']);

export function hasGooseUp(text: string): boolean {
  return UP_ANNOTATION.test(text);
}

interface Annotation {
  line: TextLine;
  /** Lower-cased annotation with single spaces: 'up', 'no transaction', ... */
  command: string;
}

export interface GooseParse {
  up?: MigrationSection;
  down?: MigrationSection;
  noTransaction: boolean;
  problems: string[];
}

/** Splits a goose file into its up and down sections. */
export function parseGoose(text: string): GooseParse {
  const lines = splitLines(text);
  const annotations: Annotation[] = [];
  const problems: string[] = [];
  for (const line of lines) {
    const match = ANNOTATION.exec(line.content);
    if (match) {
      const command = (match[1] as string).toLowerCase().replace(/\s+/g, ' ');
      if (!KNOWN.has(command)) problems.push(`line ${line.number}: unknown goose annotation "${line.content.trim()}"`);
      annotations.push({ line, command });
    } else if (INDENTED_ANNOTATION.test(line.content)) {
      problems.push(`line ${line.number}: goose annotation with leading whitespace is not recognised`);
    }
  }

  const ups = annotations.filter((a) => a.command === 'up');
  const downs = annotations.filter((a) => a.command === 'down');
  const firstUp = ups[0];
  const firstDown = downs[0];
  if (ups.length > 1) problems.push(`duplicate "-- +goose Up" annotations (lines ${ups.map((a) => a.line.number).join(', ')})`);
  if (downs.length > 1) {
    problems.push(`duplicate "-- +goose Down" annotations (lines ${downs.map((a) => a.line.number).join(', ')})`);
  }
  if (firstUp && firstDown && firstDown.line.start < firstUp.line.start) {
    problems.push(`"-- +goose Down" (line ${firstDown.line.number}) comes before "-- +goose Up" (line ${firstUp.line.number})`);
  }

  let depth = 0;
  for (const a of annotations) {
    if (a.command === 'statementbegin') {
      if (depth > 0) problems.push(`line ${a.line.number}: nested "-- +goose StatementBegin"`);
      depth++;
    } else if (a.command === 'statementend') {
      if (depth === 0) problems.push(`line ${a.line.number}: "-- +goose StatementEnd" without StatementBegin`);
      else depth--;
    } else if ((a.command === 'up' || a.command === 'down') && depth > 0) {
      problems.push(`line ${a.line.number}: missing "-- +goose StatementEnd" before this annotation`);
      depth = 0;
    }
  }
  if (depth > 0) problems.push('missing "-- +goose StatementEnd" at end of file');

  if (firstUp) {
    for (const line of lines) {
      if (line.start >= firstUp.line.start) break;
      const trimmed = line.content.trim();
      if (trimmed !== '' && !trimmed.startsWith('--')) {
        problems.push(`line ${line.number}: SQL before "-- +goose Up" (goose rejects the file)`);
        break;
      }
    }
  }

  // A section runs from the line after its annotation to the next Up/Down annotation (or the end of the file).
  const boundaries = [...ups, ...downs].map((a) => a.line.start).sort((x, y) => x - y);
  const sectionAfter = (a: Annotation): MigrationSection => {
    const end = boundaries.find((b) => b > a.line.start) ?? text.length;
    return sectionOf(text, a.line.next, Math.max(a.line.next, end));
  };

  const result: GooseParse = {
    noTransaction: annotations.some((a) => a.command === 'no transaction'),
    problems,
  };
  if (firstUp) result.up = sectionAfter(firstUp);
  if (firstDown) result.down = sectionAfter(firstDown);
  return result;
}

function detect({ files }: DetectInput): string[] {
  const dirs = new Set(files.filter((f) => hasGooseUp(f.text)).map((f) => dirOf(f.path)));
  return files.filter((f) => dirs.has(dirOf(f.path))).map((f) => f.path);
}

export const goose: FrameworkModule = {
  name: 'goose',
  detect,

  select(input: DetectInput): string[] {
    return detectedOrAll(detect(input), input.files);
  },

  async load({ files, warnings }: LoadInput): Promise<Migration[]> {
    const groups = groupByDir(files);
    const multi = multipleDirsWarning('goose', groups.map(([dir]) => dir));
    if (multi) warnings.push(multi);
    const migrations: Migration[] = [];
    for (const [, dirFiles] of groups) {
      const entries: Array<{ file: SqlFile; version: string; name: string; parsed: GooseParse }> = [];
      for (const file of dirFiles) {
        const name = baseOf(file.path);
        const match = FILE_PATTERN.exec(name);
        if (!match) {
          warnings.push(`${file.path}: goose migration file names must be <version>_<name>.sql; goose skips this file`);
          continue;
        }
        const version = match[1] as string;
        const parsed = parseGoose(file.text);
        for (const problem of parsed.problems) warnings.push(`${file.path}: ${problem}`);
        if (!parsed.up) {
          warnings.push(`${file.path}: no "-- +goose Up" annotation; goose refuses to run this file, skipped`);
          continue;
        }
        if (/^0+$/.test(version)) warnings.push(`${file.path}: goose versions must be greater than zero`);
        entries.push({ file, version, name, parsed });
      }
      entries.sort((a, b) => compareDigits(a.version, b.version) || compareCodeUnits(a.name, b.name));
      for (let i = 1; i < entries.length; i++) {
        const prev = entries[i - 1];
        const cur = entries[i];
        if (prev && cur && compareDigits(prev.version, cur.version) === 0) {
          warnings.push(`goose: duplicate version ${cur.version} in ${prev.file.path} and ${cur.file.path}`);
        }
      }
      for (const { file, name, parsed } of entries) {
        if (!parsed.up) continue;
        const migration: Migration = {
          id: name.slice(0, -'.sql'.length),
          framework: 'goose',
          path: file.path,
          up: parsed.up,
          transaction: parsed.noTransaction ? 'per-statement' : 'per-file',
        };
        if (parsed.down) migration.down = { path: file.path, section: parsed.down };
        migrations.push(migration);
      }
    }
    return migrations;
  },
};
