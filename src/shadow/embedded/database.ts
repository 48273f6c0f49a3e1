import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  ShadowStatementError,
  ShadowTimeoutError,
  ShadowUnavailableError,
  type QueryResult,
  type ShadowDatabase,
  type ShadowLimits,
} from '../provider.ts';
import { createStandInRoleSql, roleStatesQuery, sqlTextArray, standInCandidates } from '../stand-in-roles.ts';

/** Ceilings for one embedded database's worker thread. */
export interface EmbeddedResources {
  /** WebAssembly memory: PostgreSQL's whole heap, shared_buffers included. */
  memoryMb: number;
  /** What PostgreSQL may write to its in-memory file system beyond the data directory it started with. */
  fileSystemMb: number;
  /** The worker's JavaScript heap (old generation): PGlite's result rows and protocol buffers. */
  heapMb: number;
}

export const DEFAULT_RESOURCES: EmbeddedResources = { memoryMb: 256, fileSystemMb: 128, heapMb: 128 };

/** How long a worker may take to start PostgreSQL (a cold start runs initdb) or to dump its data directory. */
const SERVICE_MS = 60_000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const WORKER_URL = new URL('./worker.mjs', import.meta.url);

/** PostgreSQL settings for a shadow: small buffers (start-up time, memory), frequent enough checkpoints to recycle WAL. */
function settingsFor(resources: EmbeddedResources): string[] {
  return [
    'shared_buffers=16MB',
    'min_wal_size=4MB',
    'max_wal_size=32MB',
    // A runaway sort or hash spills to temporary files; stop it with its own message before the file system fills.
    `temp_file_limit=${Math.max(1024, Math.floor((resources.fileSystemMb * 1024 * 3) / 4))}kB`,
  ];
}

interface WireError {
  message: string;
  code?: string;
  position?: number;
  detail?: string;
  hint?: string;
}

type Reply =
  | { id: number; ok: true; rows?: Record<string, unknown>[]; tar?: ArrayBuffer }
  | { id: number; ok: false; error: WireError };

type WorkerMessage = { type: 'ready'; serverVersion: number } | { type: 'fatal'; message: string } | Reply;

interface Pending {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

/** A compiled WebAssembly.Module (the project's lib settings leave out the WebAssembly types). */
type WasmModule = object;

interface CompiledModules {
  pgliteWasmModule?: WasmModule;
  initdbWasmModule?: WasmModule;
}

const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } };

let compiled: Promise<CompiledModules> | undefined;

/**
 * PGlite's WebAssembly, compiled once per process and shared by every worker (a compiled module
 * crosses threads without recompiling). Empty when the files cannot be found: each worker then
 * compiles its own.
 */
function compiledModules(): Promise<CompiledModules> {
  compiled ??= (async () => {
    try {
      const dist = pgliteFilesDirectory();
      const [pglite, initdb] = await Promise.all(
        ['pglite.wasm', 'initdb.wasm'].map(async (file) => wasm.compile(await readFile(join(dist, file)))),
      );
      return { pgliteWasmModule: pglite, initdbWasmModule: initdb };
    } catch {
      return {};
    }
  })();
  return compiled;
}

/** Where PGlite reads its files: its package, or in a bundle without node_modules, beside the worker (where the build puts them). */
function pgliteFilesDirectory(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  } catch {
    return fileURLToPath(new URL('.', WORKER_URL));
  }
}

export interface StartOptions {
  /** A data directory tarball (dumpDataDir('none')) to start from; without one, initdb runs. */
  tar?: Uint8Array;
  /** Extension names to load at start, where PGlite ships them. */
  extensions?: string[];
  limits: ShadowLimits;
  resources: EmbeddedResources;
  /** Called once when the database stops, for whatever reason. */
  onGone?: (db: EmbeddedDatabase) => void;
}

/** Starts a PGlite in a worker thread of its own; resolves once it accepts queries. */
export async function startEmbeddedDatabase(options: StartOptions): Promise<EmbeddedDatabase> {
  const modules = await compiledModules();
  const { tar, resources } = options;
  const dataDir = tar === undefined ? undefined : tar.buffer.slice(tar.byteOffset, tar.byteOffset + tar.byteLength);
  let worker: Worker;
  try {
    worker = new Worker(WORKER_URL, {
      workerData: {
        dataDir,
        extensions: options.extensions ?? [],
        ...modules,
        memoryLimitBytes: resources.memoryMb * 1024 * 1024,
        fileSystemLimitBytes: resources.fileSystemMb * 1024 * 1024,
        settings: settingsFor(resources),
      },
      // The data directory copy is ours to give away.
      transferList: dataDir instanceof ArrayBuffer ? [dataDir] : [],
      // Not the parent's flags: a TypeScript loader or inspector has no business in this thread.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: resources.heapMb, maxYoungGenerationSizeMb: 16 },
    });
  } catch (error) {
    throw new ShadowUnavailableError(`the embedded database did not start: ${(error as Error).message}`);
  }
  // Timers keep the process alive while something is under way; an idle database must not.
  worker.unref();
  const database = new EmbeddedDatabase(worker, options);
  await database.ready;
  return database;
}

/** One review's database: a PGlite in its own worker thread, never shared. */
export class EmbeddedDatabase implements ShadowDatabase {
  /** Resolves once PostgreSQL accepts queries; rejects with ShadowUnavailableError if it never does. */
  readonly ready: Promise<void>;
  #serverVersion = 0;
  readonly #worker: Worker;
  readonly #limits: ShadowLimits;
  readonly #pending = new Map<number, Pending>();
  readonly #onGone: ((db: EmbeddedDatabase) => void) | undefined;
  #nextId = 1;
  /** Requests run one after another: PGlite has one session. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Why the database can no longer be used; set once. */
  #gone: ShadowUnavailableError | undefined;
  /** Wall-clock time spent in queries since the review started. */
  #usedMs = 0;

  constructor(worker: Worker, options: StartOptions) {
    this.#worker = worker;
    this.#limits = options.limits;
    this.#onGone = options.onGone;
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new ShadowUnavailableError(`the embedded database did not start within ${SERVICE_MS} ms`);
        this.#stop(error);
      }, SERVICE_MS);
      this.#pending.set(0, {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
    worker.on('message', (message: WorkerMessage) => this.#receive(message));
    worker.on('error', (error: Error & { code?: string }) => {
      const why =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `ran out of memory (${error.message})`
          : `crashed: ${error.message}`;
      this.#stop(new ShadowUnavailableError(`the embedded database ${why}`));
    });
    worker.on('exit', (code) => {
      this.#stop(new ShadowUnavailableError(`the embedded database's worker exited unexpectedly (code ${code})`));
    });
  }

  get serverVersion(): number {
    return this.#serverVersion;
  }

  /** The reason it cannot be used, once it cannot. */
  get gone(): ShadowUnavailableError | undefined {
    return this.#gone;
  }

  query(sql: string, options?: { timeoutMs?: number }): Promise<QueryResult> {
    return this.#serially(() => this.#query(sql, options?.timeoutMs ?? this.#limits.statementMs));
  }

  /** PGlite runs everything as its superuser and is thrown away: the missing roles are simply created. */
  async ensureStandInRoles(names: string[]): Promise<string[]> {
    const candidates = standInCandidates(names);
    if (candidates.length === 0) return [];
    const { rows } = await this.query(roleStatesQuery(sqlTextArray(candidates)));
    const existing = new Map(rows.map((row) => [String(row.name), row.stand_in === true]));
    const missing = candidates.filter((name) => !existing.has(name));
    if (missing.length > 0) await this.query(missing.map(createStandInRoleSql).join('; '));
    return candidates.filter((name) => existing.get(name) ?? true);
  }

  /** PGlite's one user is a superuser. */
  asSuperuser(sql: string): Promise<QueryResult> {
    return this.query(sql);
  }

  /** Saves the data directory (after a CHECKPOINT) as an uncompressed tarball. */
  dump(): Promise<Uint8Array> {
    return this.#serially(async () => {
      if (this.#gone) throw this.#gone;
      const reply = await this.#call(
        { op: 'dump' },
        SERVICE_MS,
        () => new ShadowTimeoutError(SERVICE_MS),
        `saving its data directory took more than ${SERVICE_MS} ms`,
      );
      if (!reply.ok) throw new ShadowUnavailableError(`the embedded database could not be saved: ${reply.error.message}`);
      if (!reply.tar) throw new ShadowUnavailableError('the embedded database sent no data directory');
      return new Uint8Array(reply.tar);
    });
  }

  /** Starts the review's time budget afresh (after the base schema was built on this database). */
  resetReviewClock(): void {
    this.#usedMs = 0;
  }

  /** Terminates the worker: the database lives in its memory, so there is nothing to shut down. */
  async close(): Promise<void> {
    this.#stop(new ShadowUnavailableError('the embedded database is closed'));
    await this.#worker.terminate();
  }

  #serially<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #query(sql: string, timeoutMs: number): Promise<QueryResult> {
    if (this.#gone) throw this.#gone;
    const { reviewMs } = this.#limits;
    const remainingMs = reviewMs - this.#usedMs;
    const byReview = remainingMs < timeoutMs;
    const timeout = (): ShadowTimeoutError => new ShadowTimeoutError(byReview ? reviewMs : timeoutMs);
    const why = byReview
      ? `the review's SQL ran past its ${reviewMs} ms`
      : `a statement ran past its ${timeoutMs} ms limit`;
    if (remainingMs <= 0) {
      this.#stop(new ShadowUnavailableError(`the embedded database was stopped because ${why}; open a new one`));
      throw timeout();
    }
    const started = performance.now();
    let reply: Reply;
    try {
      reply = await this.#call({ op: 'query', sql }, Math.min(timeoutMs, remainingMs), timeout, why);
    } finally {
      this.#usedMs += performance.now() - started;
    }
    if (reply.ok) return { rows: reply.rows ?? [] };
    const { message, code, position, detail, hint } = reply.error;
    throw new ShadowStatementError(message, code, position, detail, hint);
  }

  /**
   * Sends one request. Past `limitMs` the worker is terminated (PGlite ignores statement_timeout,
   * and a running statement cannot be interrupted otherwise) and the request rejects with `onTimeout()`.
   */
  #call(request: { op: string; sql?: string }, limitMs: number, onTimeout: () => Error, why: string): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const id = this.#nextId++;
      const timer = setTimeout(
        () => {
          this.#pending.delete(id);
          reject(onTimeout());
          this.#stop(new ShadowUnavailableError(`the embedded database was stopped because ${why}; open a new one`));
        },
        Math.max(1, Math.min(limitMs, MAX_TIMER_MS)),
      );
      this.#pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#worker.postMessage({ id, ...request });
    });
  }

  #receive(message: WorkerMessage): void {
    if ('type' in message) {
      if (message.type === 'ready') {
        this.#serverVersion = message.serverVersion;
        this.#settle(0)?.resolve({ id: 0, ok: true });
      } else {
        this.#stop(new ShadowUnavailableError(`the embedded database failed: ${message.message}`));
      }
      return;
    }
    this.#settle(message.id)?.resolve(message);
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    return pending;
  }

  /** Marks the database gone (the first reason wins), stops its worker and fails whatever waits on it. */
  #stop(reason: ShadowUnavailableError): void {
    if (this.#gone) return;
    this.#gone = reason;
    this.#worker.terminate().catch(() => undefined);
    for (const pending of this.#pending.values()) pending.reject(reason);
    this.#pending.clear();
    this.#onGone?.(this);
  }
}
