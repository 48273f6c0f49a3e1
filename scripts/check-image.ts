/**
 * Checks the Docker image where no Docker engine runs: builds the Dockerfile's stages in a
 * temporary directory (build context filtered by .dockerignore, `npm ci` from the registry),
 * checks what the image would hold, runs a review with it, starts its CMD with a made-up app id
 * and key, runs its HEALTHCHECK, stops it with SIGTERM and expects a clean exit. `--keep` keeps
 * the directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { madeUpAppKey } from '../test/helpers/app-key.ts';
import { buildWithoutDocker, type BuiltImage } from './image/build.ts';
import { copyBuildContext } from './image/context.ts';
import { parseDockerfile } from './image/dockerfile.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
/** Neither sent to the build nor in the image: secrets, history, and what only development uses. */
const NEVER_SHIPPED = ['.env', '.git', 'test', 'bench', 'scripts', 'docs', 'examples'];
const NOT_IN_CONTEXT = [...NEVER_SHIPPED, 'node_modules'];
const NOT_IN_IMAGE = [...NEVER_SHIPPED, 'package-lock.json'];
const DEV_ONLY_PACKAGES = ['vitest', 'esbuild', 'nock', '@octokit/webhooks-examples', '@types/node'];
/** Each must hold WebAssembly the app loads at run time. */
const WASM_PACKAGES = ['@electric-sql/pglite', 'libpg-query'];
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

const work = mkdtempSync(path.join(tmpdir(), 'db-review-image-'));
const failures: string[] = [];
const expect = (ok: boolean, what: string): void => {
  console.log(`check-image: ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

try {
  const stages = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
  const context = path.join(work, 'context');
  const sent = await copyBuildContext(ROOT, context);
  const topLevel = new Set(sent.map((file) => file.split('/')[0]!));
  expect(NOT_IN_CONTEXT.every((name) => !topLevel.has(name)), `the build context (${sent.length} files: ${[...topLevel].join(', ')}) leaves out ${NOT_IN_CONTEXT.join(', ')}`);

  const image = await buildWithoutDocker(stages, context, path.join(work, 'stages'));
  const app = path.join(image.root, image.workdir);
  checkContents(image, app);
  checkReview(image, app);
  await checkRun(image, app);
} finally {
  if (process.argv.includes('--keep')) console.log(`check-image: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`check-image: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('check-image: the image checks out');

function checkContents(image: BuiltImage, app: string): void {
  const nodeMajor = /^node:(\d+)/.exec(image.image)?.[1];
  expect(nodeMajor === process.versions.node.split('.')[0], `this machine's Node.js ${process.version} is the image's (${image.image})`);
  expect(image.user !== undefined && !['root', '0'].includes(image.user), `runs as a non-root user (${image.user ?? 'root'})`);
  const entries = readdirSync(app);
  console.log(`check-image: the image's ${image.workdir}: ${entries.join(', ')}`);
  expect(NOT_IN_IMAGE.every((name) => !entries.includes(name)), `holds none of ${NOT_IN_IMAGE.join(', ')}`);
  const modules = path.join(app, 'node_modules');
  const present = DEV_ONLY_PACKAGES.filter((name) => existsSync(path.join(modules, name)));
  expect(present.length === 0, `no dev dependency in node_modules${present.length ? ` (found ${present.join(', ')})` : ''}`);
  for (const name of WASM_PACKAGES) {
    const wasm = filesUnder(path.join(modules, name)).filter((file) => file.endsWith('.wasm'));
    expect(wasm.length > 0, `${name} brings its WebAssembly (${wasm.map((file) => path.basename(file)).join(', ') || 'none'})`);
  }
  console.log(`check-image: node_modules ${megabytes(sizeOf(modules))}, the app's sources ${megabytes(sizeOf(app) - sizeOf(modules))}`);
  if (image.notRun.length) console.log(`check-image: not run here (root-only, image system directories): RUN ${image.notRun.join('; RUN ')}`);
}

/** A review with the embedded shadow, by the image's command line: libpg-query's and PGlite's WebAssembly load from the image's node_modules. */
function checkReview(image: BuiltImage, app: string): void {
  const example = path.join(ROOT, 'examples/shop');
  const env = { PATH: process.env.PATH ?? '', ...image.env, DB_REVIEW_CACHE_DIR: path.join(work, 'cache') };
  const review = spawnSync('node', ['bin/db-review.js', 'check', example, '--fail-on', 'never'], { cwd: app, env, encoding: 'utf8', timeout: 120_000 });
  const summary = review.stdout.trim().split('\n').at(-1) ?? '';
  expect(review.status === 0 && summary.includes('shadow: embedded PostgreSQL'), `reviews examples/shop on the embedded shadow (${summary || review.stderr.trim()})`);
}

/** Starts the CMD as the container would, with this machine's cache directory standing in for the image's. */
async function checkRun(image: BuiltImage, app: string): Promise<void> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: path.join(work, 'home'),
    ...image.env,
    PORT: String(port),
    DB_REVIEW_CACHE_DIR: path.join(work, 'cache'),
    APP_ID: '12345',
    PRIVATE_KEY: madeUpAppKey(),
    WEBHOOK_SECRET: 'check-image',
  };
  const [command, ...args] = image.cmd;
  console.log(`check-image: CMD ${image.cmd.join(' ')} (PORT=${port})`);
  const server = spawn(command!, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout.on('data', (chunk: Buffer) => (output += chunk));
  server.stderr.on('data', (chunk: Buffer) => (output += chunk));
  // 'close', not 'exit': by then the output has been read to its end.
  const exited = new Promise<number | string>((resolve) => server.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  try {
    const healthy = image.healthcheck ? await passesHealthCheck(image.healthcheck, { cwd: app, env }, server) : false;
    expect(healthy, `HEALTHCHECK ${image.healthcheck?.join(' ') ?? '(none)'} passes`);
    expect(await within(2_000, () => output.includes('db-review reviews')), 'the db-review app is loaded');
    const stoppedAt = performance.now();
    server.kill('SIGTERM');
    const exit = await Promise.race([exited, sleep(STOP_TIMEOUT_MS).then(() => 'still running')]);
    expect(exit === 0, `SIGTERM stops it cleanly (exit ${exit} after ${Math.round(performance.now() - stoppedAt)} ms)`);
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  if (failures.length) console.error(`check-image: the app's output:\n${output}`);
}

/** Runs the health check until it passes, the server exits or the start period is over. */
function passesHealthCheck(check: string[], options: { cwd: string; env: NodeJS.ProcessEnv }, server: ChildProcess): Promise<boolean> {
  const [command, ...args] = check;
  return within(START_TIMEOUT_MS, () => server.exitCode === null && spawnSync(command!, args, { ...options, timeout: 5_000 }).status === 0);
}

/** Whether `condition` holds within `ms`, asked every 250 ms (the output of the app is read in between). */
async function within(ms: number, condition: () => boolean): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (condition()) return true;
    if (performance.now() > deadline) return false;
    await sleep(250);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((file) => path.join(dir, file));
}

function sizeOf(dir: string): number {
  return filesUnder(dir).reduce((total, file) => {
    const info = lstatSync(file);
    return total + (info.isFile() ? info.size : 0);
  }, 0);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
