// One PGlite (PostgreSQL in WebAssembly) for one review database, in a worker thread of its own.
//
// Plain ESM JavaScript on purpose: worker threads do not inherit a TypeScript loader, and this
// file must survive bundling as an entry of its own. The main side is ./database.ts.
//
// Protocol. The worker starts from workerData (WorkerInput below) and posts
//   {type: 'ready', serverVersion}          once PostgreSQL accepts queries
//   {type: 'fatal', message}                when it cannot start or PGlite broke; the thread then exits
// and answers requests {id, op} with {id, ok: true, ...} or {id, ok: false, error}:
//   {id, op: 'query', sql}  → {rows} of the last statement | {error: {message, code, position, detail, hint}}
//   {id, op: 'dump'}        → {tar: ArrayBuffer (transferred)}: CHECKPOINT, then dumpDataDir('none')
//   {id, op: 'close'}       → {}, then the thread exits (the main side usually just terminates it)
// `position` is 0-based, in UTF-16 code units of `sql` (PostgreSQL sends a 1-based character count).

import { parentPort, workerData } from 'node:worker_threads';

/**
 * @typedef {object} WorkerInput
 * @property {ArrayBuffer} [dataDir]     a tarball from dumpDataDir('none') to start from; without one, initdb runs
 * @property {WebAssembly.Module} [pgliteWasmModule]  compiled once by the main thread and shared
 * @property {WebAssembly.Module} [initdbWasmModule]
 * @property {number} memoryLimitBytes   ceiling for every WebAssembly memory of this thread (PostgreSQL's heap)
 * @property {number} fileSystemLimitBytes  what PostgreSQL may add to its in-memory file system after start
 * @property {string[]} settings         `name=value` pairs passed as `-c` start parameters
 */

/** @typedef {{message: string, code?: string, position?: number, detail?: string, hint?: string}} WireError */

const port = parentPort;
if (!port) throw new Error('worker.mjs runs in a worker thread');
/** @type {WorkerInput} */
const input = workerData;

// PGlite creates its WebAssembly.Memory with a 2 GB maximum and has no option to lower it. This
// thread runs nothing but PGlite, so every memory created here gets the ceiling: past it, malloc
// fails and PostgreSQL reports "out of memory" (53200) like any other error.
const maxPages = Math.max(1, Math.floor(input.memoryLimitBytes / 65536));
const NativeMemory = WebAssembly.Memory;
WebAssembly.Memory = class BoundedMemory extends NativeMemory {
  /** @param {WebAssembly.MemoryDescriptor} descriptor */
  constructor(descriptor) {
    super({ ...descriptor, maximum: Math.max(descriptor.initial, Math.min(descriptor.maximum ?? maxPages, maxPages)) });
  }
};

// PostgreSQL loads libraries with dlopen, which Emscripten implements by instantiating the file
// as a WebAssembly "side module" and eval()-ing the JavaScript bodies (EM_JS, EM_ASM) it carries.
// PR SQL can write any bytes into the in-memory file system (lo_export, COPY TO), so `LOAD` of
// such a file would run the PR's JavaScript in this thread, where `require` reaches the host.
// Two locks: no eval at all in this thread, and no side module but the libraries PGlite ships.
globalThis.eval = function evalIsDisabled() {
  throw new EvalError('evaluating code from strings is disabled in the shadow database');
};
/** The bytes of PGlite's own libraries, by length; set once PostgreSQL runs, before any PR SQL. */
/** @type {Map<number, Uint8Array[]> | undefined} */
let shippedLibraries;
const NativeWasmModule = WebAssembly.Module;
/** @param {WebAssembly.Module} module @param {BufferSource} source */
function refuseForeignSideModule(module, source) {
  if (!shippedLibraries || NativeWasmModule.customSections(module, 'dylink.0').length === 0) return;
  const bytes = ArrayBuffer.isView(source)
    ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
    : new Uint8Array(source);
  const shipped = shippedLibraries.get(bytes.byteLength)?.some((library) => Buffer.compare(library, bytes) === 0);
  if (!shipped) throw new Error('only the libraries PGlite ships can be loaded');
}
WebAssembly.Module = new Proxy(NativeWasmModule, {
  construct(target, args, newTarget) {
    const module = Reflect.construct(target, args, newTarget);
    refuseForeignSideModule(module, args[0]);
    return module;
  },
});
const nativeCompile = WebAssembly.compile;
WebAssembly.compile = async (/** @type {BufferSource} */ source) => {
  const module = await nativeCompile(source);
  refuseForeignSideModule(module, source);
  return module;
};
const nativeInstantiate = WebAssembly.instantiate;
WebAssembly.instantiate = /** @type {any} */ (
  async (/** @type {any} */ source, /** @type {any} */ imports) => {
    if (source instanceof NativeWasmModule) return nativeInstantiate(source, imports);
    const module = await WebAssembly.compile(source);
    return { module, instance: await nativeInstantiate(module, imports) };
  }
);
WebAssembly.compileStreaming = WebAssembly.instantiateStreaming = async () => {
  throw new Error('streaming WebAssembly compilation is disabled in the shadow database');
};

/** @param {unknown} error */
function messageOf(error) {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

/**
 * PGlite itself broke, or PostgreSQL ended the session: tells the main side, which terminates
 * this thread, and waits for that (exiting here could overtake the message).
 * @param {string} message
 * @returns {Promise<never>}
 */
function fatal(message) {
  port.postMessage({ type: 'fatal', message });
  setInterval(() => {}, 60_000);
  return new Promise(() => {});
}

const { PGlite, MemoryFS, protocol } = await import('@electric-sql/pglite');

/**
 * PGlite's in-memory file system, with PGDATA filled from a tarball before PostgreSQL starts
 * (PGlite then finds a data directory and resumes it). The files keep their bytes where they are
 * in the tarball (this thread's own copy) instead of being copied out one by one; PGlite's own
 * loadDataDir takes 2-3 times as long, mostly in path lookups.
 */
class PreloadedMemoryFS extends MemoryFS {
  /** @param {TarEntry[]} entries */
  constructor(entries) {
    super();
    this.entries = entries;
  }

  /** @param {any} pg @param {any} emscriptenOptions */
  async init(pg, emscriptenOptions) {
    const { emscriptenOpts } = await super.init(pg, emscriptenOptions);
    const fill = (/** @type {any} */ module) => writeEntries(module.FS, module.ENV.PGDATA, this.entries);
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [...(emscriptenOpts.preRun ?? []), fill] } };
  }
}

const entries = input.dataDir ? readTar(new Uint8Array(input.dataDir)) : undefined;

/**
 * The contrib extensions PGlite ships, by module name (the SQL name with `-` as `_`). Each import
 * is spelled out, so that a bundler finds and includes it.
 * @type {Record<string, () => Promise<Record<string, any>>>}
 */
const SHIPPED_EXTENSIONS = {
  amcheck: () => import('@electric-sql/pglite/contrib/amcheck'),
  auto_explain: () => import('@electric-sql/pglite/contrib/auto_explain'),
  bloom: () => import('@electric-sql/pglite/contrib/bloom'),
  btree_gin: () => import('@electric-sql/pglite/contrib/btree_gin'),
  btree_gist: () => import('@electric-sql/pglite/contrib/btree_gist'),
  citext: () => import('@electric-sql/pglite/contrib/citext'),
  cube: () => import('@electric-sql/pglite/contrib/cube'),
  dict_int: () => import('@electric-sql/pglite/contrib/dict_int'),
  dict_xsyn: () => import('@electric-sql/pglite/contrib/dict_xsyn'),
  earthdistance: () => import('@electric-sql/pglite/contrib/earthdistance'),
  fuzzystrmatch: () => import('@electric-sql/pglite/contrib/fuzzystrmatch'),
  hstore: () => import('@electric-sql/pglite/contrib/hstore'),
  intarray: () => import('@electric-sql/pglite/contrib/intarray'),
  isn: () => import('@electric-sql/pglite/contrib/isn'),
  lo: () => import('@electric-sql/pglite/contrib/lo'),
  ltree: () => import('@electric-sql/pglite/contrib/ltree'),
  moddatetime: () => import('@electric-sql/pglite/contrib/moddatetime'),
  pg_trgm: () => import('@electric-sql/pglite/contrib/pg_trgm'),
  pgcrypto: () => import('@electric-sql/pglite/contrib/pgcrypto'),
  seg: () => import('@electric-sql/pglite/contrib/seg'),
  tablefunc: () => import('@electric-sql/pglite/contrib/tablefunc'),
  tcn: () => import('@electric-sql/pglite/contrib/tcn'),
  tsm_system_rows: () => import('@electric-sql/pglite/contrib/tsm_system_rows'),
  tsm_system_time: () => import('@electric-sql/pglite/contrib/tsm_system_time'),
  unaccent: () => import('@electric-sql/pglite/contrib/unaccent'),
  uuid_ossp: () => import('@electric-sql/pglite/contrib/uuid_ossp'),
};

/**
 * PGlite loads an extension's library only when it is named at start: those of the allowlist
 * that PGlite ships. Names outside that fixed set never reach import().
 * @param {string[]} names
 */
async function shippedExtensions(names) {
  /** @type {Record<string, any>} */
  const extensions = {};
  for (const name of names) {
    const module = name.replaceAll('-', '_');
    if (!Object.hasOwn(SHIPPED_EXTENSIONS, module)) continue;
    extensions[module] = (await SHIPPED_EXTENSIONS[module]())[module];
  }
  return extensions;
}

/** @type {import('@electric-sql/pglite').PGlite} */
let db;
try {
  db = await PGlite.create({
    // Never a dataDir: PGDATA lives in Emscripten's in-memory file system. (A plain path there
    // would mount that host directory through NODEFS.)
    fs: entries ? new PreloadedMemoryFS(entries) : undefined,
    // A tarball readTar does not understand goes the slow, general way.
    loadDataDir: input.dataDir && !entries ? tarBlob(input.dataDir) : undefined,
    pgliteWasmModule: input.pgliteWasmModule,
    initdbWasmModule: input.initdbWasmModule,
    // 1 MB WAL segments instead of 16: a smaller tarball to copy into every review database.
    initDbStartParams: ['--wal-segsize=1'],
    startParams: [...PGlite.defaultStartParams, ...input.settings.flatMap((setting) => ['-c', setting])],
    // node-postgres (the server provider) returns int8 as a string; PGlite would round it to a double.
    parsers: { 20: (value) => value },
    extensions: await shippedExtensions(input.extensions ?? []),
  });
} catch (error) {
  await fatal(`PGlite did not start: ${messageOf(error)}`);
}

// COPY ... TO/FROM PROGRAM reaches PGlite's popen hook, which throws for anything but
// `locale -a` and leaves the session returning empty results from then on. Failing the popen
// instead makes PostgreSQL report "could not execute command" and carry on.
const handleExternalCmd = db.handleExternalCmd.bind(db);
db.handleExternalCmd = (/** @type {string} */ command, /** @type {string} */ mode) =>
  command.startsWith('locale -a') ? handleExternalCmd(command, mode) : 0;

const FS = db.Module.FS;
const MEMFS = db.Module.MEMFS;
await assertInMemoryFileSystem();
shippedLibraries = librariesUnder('/pglite/lib');
limitFileSystem(input.fileSystemLimitBytes);

const version = await db.query('SHOW server_version_num');
port.postMessage({ type: 'ready', serverVersion: Number(/** @type {any} */ (version.rows[0]).server_version_num) });

// Requests arrive one at a time (the main side queues them), but stay safe if they do not.
let queue = Promise.resolve();
port.on('message', (/** @type {{id: number, op: string, sql?: string}} */ request) => {
  queue = queue.then(() => handle(request)).catch((error) => fatal(`the worker failed: ${messageOf(error)}`));
});

/** @param {{id: number, op: string, sql?: string}} request */
async function handle({ id, op, sql = '' }) {
  if (op === 'query') {
    let results;
    try {
      results = await db.exec(sql);
    } catch (error) {
      const e = /** @type {any} */ (error);
      // Only PostgreSQL's own errors carry a severity; anything else means PGlite broke.
      if (typeof e?.severity !== 'string') return fatal(`PGlite failed: ${messageOf(error)}`);
      // A FATAL or PANIC ends a PostgreSQL session; PGlite's is unusable after one.
      if (e.severity === 'FATAL' || e.severity === 'PANIC') return fatal(`PostgreSQL ended the session: ${e.severity}: ${e.message}`);
      if (!(await answering())) return fatal(stoppedAnswering);
      port.postMessage({ id, ok: false, error: wireError(e, sql) });
      return;
    }
    if (!(await answering())) return fatal(stoppedAnswering);
    const last = results[results.length - 1];
    port.postMessage({ id, ok: true, rows: last ? last.rows : [] });
  } else if (op === 'dump') {
    if (db.isInTransaction()) {
      port.postMessage({ id, ok: false, error: { message: 'a transaction is still open; COMMIT or ROLLBACK it before the data directory can be saved' } });
      return;
    }
    try {
      // A checkpoint first, so that a database started from the dump has no WAL to replay.
      await db.exec('CHECKPOINT');
      const tar = await (await db.dumpDataDir('none')).arrayBuffer();
      port.postMessage({ id, ok: true, tar }, [tar]);
    } catch (error) {
      return fatal(`PGlite could not dump its data directory: ${messageOf(error)}`);
    }
  } else if (op === 'close') {
    port.postMessage({ id, ok: true });
    process.exit(0);
  }
}

const stoppedAnswering = 'PostgreSQL stopped answering after this statement (a PGlite defect; e.g. convert_to() to some encodings)';

/**
 * Whether the backend still completes queries. Some failures inside PGlite (loading certain
 * encoding conversions, for one) leave it returning nothing from then on, without an error. A
 * SHOW must end with ReadyForQuery ('Z', length 5, status). (SHOW takes no snapshot, so a
 * following SET TRANSACTION ISOLATION LEVEL still works; an empty query would not notice.)
 */
async function answering() {
  const data = await db.execProtocolRaw(protocol.serialize.query('SHOW server_version_num'));
  return data.length >= 6 && data[data.length - 6] === 0x5a;
}

/**
 * @param {any} e a PGlite DatabaseError
 * @param {string} sql
 * @returns {WireError}
 */
function wireError(e, sql) {
  return {
    message: String(e.message),
    code: typeof e.code === 'string' ? e.code : undefined,
    position: utf16Offset(sql, e.position),
    detail: typeof e.detail === 'string' ? e.detail : undefined,
    hint: typeof e.hint === 'string' ? e.hint : undefined,
  };
}

/**
 * PostgreSQL's error position: 1-based, counted in characters, a string on the wire. Returns the
 * 0-based offset in UTF-16 code units, the unit of String#slice.
 * @param {string} sql
 * @param {unknown} position
 */
function utf16Offset(sql, position) {
  const characters = Number(position) - 1;
  if (!Number.isInteger(characters) || characters < 0) return undefined;
  let offset = 0;
  for (let seen = 0; seen < characters && offset < sql.length; seen++) {
    const unit = sql.charCodeAt(offset);
    offset += unit >= 0xd800 && unit <= 0xdbff && offset + 1 < sql.length ? 2 : 1;
  }
  return offset;
}

/**
 * A Blob whose arrayBuffer() hands over the bytes as they are. PGlite reads loadDataDir with
 * arrayBuffer() only, and Node's Blob takes ~70 ms to read 30 MB back in chunks.
 * @param {ArrayBuffer} bytes
 */
function tarBlob(bytes) {
  const blob = new Blob([], { type: 'application/x-tar' });
  return Object.assign(blob, { arrayBuffer: () => Promise.resolve(bytes) });
}

/**
 * @typedef {object} TarEntry
 * @property {string} path      relative to PGDATA, without a leading slash
 * @property {boolean} directory
 * @property {Uint8Array} data  a view into the tarball
 * @property {number} mtime     milliseconds
 */

/**
 * The entries of an uncompressed ustar archive as dumpDataDir('none') writes it: directories
 * and regular files only. Undefined for anything else (PGlite's loader then reads it), or for an
 * archive without PG_VERSION, which would not be a data directory.
 * @param {Uint8Array} bytes
 * @returns {TarEntry[] | undefined}
 */
function readTar(bytes) {
  const decoder = new TextDecoder();
  /** @param {number} start @param {number} length */
  const field = (start, length) => {
    const end = bytes.subarray(start, start + length).indexOf(0);
    return decoder.decode(bytes.subarray(start, end < 0 ? start + length : start + end));
  };
  /** @type {TarEntry[]} */
  const entries = [];
  let offset = 0;
  while (offset + 512 <= bytes.length && bytes[offset] !== 0) {
    if (field(offset + 257, 5) !== 'ustar') return undefined;
    const prefix = field(offset + 345, 155);
    const name = `${prefix ? `${prefix}/` : ''}${field(offset, 100)}`;
    const size = parseInt(field(offset + 124, 12).trim() || '0', 8);
    const mtime = parseInt(field(offset + 136, 12).trim() || '0', 8) * 1000;
    const type = String.fromCharCode(bytes[offset + 156] || 0x30);
    const path = name.split('/').filter((part) => part !== '' && part !== '.').join('/');
    const body = offset + 512;
    if (!Number.isSafeInteger(size) || body + size > bytes.length || path.split('/').includes('..')) return undefined;
    if (type === '5') entries.push({ path, directory: true, data: bytes.subarray(0, 0), mtime });
    else if (type === '0') entries.push({ path, directory: false, data: bytes.subarray(body, body + size), mtime });
    else return undefined;
    offset = body + Math.ceil(size / 512) * 512;
  }
  return entries.some((entry) => entry.path === 'PG_VERSION' && !entry.directory) ? entries : undefined;
}

/**
 * @param {any} FS Emscripten's file system
 * @param {string} root PGDATA
 * @param {TarEntry[]} entries
 */
function writeEntries(FS, root, entries) {
  if (typeof root !== 'string' || !root.startsWith('/')) throw new Error(`PGDATA is not known (${root})`);
  const made = new Set();
  /** @param {string} dir */
  const makeDir = (dir) => {
    if (made.has(dir)) return;
    const parent = dir.slice(0, dir.lastIndexOf('/'));
    if (parent) makeDir(parent);
    if (!FS.analyzePath(dir).exists) FS.mkdir(dir);
    made.add(dir);
  };
  makeDir(root);
  for (const entry of entries) {
    const path = entry.path === '' ? root : `${root}/${entry.path}`;
    if (entry.directory) {
      makeDir(path);
      continue;
    }
    makeDir(path.slice(0, path.lastIndexOf('/')));
    FS.writeFile(path, entry.data, { canOwn: true });
    FS.utime(path, entry.mtime, entry.mtime);
  }
}

/** Nothing PostgreSQL can reach may be a host directory: the root must be MEMFS, mounted alone. */
async function assertInMemoryFileSystem() {
  const mounts = FS.getMounts(FS.root.mount);
  const foreign = mounts.filter(
    (/** @type {any} */ mount) => mount.type !== MEMFS && mount.mountpoint !== '/proc/self/fd',
  );
  if (FS.root.mount.type !== MEMFS || foreign.length > 0) {
    return fatal(`refusing to run: file system mounts ${mounts.map((/** @type {any} */ m) => m.mountpoint).join(', ')}`);
  }
}

/**
 * Every file PostgreSQL writes (relations, WAL, the temporary files of a runaway sort) is memory
 * of this thread that no heap limit covers. Makes writes that would take the file system past
 * `allowance` more bytes than it held at start fail with ENOSPC, which PostgreSQL reports as an
 * error ("could not extend file ...: No space left on device", 53100). WAL is exempt (a failed
 * WAL write is a PANIC); max_wal_size keeps it to a few dozen megabytes.
 * @param {number} allowance
 */
function limitFileSystem(allowance) {
  const ENOSPC = 51;
  const RECOUNT_EVERY = 4 * 1024 * 1024;
  const limit = fileSystemBytes() + allowance;
  let grownSinceCount = 0;
  /** @param {any} node @param {number} size */
  const grow = (node, size) => {
    // WAL is left alone: a failed WAL write is a PANIC, and max_wal_size bounds it anyway.
    if (size <= node.usedBytes || node.parent?.name === 'pg_wal') return;
    grownSinceCount += size - node.usedBytes;
    if (grownSinceCount < RECOUNT_EVERY) return;
    // Files shrink and disappear without telling us: count again now and then.
    grownSinceCount = 0;
    if (fileSystemBytes() + (size - node.usedBytes) > limit) throw new FS.ErrnoError(ENOSPC);
  };
  // Every MEMFS file shares these tables, filled in when the first node was created.
  const fileOps = MEMFS.ops_table.file;
  const write = fileOps.stream.write;
  fileOps.stream.write = function (/** @type {any[]} */ ...args) {
    const [stream, , , length, position] = args;
    grow(stream.node, position + length);
    return write.apply(this, args);
  };
  const setattr = fileOps.node.setattr;
  fileOps.node.setattr = function (/** @type {any[]} */ ...args) {
    const [node, attr] = args;
    if (attr.size !== undefined) grow(node, attr.size);
    return setattr.apply(this, args);
  };
}

/**
 * Copies of the shared libraries in PGlite's bundle, as they are before any PR SQL ran.
 * @param {string} dir
 * @returns {Map<number, Uint8Array[]>}
 */
function librariesUnder(dir) {
  /** @type {Map<number, Uint8Array[]>} */
  const libraries = new Map();
  /** @param {string} path */
  const walk = (path) => {
    for (const name of FS.readdir(path)) {
      if (name === '.' || name === '..') continue;
      const child = `${path}/${name}`;
      const mode = FS.stat(child).mode;
      if (FS.isDir(mode)) walk(child);
      else if (FS.isFile(mode) && name.endsWith('.so')) {
        const bytes = FS.readFile(child).slice();
        libraries.set(bytes.byteLength, [...(libraries.get(bytes.byteLength) ?? []), bytes]);
      }
    }
  };
  if (FS.analyzePath(dir).exists) walk(dir);
  return libraries;
}

/** Bytes held by the files of the in-memory file system. */
function fileSystemBytes() {
  let total = 0;
  /** @param {any} dir */
  const walk = (dir) => {
    for (const node of Object.values(dir.contents)) {
      if (FS.isFile(node.mode)) total += node.contents?.length ?? 0;
      else if (FS.isDir(node.mode) && node.contents) walk(node);
    }
  };
  walk(FS.root);
  return total;
}
