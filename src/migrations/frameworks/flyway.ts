import type { Migration, TransactionMode } from '../types.ts';
import { baseOf, compareCodeUnits, compareDigits, dirOf, sectionOf } from '../text.ts';
import type { SqlFile } from '../text.ts';
import { detectedOrAll } from './framework.ts';
import type { DetectInput, FrameworkModule, LoadInput } from './framework.ts';

/**
 * Flyway: `V<version>__<description>.sql` applied in version order (parts separated by `.` or `_`, compared
 * numerically part by part, missing parts count as 0), then `R__<description>.sql` repeatables ordered by
 * description; `U<version>__<description>.sql` undoes that version. Flyway scans its locations recursively and
 * merges them into one sequence. Each migration runs in a transaction, unless a script configuration file
 * `<script>.sql.conf` says `executeInTransaction=false`, in which case each statement runs alone.
 *
 * Note: Flyway also runs a migration outside a transaction on its own when it holds a statement PostgreSQL
 * cannot run in one (e.g. CREATE INDEX CONCURRENTLY); that needs the SQL parser and is not decided here.
 */

const VERSIONED = /^V(\d+(?:[._]\d+)*)__(.*)\.sql$/;
const UNDO = /^U(\d+(?:[._]\d+)*)__(.*)\.sql$/;
const REPEATABLE = /^R__(.*)\.sql$/;
/** Anything that looks like an attempt at a Flyway name, used for detection and "does not parse" warnings. */
const LOOKS_LIKE_FLYWAY = /^[VvUuRr][\d_]/;

function versionParts(version: string): string[] {
  return version.split(/[._]/);
}

export function compareFlywayVersions(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const c = compareDigits(x[i] ?? '0', y[i] ?? '0');
    if (c !== 0) return c;
  }
  return 0;
}

function description(raw: string): string {
  return raw.replace(/_/g, ' ');
}

function isFlywayName(name: string): boolean {
  return VERSIONED.test(name) || REPEATABLE.test(name) || UNDO.test(name);
}

function detect({ files }: DetectInput): string[] {
  const dirs = new Set(files.filter((f) => isFlywayName(baseOf(f.path))).map((f) => dirOf(f.path)));
  return files.filter((f) => dirs.has(dirOf(f.path))).map((f) => f.path);
}

async function transactionOf(path: string, readFile: LoadInput['readFile']): Promise<TransactionMode> {
  const conf = await readFile(`${path}.conf`);
  if (conf === undefined) return 'per-file';
  for (const line of conf.split(/\r?\n/)) {
    const match = /^\s*(?:flyway\.)?executeInTransaction\s*[=:]\s*(\S+)\s*$/.exec(line);
    if (match && (match[1] as string).toLowerCase() === 'false') return 'per-statement';
  }
  return 'per-file';
}

interface Versioned {
  file: SqlFile;
  version: string;
}

export const flyway: FrameworkModule = {
  name: 'flyway',
  detect,

  select(input: DetectInput): string[] {
    return detectedOrAll(detect(input), input.files);
  },

  async load({ files, warnings, readFile }: LoadInput): Promise<Migration[]> {
    const versioned: Versioned[] = [];
    const undos: Versioned[] = [];
    const repeatables: Array<{ file: SqlFile; description: string }> = [];
    for (const file of files) {
      const name = baseOf(file.path);
      let match: RegExpExecArray | null;
      if ((match = VERSIONED.exec(name))) versioned.push({ file, version: match[1] as string });
      else if ((match = UNDO.exec(name))) undos.push({ file, version: match[1] as string });
      else if ((match = REPEATABLE.exec(name))) repeatables.push({ file, description: description(match[1] as string) });
      else if (LOOKS_LIKE_FLYWAY.test(name)) {
        warnings.push(
          `${file.path}: Flyway file name does not parse (expected V<version>__<description>.sql, ` +
            'U<version>__<description>.sql or R__<description>.sql); Flyway ignores it',
        );
      } else {
        warnings.push(`${file.path}: not a Flyway migration name; Flyway ignores it`);
      }
    }

    const byVersionThenPath = (a: Versioned, b: Versioned): number =>
      compareFlywayVersions(a.version, b.version) || compareCodeUnits(a.file.path, b.file.path);
    versioned.sort(byVersionThenPath);
    undos.sort(byVersionThenPath);
    repeatables.sort((a, b) => compareCodeUnits(a.description, b.description) || compareCodeUnits(a.file.path, b.file.path));

    for (let i = 1; i < versioned.length; i++) {
      const prev = versioned[i - 1];
      const cur = versioned[i];
      if (prev && cur && compareFlywayVersions(prev.version, cur.version) === 0) {
        warnings.push(`Flyway: duplicate version ${cur.version} in ${prev.file.path} and ${cur.file.path}`);
      }
    }

    const migrations: Migration[] = [];
    const usedUndos = new Set<Versioned>();
    for (const v of versioned) {
      const migration: Migration = {
        id: baseOf(v.file.path).slice(0, -'.sql'.length),
        framework: 'flyway',
        path: v.file.path,
        up: sectionOf(v.file.text),
        transaction: await transactionOf(v.file.path, readFile),
      };
      const undo = undos.find((u) => !usedUndos.has(u) && compareFlywayVersions(u.version, v.version) === 0);
      if (undo) {
        usedUndos.add(undo);
        migration.down = { path: undo.file.path, section: sectionOf(undo.file.text) };
      }
      migrations.push(migration);
    }
    for (const u of undos) {
      if (!usedUndos.has(u)) warnings.push(`${u.file.path}: Flyway undo migration without a versioned migration ${u.version}`);
    }
    const seenDescriptions = new Map<string, string>();
    for (const r of repeatables) {
      const earlier = seenDescriptions.get(r.description);
      if (earlier) warnings.push(`Flyway: duplicate repeatable description "${r.description}" in ${earlier} and ${r.file.path}`);
      seenDescriptions.set(r.description, r.file.path);
      migrations.push({
        id: baseOf(r.file.path).slice(0, -'.sql'.length),
        framework: 'flyway',
        path: r.file.path,
        up: sectionOf(r.file.text),
        transaction: await transactionOf(r.file.path, readFile),
        repeatable: true,
      });
    }
    return migrations;
  },
};
