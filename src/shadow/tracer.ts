import type { TransactionStmt } from '@pgsql/types';
import type { ParsedMigration } from '../lint/engine.ts';
import { effectiveTransactionMode } from '../lint/transaction-mode.ts';
import { nodeOf } from '../sql/ast.ts';
import { cannotRunInTransaction } from '../sql/non-transactional.ts';
import type { Statement } from '../sql/statement.ts';
import type { CatalogSnapshot } from './catalog.ts';
import { diffCatalog } from './catalog-diff.ts';
import { relationsNamed } from './named-relations.ts';
import { ShadowObserver } from './observer.ts';
import { ShadowStatementError, ShadowTimeoutError, type ShadowDatabase } from './provider.ts';
import type { MigrationTrace, StatementTrace } from './trace-types.ts';

export interface TraceOptions {
  /** Why a statement must not run (hostile), or undefined. */
  refuse: (statement: Statement) => string | undefined;
  statementTimeoutMs: number;
  /** False to only apply the migrations (a base schema), without reading what they did. */
  observe?: boolean;
  /** Carries out a statement in place of sending it (role statements), or returns undefined to have it sent. */
  divert?: (statement: Statement) => Promise<unknown> | undefined;
  onProgress?: (done: number, total: number, path: string) => void;
  /**
   * Told the catalog as it stands before each migration runs (`index` its position) and after the
   * last (`index` the number of migrations), when observing and no time limit cut the run short.
   */
  catalogAt?: (index: number, catalog: CatalogSnapshot) => void;
}

/**
 * Runs each migration the way its runner does and records, after every statement and inside its
 * transaction, what PostgreSQL did: new relation locks, replaced storage, full scans, catalog changes.
 */
export async function traceMigrations(db: ShadowDatabase, migrations: ParsedMigration[], options: TraceOptions): Promise<MigrationTrace[]> {
  const traces: MigrationTrace[] = [];
  const observer = options.observe === false ? undefined : await ShadowObserver.start(db);
  let dead = false;
  for (const [index, parsed] of migrations.entries()) {
    options.onProgress?.(index, migrations.length, parsed.migration.path);
    const statements = parsed.statements.filter((s) => !s.embeddedIn);
    if (dead) {
      traces.push(skippedMigration(parsed, statements, options, 'the shadow database stopped at an earlier time limit'));
      continue;
    }
    if (observer) options.catalogAt?.(index, observer.catalog);
    const trace = await new MigrationRun(db, parsed, statements, options, observer).run();
    dead = trace.statements.some((s) => s.timedOut);
    traces.push(trace);
  }
  if (observer && !dead) options.catalogAt?.(migrations.length, observer.catalog);
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

  constructor(
    private readonly db: ShadowDatabase,
    private readonly parsed: ParsedMigration,
    private readonly statements: Statement[],
    private readonly options: TraceOptions,
    /** Absent when only applying (a base schema). */
    private readonly observer: ShadowObserver | undefined,
  ) {}

  async run(): Promise<MigrationTrace> {
    const before = this.observer?.catalog ?? EMPTY_CATALOG;
    this.preExisting = this.observer?.relations() ?? new Set();
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
    const after = stop?.reason === 'after-timeout' ? before : (this.observer?.catalog ?? EMPTY_CATALOG);
    return { migrationId: this.parsed.migration.id, path: this.parsed.migration.path, statements: this.traces, catalog: diffCatalog(before, after), failed };
  }

  private async runStatement(statement: Statement): Promise<StatementTrace> {
    const control = nodeOf<TransactionStmt>(statement, 'TransactionStmt');
    if (control) return this.transactionControl(statement, control);
    const observer = this.observer;
    // A SET takes no lock and changes no catalog; SET TRANSACTION must even come before any query.
    if (!observer || statement.kind === 'VariableSetStmt') return this.apply(statement);
    const observable = this.inTransaction || !cannotRunInTransaction(statement);
    const probe = !this.inTransaction && observable;
    if (probe) await observer.begin({ countersLater: false });
    else if (observable) await observer.beforeStatement();
    const outsideTables = observable ? undefined : await observer.tablesOf(relationsNamed(statement));
    const trace = emptyTrace(statement);
    trace.locksObserved = observable;
    const started = performance.now();
    try {
      await this.send(statement);
    } catch (error) {
      trace.elapsedMs = performance.now() - started;
      if (error instanceof ShadowTimeoutError) {
        trace.timedOut = true;
        return trace;
      }
      if (!(error instanceof ShadowStatementError)) throw error;
      trace.error = { message: error.message, code: error.code, ...positionOf(statement, error.position) };
      if (probe) await this.rollbackProbe(observer);
      return trace;
    }
    trace.elapsedMs = performance.now() - started;
    const observed = observable
      ? await observer.inTransaction({ catalog: changesUnlockedTables(statement) ? 'all' : 'locked', preExisting: this.preExisting })
      : await observer.outsideTransaction({ preExisting: this.preExisting, tables: outsideTables });
    Object.assign(trace, observed);
    if (probe) {
      await this.db.query('COMMIT');
      observer.ended(true);
    } else if (this.inTransaction) {
      this.heldBy(trace);
    }
    return trace;
  }

  private async rollbackProbe(observer: ShadowObserver): Promise<void> {
    await this.db.query('ROLLBACK');
    observer.ended(false);
  }

  private send(statement: Statement): Promise<unknown> {
    return this.options.divert?.(statement) ?? this.db.query(statement.sql, { timeoutMs: this.options.statementTimeoutMs });
  }

  /** Runs the statement without reading what it did. */
  private async apply(statement: Statement): Promise<StatementTrace> {
    const trace = emptyTrace(statement);
    try {
      await this.send(statement);
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
        this.observer?.begun();
        break;
      case 'TRANS_STMT_COMMIT':
      case 'TRANS_STMT_ROLLBACK':
        this.closeTransaction(control.kind === 'TRANS_STMT_COMMIT');
        // A multi-statement query opens a new implicit transaction for what follows a COMMIT.
        if (this.runnerTransaction && this.parsed.migration.transaction === 'implicit') await this.begin(true);
        else this.runnerTransaction = false;
        break;
      default:
        // Savepoints: what a rollback to one undid is read back in full.
        await this.observer?.resync();
        break;
    }
    return trace;
  }

  private async begin(runner: boolean): Promise<void> {
    if (this.observer) await this.observer.begin({ countersLater: true });
    else await this.db.query('BEGIN');
    this.inTransaction = true;
    this.runnerTransaction = runner;
  }

  private async end(command: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    await this.db.query(command);
    this.closeTransaction(command === 'COMMIT');
    this.runnerTransaction = false;
  }

  private heldBy(trace: StatementTrace): void {
    for (const earlier of this.openTransaction) earlier.heldWhile++;
    this.openTransaction.push(trace);
  }

  private closeTransaction(committed: boolean): void {
    this.observer?.ended(committed);
    this.inTransaction = false;
    this.openTransaction = [];
  }
}

const EMPTY_CATALOG: CatalogSnapshot = { tables: new Map(), constraints: new Map(), indexes: new Map(), enums: new Map() };

/**
 * Renaming a schema or a type, moving a type to another schema, or renaming an enum label changes
 * how tables and their columns and defaults read, without locking the tables.
 */
function changesUnlockedTables(statement: Statement): boolean {
  const rename = nodeOf<{ renameType?: string }>(statement, 'RenameStmt');
  if (rename) return ['OBJECT_SCHEMA', 'OBJECT_TYPE', 'OBJECT_DOMAIN'].includes(rename.renameType ?? '');
  const move = nodeOf<{ objectType?: string }>(statement, 'AlterObjectSchemaStmt');
  if (move) return ['OBJECT_TYPE', 'OBJECT_DOMAIN'].includes(move.objectType ?? '');
  return nodeOf<{ oldVal?: string }>(statement, 'AlterEnumStmt')?.oldVal !== undefined;
}

/** File line and column of a 0-based character position inside the statement. */
function positionOf(statement: Statement, position: number | undefined): { line: number; col: number } {
  if (position === undefined) return { line: statement.range.startLine, col: statement.range.startCol };
  const before = statement.sql.slice(0, position);
  const newlines = before.split('\n').length - 1;
  if (newlines === 0) return { line: statement.range.startLine, col: statement.range.startCol + position };
  return { line: statement.range.startLine + newlines, col: position - before.lastIndexOf('\n') };
}
