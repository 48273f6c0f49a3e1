import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** One cache of base schemas for the whole test file, never the user's own. */
const CACHE_DIR = mkdtempSync(path.join(tmpdir(), 'db-review-cache-'));

/** Runs the CLI in-process, as `db-review <args>` in `cwd`, capturing what it prints. */
export async function runCli(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const env = { DB_REVIEW_CACHE_DIR: CACHE_DIR, ...extraEnv };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(args, { cwd, stdout, stderr, env });
  return { code, stdout: out, stderr: err };
}
