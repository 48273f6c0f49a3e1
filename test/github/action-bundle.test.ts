import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAction } from '../../scripts/build-action.ts';
import { pullRequestEvent } from '../fixtures/github/webhooks.ts';
import { startFakeGitHub, type FakeGitHub } from './fake-github-server.ts';
import { PR, REPO_PATH } from './github-api.ts';

let fake: FakeGitHub;

beforeAll(async () => {
  fake = await startFakeGitHub();
});
afterAll(async () => {
  await fake.close();
});

/** Every directory from `dir` up to the root: none may hold a node_modules the bundle could fall back on. */
function ancestors(dir: string): string[] {
  const parent = path.dirname(dir);
  return parent === dir ? [dir] : [dir, ...ancestors(parent)];
}

describe('the bundled Action (npm run build:action)', () => {
  it('runs with node alone, no node_modules, against GitHub on loopback, with the embedded shadow and an extension', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'db-review-bundle-'));
    const { outdir, files } = await buildAction(path.join(dir, 'action'));
    expect([...files.keys()]).toEqual(expect.arrayContaining(['index.mjs', 'worker.mjs', 'pglite.wasm', 'pglite.data', 'initdb.wasm', 'libpg-query.wasm', 'citext.tar.gz', 'tree-sitter.wasm', 'tree-sitter-python.wasm', 'tree-sitter-go.wasm', 'tree-sitter-ruby.wasm']));
    expect(ancestors(outdir).filter((folder) => existsSync(path.join(folder, 'node_modules')))).toEqual([]);

    writeFileSync(path.join(dir, 'event.json'), JSON.stringify(pullRequestEvent('opened')));
    writeFileSync(path.join(dir, 'db-review.yml'), 'shadow:\n  extensions: [citext]\n');
    const summary = path.join(dir, 'step-summary.md');
    const child = spawn(process.execPath, [path.join(outdir, 'index.mjs')], {
      cwd: dir,
      // What the runner gives a step, and nothing of this test process (no TypeScript loader).
      env: {
        PATH: process.env.PATH,
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: path.join(dir, 'event.json'),
        GITHUB_API_URL: fake.url,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_WORKSPACE: dir,
        RUNNER_TEMP: dir,
        'INPUT_GITHUB-TOKEN': 'ghs_workflow',
        INPUT_CONFIG: 'db-review.yml',
        INPUT_SHADOW: 'embedded',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    expect(stderr).toBe('');
    expect(stdout).toMatch(/Observed on the shadow database: SHARE on `users`/);
    expect(stdout).toMatch(/\(shadow: embedded PostgreSQL 18\.\d+, base = 1 migration, \d+\.\d s\)\n$/);
    expect(code).toBe(1);
    const writes = fake.requests.filter((request) => request.method !== 'GET');
    expect(writes.map((request) => `${request.method} ${request.path}`)).toEqual([
      `POST ${REPO_PATH}/check-runs`,
      `PATCH ${REPO_PATH}/check-runs/77`,
      `POST ${REPO_PATH}/pulls/${PR.number}/reviews`,
      `POST ${REPO_PATH}/issues/${PR.number}/comments`,
    ]);
    expect(writes[1]?.body).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: '1 error, 1 warning, 1 notice — 002_users_email.sql would block writes on users' } });
    expect(readFileSync(summary, 'utf8')).toMatch(/^## ❌ db-review: 1 error, 1 warning, 1 notice \(fails on error\)\n[\s\S]*\n_Shadow: embedded PostgreSQL 18\.\d+, base = 1 migration, \d+\.\d s\._\n$/);
  });
});
