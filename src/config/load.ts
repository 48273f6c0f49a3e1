import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from './errors.ts';
import { parseConfig } from './parse.ts';
import type { Config } from './schema.ts';

/** Looked for under the working directory, in this order, when no file is given. */
export const CONFIG_FILES = ['.github/db-review.yml', '.github/db-review.yaml'] as const;

export interface LoadConfigOptions {
  /** Repository root; the default config files and a relative `file` are resolved against it. */
  cwd: string;
  /** An explicit config file; it must exist. */
  file?: string;
}

export interface LoadedConfig {
  config: Config;
  /** The file the config came from, as given or relative to `cwd`; null when defaults were used. */
  source: string | null;
}

/**
 * Loads the explicit `file`, or else `.github/db-review.yml` / `.github/db-review.yaml`
 * under `cwd`, or else the defaults. Throws `ConfigError` when the explicit file is missing,
 * when both default files exist (one would be silently ignored), or when the file is invalid.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  if (options.file !== undefined) {
    const source = options.file;
    const text = await read(path.resolve(options.cwd, source), source);
    if (text === undefined) {
      throw new ConfigError(source, [`config file not found (looked at ${path.resolve(options.cwd, source)})`]);
    }
    return { config: parseConfig(text, source), source };
  }

  const found: { source: string; text: string }[] = [];
  for (const source of CONFIG_FILES) {
    const text = await read(path.resolve(options.cwd, source), source);
    if (text !== undefined) found.push({ source, text });
  }
  const [first, second] = found;
  if (first === undefined) return { config: parseConfig('', '(defaults)'), source: null };
  if (second !== undefined) {
    throw new ConfigError(first.source, [
      `both ${first.source} and ${second.source} exist; keep only one of them`,
    ]);
  }
  return { config: parseConfig(first.text, first.source), source: first.source };
}

/** The file's text, or undefined when it does not exist; other failures are ConfigErrors. */
async function read(file: string, source: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new ConfigError(source, ['is a directory, not a config file']);
    throw new ConfigError(source, [`cannot read the config file: ${(error as Error).message}`]);
  }
}
