import { LOCK_MODES } from '../sql/lock-modes.ts';
import {
  beginWithScanCounters,
  readCatalog,
  readListed,
  readLocked,
  readRelationStates,
  tablesNamed,
  type CatalogRead,
  type CatalogSnapshot,
  type HeldRelationLock,
  type RelationState,
  type Scope,
} from './catalog.ts';
import { diffCatalog, type CatalogChange } from './catalog-diff.ts';
import type { ShadowDatabase } from './provider.ts';
import type { ObservedLock } from './trace-types.ts';

/** What one statement did, as observed right after it. */
export interface StatementObservation {
  locks: ObservedLock[];
  /** Pre-existing relations whose storage was replaced. */
  rewrites: string[];
  /** Pre-existing tables read in full. */
  scans: string[];
  catalog: CatalogChange[];
}

interface ModelState {
  catalog: CatalogRead;
  states: Map<number, RelationState>;
}

/**
 * A model of the shadow's catalog and relation storage, read in full once and then kept up to
 * date by reading, after each statement, only the relations our session holds locks on: within a
 * transaction, a relation that is altered, rewritten or scanned stays locked until the end, so
 * everything else is as it was. Statements outside a transaction block leave no locks to go by;
 * after them the model is read in full again.
 */
export class ShadowObserver {
  private held: HeldRelationLock[] = [];
  /** Scan counters as last read in the open transaction, by relation oid. */
  private counters = new Map<number, number>();
  private transactionStart: ModelState | undefined;
  private countersDue = false;

  private constructor(
    private readonly db: ShadowDatabase,
    private model: ModelState,
  ) {}

  static async start(db: ShadowDatabase): Promise<ShadowObserver> {
    return new ShadowObserver(db, await readModel(db));
  }

  get catalog(): CatalogSnapshot {
    return this.model.catalog.snapshot;
  }

  /** `schema.name` of every user table, index and materialized view now. */
  relations(): Set<string> {
    return new Set([...this.model.states.values()].map((state) => state.relation));
  }

  /**
   * Sends BEGIN. The scan counters the transaction starts from are read with it in one round
   * trip, unless `countersLater`: a runner's transaction may start with SET TRANSACTION, which
   * must come before any query.
   */
  async begin(options: { countersLater: boolean }): Promise<void> {
    if (options.countersLater) await this.db.query('BEGIN');
    else this.counters = await beginWithScanCounters(this.db, { begin: true });
    this.opened(options.countersLater);
  }

  /** A BEGIN the migration wrote itself has just run. */
  begun(): void {
    this.opened(true);
  }

  /** Before a statement observed in the open transaction: reads the starting scan counters if they are still due. */
  async beforeStatement(): Promise<void> {
    if (!this.countersDue) return;
    this.counters = await beginWithScanCounters(this.db, { begin: false });
    this.countersDue = false;
  }

  /** The transaction ended; a rollback puts the model back where the transaction started. */
  ended(committed: boolean): void {
    if (!committed && this.transactionStart) this.model = this.transactionStart;
    this.transactionStart = undefined;
    this.held = [];
    this.counters = new Map();
    this.countersDue = false;
  }

  /** A savepoint was rolled back to or released: the model is read in full again. */
  async resync(): Promise<void> {
    this.model = await readModel(this.db);
    const read = await readLocked(this.db, { catalog: 'locked' });
    this.held = read.locks;
    this.counters = new Map(read.states.map((state) => [state.oid, state.seqScans]));
  }

  /**
   * What the statement that just ran inside the open transaction did. `preExisting` names the
   * relations that existed when the migration started: only those can be rewritten or scanned.
   * `catalog: 'all'` for a statement that changes tables without locking them (renaming their
   * schema or a type their columns use).
   */
  async inTransaction(options: { catalog: Exclude<Scope, 'listed'>; preExisting: Set<string> }): Promise<StatementObservation> {
    const read = await readLocked(this.db, { catalog: options.catalog });
    const before = this.model;
    const existed = new Set(before.states.keys());
    const locks = newLocks(this.held, read.locks.filter((lock) => existed.has(lock.oid)));
    const rewrites = replaced(before.states, read.states).filter((relation) => options.preExisting.has(relation));
    const scans = scanned(read.states, this.counters, options.preExisting).filter((table) => !rewrites.includes(table));
    const gone = new Set(read.lockedOids);
    this.model = {
      catalog: options.catalog === 'all' ? read.catalog : replaceTables(before.catalog, read.catalog, gone),
      states: replaceStates(before.states, read.states, gone),
    };
    this.held = read.locks;
    for (const state of read.states) this.counters.set(state.oid, state.seqScans);
    return { locks, rewrites, scans, catalog: diffCatalog(before.catalog.snapshot, this.model.catalog.snapshot) };
  }

  /**
   * Before a statement that runs outside a transaction block: the tables it names and their scan
   * counters, for `outsideTransaction`.
   */
  async tablesOf(names: string[] | undefined): Promise<Map<number, number> | undefined> {
    return names && tablesNamed(this.db, names);
  }

  /**
   * What a statement that ran outside any transaction block did: its locks are gone, so only
   * storage and catalog tell, read again for the `tables` it named (all, without them).
   */
  async outsideTransaction(options: { preExisting: Set<string>; tables: Map<number, number> | undefined }): Promise<StatementObservation> {
    const before = this.model;
    const { tables } = options;
    let scans: string[] = [];
    if (tables) {
      const read = await readListed(this.db, [...tables.keys()]);
      const touched = new Set(tables.keys());
      const names = new Set([...tables.keys()].map((oid) => before.catalog.tableOids.get(oid)));
      for (const [name, index] of before.catalog.snapshot.indexes) if (names.has(index.table)) touched.add(this.oidOf(name) ?? -1);
      this.model = { catalog: replaceTables(before.catalog, read.catalog, touched), states: replaceStates(before.states, read.states, touched) };
      scans = scanned(read.states, tables, options.preExisting);
    } else {
      this.model = await readModel(this.db);
    }
    const rewrites = replaced(before.states, [...this.model.states.values()]).filter((relation) => options.preExisting.has(relation));
    return { locks: [], rewrites, scans: scans.filter((table) => !rewrites.includes(table)), catalog: diffCatalog(before.catalog.snapshot, this.model.catalog.snapshot) };
  }

  private oidOf(relation: string): number | undefined {
    for (const state of this.model.states.values()) if (state.relation === relation) return state.oid;
    return undefined;
  }

  private opened(countersDue: boolean): void {
    this.transactionStart = this.model;
    this.held = [];
    this.countersDue = countersDue;
  }
}

async function readModel(db: ShadowDatabase): Promise<ModelState> {
  const catalog = await readCatalog(db);
  const states = await readRelationStates(db);
  return { catalog, states: new Map(states.map((state) => [state.oid, state])) };
}

/** The model with the tables `read` covers (and those of `touched` that no longer exist) replaced by what it read. */
function replaceTables(model: CatalogRead, read: CatalogRead, touched: Set<number>): CatalogRead {
  const replacedNames = new Set<string>();
  for (const [oid, name] of model.tableOids) if (touched.has(oid) || read.tableOids.has(oid)) replacedNames.add(name);
  const tableOids = new Map([...model.tableOids].filter(([oid]) => !touched.has(oid) && !read.tableOids.has(oid)));
  for (const [oid, name] of read.tableOids) tableOids.set(oid, name);
  const keep = <T extends { table: string }>(entries: Map<string, T>, fresh: Map<string, T>) =>
    new Map([...[...entries].filter(([, entry]) => !replacedNames.has(entry.table)), ...fresh]);
  const { snapshot } = model;
  return {
    tableOids,
    snapshot: {
      tables: new Map([...[...snapshot.tables].filter(([name]) => !replacedNames.has(name)), ...read.snapshot.tables]),
      constraints: keep(snapshot.constraints, read.snapshot.constraints),
      indexes: keep(snapshot.indexes, read.snapshot.indexes),
      enums: read.snapshot.enums,
    },
  };
}

function replaceStates(states: Map<number, RelationState>, read: RelationState[], touched: Set<number>): Map<number, RelationState> {
  const next = new Map([...states].filter(([oid]) => !touched.has(oid)));
  for (const state of read) next.set(state.oid, state);
  return next;
}

/** Locks held now that were not held (in that mode or a stronger one) before, by table. */
function newLocks(before: HeldRelationLock[], after: HeldRelationLock[]): ObservedLock[] {
  const rank = (mode: string) => LOCK_MODES.indexOf(mode as (typeof LOCK_MODES)[number]);
  const strongestBefore = new Map<string, number>();
  for (const lock of before) strongestBefore.set(lock.relation, Math.max(strongestBefore.get(lock.relation) ?? -1, rank(lock.mode)));
  const strongestAfter = new Map<string, HeldRelationLock>();
  for (const lock of after) {
    const current = strongestAfter.get(lock.relation);
    if (!current || rank(lock.mode) > rank(current.mode)) strongestAfter.set(lock.relation, lock);
  }
  return [...strongestAfter.values()]
    .filter((lock) => rank(lock.mode) > (strongestBefore.get(lock.relation) ?? -1))
    .filter((lock) => lock.relkind !== 'S')
    .map((lock) => (lock.table ? { table: lock.table, relation: lock.relation, mode: lock.mode } : { table: lock.relation, mode: lock.mode }))
    .sort((a, b) => a.table.localeCompare(b.table) || (a.relation ?? '').localeCompare(b.relation ?? ''));
}

/** Pre-existing tables whose scan counter rose above where it was. */
function scanned(states: RelationState[], counters: Map<number, number>, preExisting: Set<string>): string[] {
  return states
    .filter((state) => (state.relkind === 'r' || state.relkind === 'm') && preExisting.has(state.relation))
    .filter((state) => state.seqScans > (counters.get(state.oid) ?? 0))
    .map((state) => state.relation)
    .sort();
}

/** Relations known before whose storage file is another one now. */
function replaced(before: Map<number, RelationState>, after: RelationState[]): string[] {
  return after
    .filter((state) => {
      const old = before.get(state.oid);
      return old !== undefined && old.relfilenode !== 0 && old.relfilenode !== state.relfilenode;
    })
    .map((state) => state.relation)
    .sort();
}
