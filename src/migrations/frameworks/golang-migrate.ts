import type { Migration } from '../types.ts';
import { baseOf, compareBytes, compareDigits, describeDir, dirOf, groupByDir, multipleDirsWarning, sectionOf } from '../text.ts';
import type { SqlFile } from '../text.ts';
import { detectedOrAll } from './framework.ts';
import type { DetectInput, FrameworkModule, LoadInput } from './framework.ts';

/**
 * golang-migrate: `<version>_<title>.up.sql` and `<version>_<title>.down.sql`, applied in numeric version order.
 * The postgres driver sends each file in one Exec, so PostgreSQL runs it as one implicit transaction.
 *
 * Real repositories stretch the convention: `_up.sql` / `_down.sql` suffixes, `<version>.up.sql` without a
 * title, and several files sharing a version (which golang-migrate itself rejects). These are accepted with a
 * warning; files sharing a version are ordered by file name, and a down file is paired with the up file of the
 * same name, or else with the only unpaired up file of its version.
 */

/** The name golang-migrate itself parses. */
const STANDARD = /^(\d+)_(.+)\.(up|down)\.sql$/;
/** What is accepted here. */
const LOOSE = /^(\d+)(?:_(.*?))?([._])(up|down)\.sql$/;
const EXAMPLES = 5;

interface Entry {
  file: SqlFile;
  name: string;
  version: string;
  /** File name without the direction suffix: the migration id and the key pairing up with down. */
  base: string;
  direction: 'up' | 'down';
}

function parseName(file: SqlFile): Entry | undefined {
  const name = baseOf(file.path);
  const match = LOOSE.exec(name);
  if (!match) return undefined;
  const suffixLength = (match[4] as string).length + '..sql'.length;
  return {
    file,
    name,
    version: match[1] as string,
    base: name.slice(0, name.length - suffixLength),
    direction: match[4] as 'up' | 'down',
  };
}

function detect({ files }: DetectInput): string[] {
  const dirs = new Set(files.filter((f) => STANDARD.test(baseOf(f.path))).map((f) => dirOf(f.path)));
  return files.filter((f) => dirs.has(dirOf(f.path))).map((f) => f.path);
}

function listed(items: string[]): string {
  const shown = items.slice(0, EXAMPLES).join(', ');
  return items.length > EXAMPLES ? `${shown}, ... (${items.length} in all)` : shown;
}

export const golangMigrate: FrameworkModule = {
  name: 'golang-migrate',
  detect,

  select(input: DetectInput): string[] {
    return detectedOrAll(detect(input), input.files);
  },

  async load({ files, warnings }: LoadInput): Promise<Migration[]> {
    const groups = groupByDir(files);
    const multi = multipleDirsWarning('golang-migrate', groups.map(([dir]) => dir));
    if (multi) warnings.push(multi);
    const migrations: Migration[] = [];
    for (const [dir, dirFiles] of groups) {
      const ups: Entry[] = [];
      const downs: Entry[] = [];
      const nonStandard: string[] = [];
      for (const file of dirFiles) {
        const entry = parseName(file);
        if (!entry) {
          warnings.push(`${file.path}: not a golang-migrate file name (<version>_<title>.up.sql or .down.sql); skipped`);
          continue;
        }
        if (!STANDARD.test(entry.name)) nonStandard.push(entry.name);
        (entry.direction === 'up' ? ups : downs).push(entry);
      }
      if (nonStandard.length > 0) {
        warnings.push(
          `golang-migrate: ${nonStandard.length} file(s) in ${describeDir(dir)} are named in a way golang-migrate ` +
            `itself does not parse (it expects <version>_<title>.up.sql / .down.sql): ${listed(nonStandard.sort(compareBytes))}`,
        );
      }
      const order = (a: Entry, b: Entry): number => compareDigits(a.version, b.version) || compareBytes(a.name, b.name);
      ups.sort(order);
      downs.sort(order);

      const sharedVersions: string[] = [];
      for (let i = 1; i < ups.length; i++) {
        const prev = ups[i - 1];
        const cur = ups[i];
        if (prev && cur && compareDigits(prev.version, cur.version) === 0 && sharedVersions.at(-1) !== cur.version) {
          sharedVersions.push(cur.version);
        }
      }
      if (sharedVersions.length > 0) {
        warnings.push(
          `golang-migrate: ${sharedVersions.length} version(s) in ${describeDir(dir)} are shared by several up files ` +
            `(${listed(sharedVersions)}); golang-migrate rejects duplicate versions, here they are ordered by file name`,
        );
      }

      // Pair each down with the up of the same name, or else with the only unpaired up of the same version.
      const downOf = new Map<Entry, Entry>();
      const upByBase = new Map(ups.map((u) => [u.base, u]));
      const unpaired: Entry[] = [];
      for (const down of downs) {
        const up = upByBase.get(down.base);
        if (up && !downOf.has(up)) downOf.set(up, down);
        else unpaired.push(down);
      }
      for (const down of unpaired) {
        const sameVersionUps = ups.filter((u) => compareDigits(u.version, down.version) === 0);
        const free = sameVersionUps.filter((u) => !downOf.has(u));
        const downsOfVersion = unpaired.filter((d) => compareDigits(d.version, down.version) === 0);
        const up = free[0];
        if (free.length === 1 && downsOfVersion.length === 1 && up) {
          downOf.set(up, down);
          warnings.push(`${down.file.path}: down file name does not match ${up.file.path}; paired by version ${down.version}`);
        } else {
          warnings.push(`${down.file.path}: down migration without a matching up migration`);
        }
      }

      for (const up of ups) {
        const migration: Migration = {
          id: up.base,
          framework: 'golang-migrate',
          path: up.file.path,
          up: sectionOf(up.file.text),
          transaction: 'implicit',
        };
        const down = downOf.get(up);
        if (down) migration.down = { path: down.file.path, section: sectionOf(down.file.text) };
        migrations.push(migration);
      }
    }
    return migrations;
  },
};
