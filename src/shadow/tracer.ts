import type { TransactionStmt } from '@pgsql/types';
import type { ParsedMigration } from '../lint/engine.ts';
import { effectiveTransactionMode } from '../lint/transaction-mode.ts';
import { nodeOf } from '../sql/ast.ts';
import { LOCK_MODES } from '../sql/lock-modes.ts';
import { cannotRunInTransaction } from '../sql/non-transactional.ts';
import type { Statement } from '../sql/statement.ts';
import { catalogSnapshot, heldLocks, relationStates, type CatalogSnapshot, type HeldRelationLock, type RelationState } from './catalog.ts';
import { diffCatalog } from './catalog-diff.ts';
import { ShadowStatementError, ShadowTimeoutError, type ShadowDatabase } from './provider.ts';
import type { MigrationTrace, ObservedLock, StatementTrace } from './trace-types.ts';

export interface TraceOptions {
  /** Why a statement must not run (hostile), or undefined. */
  refuse: (statement: Statement) => string | undefined;
  statementTimeoutMs: number;
  /** False to only apply the migrations (a base schema), without reading what they did. */
  observe?: boolean;
  onProgress?: (done: number, total: number, path: string) => void;
}

interface Observation {
  locks: HeldRelationLock[];
  states: Map<string, RelationState>;
  catalog: CatalogSnapshot | undefined;
}

/** Statements that cannot change the catalog: no snapshot is taken around them. */
const DATA_ONLY = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'VariableSetStmt', 'VariableShowStmt', 'TransactionStmt', 'LockStmt', 'NotifyStmt', 'ExplainStmt']);

/**
 * Runs each migration the way its runner does and records, after every statement and inside its
 * transaction, what PostgreSQL did: new relation locks, replaced storage, full scans, catalog changes.
 */
export async function traceMigrations(db: ShadowDatabase, migrations: ParsedMigration[], options: TraceOptions): Promise<MigrationTrace[]> {
  const traces: MigrationTrace[] = [];
  let dead = false;
  for (const [index, parsed] of migrations.entries()) {
    options.onProgress?.(index, migrations.length, parsed.migration.path);
    const statements = parsed.statements.filter((s) => !s.embeddedIn);
    if (dead) {
      traces.push(skippedMigration(parsed, statements, options, 'the shadow database stopped at an earlier time limit'));
      continue;
    }
    const trace = await new MigrationRun(db, parsed, statements, options).run();
    dead = trace.statements.some((s) => s.timedOut);
    traces.push(trace);
  }
  options.onProgress?.(migrations.length, migrations.length, '');
  return traces;
}

function skippedMigration(parsed: ParsedMigration, statements: Statement[], options: TraceOptions, detail: string): MigrationTrace {
  return {
    migrationId: parsed.migration.id,
    path: parsed.migration.path,
    statements: statements.map((statement) => emptyTrace(statement, skipReason(statement, options) ?? { reason: 'after-timeout', detail })),
    catalog: [],
    failed: false,
  };
}

/** Refused as hostile, or not replayable: `COPY ... FROM STDIN` has its data outside the statement. */
function skipReason(statement: Statement, options: TraceOptions): StatementTrace['skipped'] {
  const refusal = options.refuse(statement);
  if (refusal) return { reason: 'refused', detail: refusal };
  const copy = nodeOf<{ filename?: string; is_program?: boolean }>(statement, 'CopyStmt');
  if (copy && !copy.filename && !copy.is_program) {
    return { reason: 'not-replayable', detail: 'COPY with STDIN or STDOUT moves data the statement does not hold' };
  }
  return undefined;
}

function emptyTrace(statement: Statement, skipped?: StatementTrace['skipped']): StatementTrace {
  return { statement, skipped, locks: [], locksObserved: false, rewrites: [], scans: [], catalog: [], elapsedMs: 0, heldWhile: 0 };
}

/** One migration's run: which transaction is open, and what each statement did in it. */
class MigrationRun {
  private inTransaction = false;
  /** Our own BEGIN (the runner's transaction), as opposed to one written in the file. */
  private runnerTransaction = false;
  private readonly traces: StatementTrace[] = [];
  /** Traces of the statements run in the transaction now open (for `heldWhile`). */
  private openTransaction: StatementTrace[] = [];
  private preExisting = new Set<string>();
  /** What the last statement of the open transaction left behind, still true for the next one. */
  private carried: Observation | undefined;

  constructor(
    private readonly db: ShadowDatabase,
    private readonly parsed: ParsedMigration,
    private readonly statements: Statement[],
    private readonly options: TraceOptions,
  ) {}

  private get observing(): boolean {
    return this.options.observe !== false;
  }

  async run(): Promise<MigrationTrace> {
    const before = this.observing ? await catalogSnapshot(this.db) : EMPTY_CATALOG;
    if (this.observing) this.preExisting = new Set((await relationStates(this.db)).keys());
    const mode = effectiveTransactionMode(this.parsed.migration, this.statements);
    if (mode === 'per-file' || (mode === 'implicit' && this.statements.length > 1)) await this.begin(true);
    let failed = false;
    let stop: StatementTrace['skipped'];
    for (const statement of this.statements) {
      // Hostile is hostile whether or not the migration gets that far: the guard sees every statement.
      const skipped = skipReason(statement, this.options) ?? stop;
      if (skipped) {
        this.traces.push(emptyTrace(statement, skipped));
        continue;
      }
      const trace = await this.runStatement(statement);
      this.traces.push(trace);
      if (trace.timedOut) stop = { reason: 'after-timeout', detail: 'the shadow database stopped at the time limit of an earlier statement' };
      else if (trace.error) {
        failed = true;
        stop = { reason: 'after-failure', detail: `the migration stopped at line ${trace.error.line}, as its runner would` };
        if (this.inTransaction) await this.end('ROLLBACK');
      }
    }
    if (!stop && this.inTransaction) await this.end('COMMIT');
    const after = stop?.reason === 'after-timeout' || !this.observing ? before : await catalogSnapshot(this.db);
    return { migrationId: this.parsed.migration.id, path: this.parsed.migration.path, statements: this.traces, catalog: diffCatalog(before, after), failed };
  }

  private async runStatement(statement: Statement): Promise<StatementTrace> {
    const control = nodeOf<TransactionStmt>(statement, 'TransactionStmt');
    if (control) return this.transactionControl(statement, control);
    // A SET takes no lock and changes no catalog; SET TRANSACTION must even come before any query.
    if (!this.observing || statement.kind === 'VariableSetStmt') return this.apply(statement);
    const observable = this.inTransaction || !cannotRunInTransaction(statement);
    const probe = !this.inTransaction && observable;
    if (probe) await this.db.query('BEGIN');
    const before = await this.observeBefore(statement, observable);
    const trace = emptyTrace(statement);
    trace.locksObserved = observable;
    const started = performance.now();
    try {
      await this.db.query(statement.sql, { timeoutMs: this.options.statementTimeoutMs });
    } catch (error) {
      trace.elapsedMs = performance.now() - started;
      this.carried = undefined;
      if (error instanceof ShadowTimeoutError) {
        trace.timedOut = true;
        return trace;
      }
      if (!(error instanceof ShadowStatementError)) throw error;
      trace.error = { message: error.message, code: error.code, ...positionOf(statement, error.position) };
      if (probe) await this.db.query('ROLLBACK');
      return trace;
    }
    trace.elapsedMs = performance.now() - started;
    const after: Observation = {
      locks: observable ? await heldLocks(this.db) : [],
      states: await relationStates(this.db),
      catalog: before.catalog && !DATA_ONLY.has(statement.kind) ? await catalogSnapshot(this.db) : before.catalog,
    };
    if (observable) {
      // A lock on a relation this statement created (a new index) is nobody else's concern.
      const existed = new Set([...before.states.values()].map((state) => state.oid));
      trace.locks = newLocks(before.locks, after.locks.filter((lock) => existed.has(lock.oid)));
    }
    trace.rewrites = replaced(before.states, after.states).filter((relation) => this.preExisting.has(relation));
    // A rewrite reads the whole table anyway: a scan is news only for tables kept in place.
    trace.scans = scanned(before.states, after.states, this.preExisting).filter((table) => !trace.rewrites.includes(table));
    if (before.catalog && after.catalog && !DATA_ONLY.has(statement.kind)) trace.catalog = diffCatalog(before.catalog, after.catalog);
    if (probe) {
      await this.db.query('COMMIT');
    } else if (this.inTransaction) {
      this.heldBy(trace);
      this.carried = after;
    }
    return trace;
  }

  /**
   * Locks, storage and (for statements that may change it) the catalog before a statement. Inside
   * one transaction, what the previous statement left is exactly that: it is carried over
   * instead of read again.
   */
  private async observeBefore(statement: Statement, observable: boolean): Promise<Observation> {
    const needsCatalog = !DATA_ONLY.has(statement.kind);
    const carried = this.inTransaction ? this.carried : undefined;
    return {
      locks: carried?.locks ?? (observable ? await heldLocks(this.db) : []),
      states: carried?.states ?? (await relationStates(this.db)),
      catalog: carried?.catalog ?? (needsCatalog ? await catalogSnapshot(this.db) : undefined),
    };
  }

  /** Runs the statement without reading what it did. */
  private async apply(statement: Statement): Promise<StatementTrace> {
    const trace = emptyTrace(statement);
    try {
      await this.db.query(statement.sql, { timeoutMs: this.options.statementTimeoutMs });
    } catch (error) {
      if (error instanceof ShadowTimeoutError) return { ...trace, timedOut: true };
      if (!(error instanceof ShadowStatementError)) throw error;
      return { ...trace, error: { message: error.message, code: error.code, ...positionOf(statement, error.position) } };
    }
    return trace;
  }

  private async transactionControl(statement: Statement, control: TransactionStmt): Promise<StatementTrace> {
    const started = performance.now();
    const trace = await this.apply(statement);
    if (trace.error || trace.timedOut) return trace;
    trace.locksObserved = true;
    trace.elapsedMs = performance.now() - started;
    switch (control.kind) {
      case 'TRANS_STMT_BEGIN':
      case 'TRANS_STMT_START':
        this.inTransaction = true;
        break;
      case 'TRANS_STMT_COMMIT':
      case 'TRANS_STMT_ROLLBACK':
        this.closeTransaction();
        // A multi-statement query opens a new implicit transaction for what follows a COMMIT.
        if (this.runnerTransaction && this.parsed.migration.transaction === 'implicit') await this.begin(true);
        else this.runnerTransaction = false;
        break;
      default:
        break;
    }
    return trace;
  }

  private async begin(runner: boolean): Promise<void> {
    this.carried = undefined;
    await this.db.query('BEGIN');
    this.inTransaction = true;
    this.runnerTransaction = runner;
  }

  private async end(command: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    await this.db.query(command);
    this.closeTransaction();
    this.runnerTransaction = false;
  }

  private heldBy(trace: StatementTrace): void {
    for (const earlier of this.openTransaction) earlier.heldWhile++;
    this.openTransaction.push(trace);
  }

  private closeTransaction(): void {
    this.carried = undefined;
    this.inTransaction = false;
    this.openTransaction = [];
  }
}

const EMPTY_CATALOG: CatalogSnapshot = { tables: new Map(), constraints: new Map(), indexes: new Map(), enums: new Map() };

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

/** Relations present before and after whose storage file changed. */
function replaced(before: Map<string, RelationState>, after: Map<string, RelationState>): string[] {
  return [...after.values()]
    .filter((state) => {
      const old = before.get(state.relation);
      return old !== undefined && old.relfilenode !== 0 && old.relfilenode !== state.relfilenode;
    })
    .map((state) => state.relation)
    .sort();
}

/** Pre-existing tables whose sequential-scan count in this transaction rose. */
function scanned(before: Map<string, RelationState>, after: Map<string, RelationState>, preExisting: Set<string>): string[] {
  return [...after.values()]
    .filter((state) => preExisting.has(state.relation) && state.seqScans > (before.get(state.relation)?.seqScans ?? 0))
    .map((state) => state.relation)
    .sort();
}

/** File line and column of a 0-based character position inside the statement. */
function positionOf(statement: Statement, position: number | undefined): { line: number; col: number } {
  if (position === undefined) return { line: statement.range.startLine, col: statement.range.startCol };
  const before = statement.sql.slice(0, position);
  const newlines = before.split('\n').length - 1;
  if (newlines === 0) return { line: statement.range.startLine, col: statement.range.startCol + position };
  return { line: statement.range.startLine + newlines, col: position - before.lastIndexOf('\n') };
}
