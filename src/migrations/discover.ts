import picomatch from 'picomatch';
import type { Framework, Migration } from './types.ts';
import { compareCodeUnits, decodeSql } from './text.ts';
import type { SqlFile } from './text.ts';
import type { DetectInput, FrameworkModule } from './frameworks/framework.ts';
import { dbmate } from './frameworks/dbmate.ts';
import { flyway } from './frameworks/flyway.ts';
import { golangMigrate } from './frameworks/golang-migrate.ts';
import { goose } from './frameworks/goose.ts';
import { plain } from './frameworks/plain.ts';
import { prisma } from './frameworks/prisma.ts';
import { supabase } from './frameworks/supabase.ts';

/** A file of the repository under review. */
export interface RepoFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  read(): Promise<string>;
}

export interface DiscoverOptions {
  /** How to read the migration files; 'auto' (the default) detects it from the layout and contents. */
  framework?: Framework | 'auto';
  /**
   * picomatch patterns selecting the migration files (matched against repo-relative paths, dotfiles included).
   * They decide WHICH files are migrations; the framework (detected among them, or given) decides HOW to read them.
   */
  globs?: string[];
}

export interface Discovery {
  framework: Framework;
  /** In the order the framework applies them. */
  migrations: Migration[];
  /** Human-readable notes about anything odd (unparseable names, duplicate versions, missing annotations...). */
  warnings: string[];
}

/**
 * Detection precedence, first match wins: Prisma and Supabase by layout, goose and dbmate by annotations in the
 * files, golang-migrate and Flyway by file names, plain SQL otherwise.
 */
export const FRAMEWORKS: readonly FrameworkModule[] = [prisma, supabase, goose, dbmate, golangMigrate, flyway, plain];

const IGNORED_DIRS = new Set(['node_modules', '.git']);
const READ_CONCURRENCY = 32;

function isIgnored(path: string): boolean {
  return path.split('/').some((segment) => IGNORED_DIRS.has(segment));
}

function moduleFor(name: Framework): FrameworkModule {
  const module = FRAMEWORKS.find((m) => m.name === name);
  if (!module) {
    throw new Error(`unknown migration framework "${String(name)}" (expected one of ${FRAMEWORKS.map((m) => m.name).join(', ')}, auto)`);
  }
  return module;
}

async function readAll(files: RepoFile[]): Promise<SqlFile[]> {
  const out: SqlFile[] = new Array<SqlFile>(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const file = files[index] as RepoFile;
      out[index] = decodeSql(file.path, await file.read());
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, files.length) }, worker));
  return out;
}

function examples(paths: string[]): string {
  const shown = paths.slice(0, 3).join(', ');
  return paths.length > 3 ? `${shown}, ...` : shown;
}

/**
 * Finds the migrations among `files` (every file of the repository or directory under review) and returns
 * them in the order their framework applies them, each with its transaction mode.
 */
export async function discoverMigrations(files: RepoFile[], options: DiscoverOptions = {}): Promise<Discovery> {
  const warnings: string[] = [];
  const byPath = new Map<string, RepoFile>();
  for (const file of files) {
    if (isIgnored(file.path)) continue;
    if (byPath.has(file.path)) {
      warnings.push(`${file.path}: listed more than once; the first is used`);
      continue;
    }
    byPath.set(file.path, file);
  }
  const allPaths: ReadonlySet<string> = new Set(byPath.keys());

  const globs = options.globs?.filter((g) => g.trim() !== '') ?? [];
  const matchesGlobs = globs.length > 0 ? picomatch(globs, { dot: true }) : undefined;
  const sqlPaths = [...allPaths]
    .filter((p) => p.endsWith('.sql') && (matchesGlobs === undefined || matchesGlobs(p)))
    .sort(compareCodeUnits);
  const sqlFiles = await readAll(sqlPaths.map((p) => byPath.get(p) as RepoFile));
  const input: DetectInput = { files: sqlFiles, allPaths };

  let module: FrameworkModule;
  let selected: string[];
  const forced = options.framework !== undefined && options.framework !== 'auto' ? options.framework : undefined;
  if (forced !== undefined) {
    module = moduleFor(forced);
    selected = matchesGlobs ? sqlPaths : module.select(input);
  } else {
    const detections = FRAMEWORKS.map((m) => ({ module: m, paths: m.detect(input) })).filter((d) => d.paths.length > 0);
    const chosen = detections[0] ?? { module: plain, paths: [] };
    module = chosen.module;
    selected = matchesGlobs ? sqlPaths : chosen.paths;
    const taken = new Set(selected);
    for (const other of detections.slice(1)) {
      if (other.module === plain) continue;
      const rest = other.paths.filter((p) => !taken.has(p));
      if (rest.length === 0) continue;
      warnings.push(
        `detected ${module.name} migrations, but ${rest.length} other file(s) look like ${other.module.name} ` +
          `migrations (${examples(rest)}); they are not reviewed as migrations (set the framework or globs to choose)`,
      );
    }
  }

  if (sqlFiles.length === 0) {
    warnings.push(matchesGlobs ? `no .sql files match the globs ${globs.join(', ')}` : 'no .sql files found');
  }

  const selectedSet = new Set(selected);
  const migrations = await module.load({
    files: sqlFiles.filter((f) => selectedSet.has(f.path)),
    allPaths,
    readFile: async (path) => byPath.get(path)?.read(),
    warnings,
  });
  return { framework: module.name, migrations, warnings };
}
