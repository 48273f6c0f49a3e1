import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../src/config/index.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'db-review-config-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(relative: string, text: string): Promise<void> {
  const file = path.join(dir, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

async function loadError(options: { cwd: string; file?: string }): Promise<ConfigError> {
  const error: unknown = await loadConfig(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  it('gives the defaults and a null source when there is no config file', async () => {
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded).toEqual({ config: DEFAULT_CONFIG, source: null });
    expect(loaded.config).not.toBe(DEFAULT_CONFIG);
  });

  it('reads .github/db-review.yml', async () => {
    await write('.github/db-review.yml', 'fail_on: warning\n');
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.source).toBe('.github/db-review.yml');
    expect(loaded.config.fail_on).toBe('warning');
  });

  it('reads .github/db-review.yaml', async () => {
    await write('.github/db-review.yaml', 'fail_on: notice\n');
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.source).toBe('.github/db-review.yaml');
    expect(loaded.config.fail_on).toBe('notice');
  });

  it('refuses to pick one when both .yml and .yaml exist', async () => {
    await write('.github/db-review.yml', 'fail_on: warning\n');
    await write('.github/db-review.yaml', 'fail_on: notice\n');
    const error = await loadError({ cwd: dir });
    expect(error.message).toBe(
      '.github/db-review.yml: both .github/db-review.yml and .github/db-review.yaml exist; keep only one of them',
    );
  });

  it('an explicit file wins over the default locations', async () => {
    await write('.github/db-review.yml', 'fail_on: warning\n');
    await write('ci/review.yml', 'fail_on: never\n');
    const loaded = await loadConfig({ cwd: dir, file: 'ci/review.yml' });
    expect(loaded).toEqual({ config: { ...DEFAULT_CONFIG, fail_on: 'never' }, source: 'ci/review.yml' });
  });

  it('accepts an absolute explicit file', async () => {
    await write('elsewhere.yml', 'postgres:\n  version: 14\n');
    const file = path.join(dir, 'elsewhere.yml');
    const loaded = await loadConfig({ cwd: os.tmpdir(), file });
    expect(loaded.source).toBe(file);
    expect(loaded.config.postgres.version).toBe(14);
  });

  it('a missing explicit file is an error, even when a default file exists', async () => {
    await write('.github/db-review.yml', 'fail_on: warning\n');
    const error = await loadError({ cwd: dir, file: 'ci/missing.yml' });
    expect(error.message).toBe(
      `ci/missing.yml: config file not found (looked at ${path.join(dir, 'ci/missing.yml')})`,
    );
  });

  it('an explicit directory is an error', async () => {
    await mkdir(path.join(dir, 'ci'));
    const error = await loadError({ cwd: dir, file: 'ci' });
    expect(error.message).toBe('ci: is a directory, not a config file');
  });

  it('names the found file in validation errors', async () => {
    await write('.github/db-review.yaml', 'postgres:\n  version: sixteen\n');
    const error = await loadError({ cwd: dir });
    expect(error.message).toBe(
      '.github/db-review.yaml: postgres.version: expected an integer from 10 to 18, got "sixteen"',
    );
  });

  it('names the explicit file as given in validation errors', async () => {
    await write('ci/review.yml', 'fail_onn: never\n');
    const error = await loadError({ cwd: dir, file: 'ci/review.yml' });
    expect(error.message).toBe('ci/review.yml: unknown key "fail_onn" (did you mean "fail_on"?)');
  });

  it('an empty default file gives the defaults with its source', async () => {
    await write('.github/db-review.yml', '# nothing yet\n');
    expect(await loadConfig({ cwd: dir })).toEqual({ config: DEFAULT_CONFIG, source: '.github/db-review.yml' });
  });
});
