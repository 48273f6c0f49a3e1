import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  DEFAULT_LIMITS,
  ShadowUnavailableError,
  type BaseSchema,
  type ShadowDatabase,
  type ShadowLimits,
  type ShadowProvider,
} from '../provider.ts';
import { DiskTarballs, MemoryTarballs } from './cache.ts';
import { DEFAULT_RESOURCES, startEmbeddedDatabase, type EmbeddedDatabase, type EmbeddedResources } from './database.ts';

export { DEFAULT_RESOURCES, type EmbeddedResources } from './database.ts';

export interface EmbeddedProviderOptions {
  limits?: Partial<ShadowLimits>;
  /** Keeps built base schemas as `<cacheDir>/<key>.tar`, so that the next run starts warm. */
  cacheDir?: string;
  /** Ceilings for each database's worker thread. */
  resources?: Partial<EmbeddedResources>;
  /**
   * Extensions PR SQL may create (the config's shadow.extensions). Those PGlite ships are loaded
   * into every database at start; the others report "not available" when created.
   */
  extensions?: string[];
}

/** Base schemas kept in memory, least recently used dropped first (each is a ~30 MB tarball). */
const MEMORY_CACHE_ENTRIES = 4;
/** Bump when what the empty template holds changes (initdb parameters). */
const TEMPLATE_FORMAT = 1;

/** PGlite's version, so that a cached empty template from another version is not loaded. */
const PGLITE_VERSION: string | undefined = (() => {
  try {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
})();

const TEMPLATE_KEY = `pglite-${PGLITE_VERSION ?? 'unknown'}-empty-v${TEMPLATE_FORMAT}`;

/**
 * The data directory as initdb leaves it. Every database starts from it, so initdb (seconds)
 * runs once per process, or once per cache directory. It does not depend on a provider's
 * options, so all providers of the process share it.
 */
const template = { memory: new MemoryTarballs(1), flights: new Map<string, Promise<Uint8Array>>() };

/** Where one kind of tarball is kept, and how to make it when it is not. */
interface Source {
  key: string;
  memory: MemoryTarballs;
  disk: DiskTarballs | undefined;
  /** Tarballs being built, by key: a second open() for the same key waits for the first. */
  flights: Map<string, Promise<Uint8Array>>;
  /** A database to build on. */
  fresh(): Promise<EmbeddedDatabase>;
  build(db: EmbeddedDatabase): Promise<void>;
}

/**
 * The embedded shadow: every review database is a PGlite (PostgreSQL compiled to WebAssembly)
 * in a worker thread of its own, with its files in that thread's memory.
 */
export function createEmbeddedProvider(options: EmbeddedProviderOptions = {}): ShadowProvider {
  return new EmbeddedProvider(options);
}

class EmbeddedProvider implements ShadowProvider {
  readonly kind = 'embedded' as const;
  readonly #limits: ShadowLimits;
  readonly #resources: EmbeddedResources;
  readonly #bases = new MemoryTarballs(MEMORY_CACHE_ENTRIES);
  readonly #baseFlights = new Map<string, Promise<Uint8Array>>();
  readonly #disk: DiskTarballs | undefined;
  /** Only on disk when it cannot be mistaken for another PGlite's. */
  readonly #templateDisk: DiskTarballs | undefined;
  /** Keys known to be in the cache directory. */
  readonly #onDisk = new Set<string>();
  readonly #live = new Set<EmbeddedDatabase>();

  readonly #extensions: string[];
  /** Bases depend on the PGlite version and the extensions loaded at start. */
  readonly #flavour: string;

  constructor(options: EmbeddedProviderOptions) {
    this.#extensions = [...new Set(options.extensions ?? [])].sort();
    this.#flavour = createHash('sha256').update(`${PGLITE_VERSION}\0${this.#extensions.join(',')}`).digest('hex').slice(0, 12);
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#resources = { ...DEFAULT_RESOURCES, ...options.resources };
    this.#disk = options.cacheDir === undefined ? undefined : new DiskTarballs(options.cacheDir);
    this.#templateDisk = PGLITE_VERSION === undefined ? undefined : this.#disk;
  }

  open(base?: BaseSchema): Promise<ShadowDatabase> {
    if (base === undefined) return this.#openEmpty();
    return this.#open({
      key: `${base.key}-${this.#flavour}`,
      memory: this.#bases,
      disk: this.#disk,
      flights: this.#baseFlights,
      fresh: () => this.#openEmpty(),
      build: (db) => base.build(db),
    });
  }

  /** Closes the databases still open and drops the cached bases (the empty template stays: the process shares it). */
  async dispose(): Promise<void> {
    this.#bases.clear();
    await Promise.all([...this.#live].map((db) => db.close()));
  }

  #openEmpty(): Promise<EmbeddedDatabase> {
    return this.#open({
      key: TEMPLATE_KEY,
      memory: template.memory,
      disk: this.#templateDisk,
      flights: template.flights,
      fresh: () => this.#start(undefined),
      build: async () => {},
    });
  }

  /**
   * A database holding the source's contents: started from its tarball when one is cached;
   * otherwise built on a fresh database, whose data directory is saved to the caches before that
   * same database is handed out.
   */
  async #open(source: Source): Promise<EmbeddedDatabase> {
    const { key, memory, disk, flights } = source;
    const inMemory = memory.get(key);
    if (inMemory) {
      await this.#keepOnDisk(source, inMemory);
      return this.#start(inMemory);
    }
    const building = flights.get(key);
    if (building) return this.#start(await building);
    const fromDisk = await disk?.read(key);
    if (fromDisk) {
      try {
        const db = await this.#start(fromDisk);
        memory.set(key, fromDisk);
        this.#onDisk.add(key);
        return db;
      } catch (error) {
        // A cached file this PGlite cannot start from: build it again.
        if (!(error instanceof ShadowUnavailableError)) throw error;
        await disk?.remove(key);
      }
    }
    // Looked up again: another open() may have started building while this one read the disk.
    const started = flights.get(key);
    if (started) return this.#start(await started);

    let settle!: { resolve(tar: Uint8Array): void; reject(error: unknown): void };
    const tarball = new Promise<Uint8Array>((resolve, reject) => (settle = { resolve, reject }));
    tarball.catch(() => undefined);
    flights.set(key, tarball);
    try {
      const db = await source.fresh();
      try {
        await source.build(db);
        const tar = await db.dump();
        memory.set(key, tar);
        await this.#keepOnDisk(source, tar);
        db.resetReviewClock();
        settle.resolve(tar);
        return db;
      } catch (error) {
        await db.close();
        throw error;
      }
    } catch (error) {
      settle.reject(error);
      throw error;
    } finally {
      flights.delete(key);
    }
  }

  /** Writes the tarball to the cache directory unless it is there already (checked once per key). */
  async #keepOnDisk({ key, disk }: Source, tar: Uint8Array): Promise<void> {
    if (!disk || this.#onDisk.has(key)) return;
    this.#onDisk.add(key);
    if (!(await disk.has(key))) await disk.write(key, tar);
  }

  async #start(tar: Uint8Array | undefined): Promise<EmbeddedDatabase> {
    const db = await startEmbeddedDatabase({
      tar,
      extensions: this.#extensions,
      limits: this.#limits,
      resources: this.#resources,
      onGone: (gone) => this.#live.delete(gone),
    });
    if (!db.gone) this.#live.add(db);
    return db;
  }
}
