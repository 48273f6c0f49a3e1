import type { LockMode } from '../sql/lock-modes.ts';
import type { Statement } from '../sql/statement.ts';
import type { CatalogChange } from './catalog-diff.ts';

export interface ObservedLock {
  /** `schema.name` of the table (for an index lock: the index's table). */
  table: string;
  /** The relation locked, when it is not the table itself (an index or sequence). */
  relation?: string;
  mode: LockMode;
}

export interface StatementTrace {
  statement: Statement;
  /** Why it was not run: refused as hostile, not replayable, the migration had stopped, or the shadow had timed out. */
  skipped?: { reason: 'refused' | 'not-replayable' | 'after-failure' | 'after-timeout'; detail: string };
  /** Relation locks this statement newly took (observed in pg_locks; empty when it ran outside a transaction and could not be observed). */
  locks: ObservedLock[];
  /** Whether `locks` were observed, or could not be (a statement that refuses a transaction block). */
  locksObserved: boolean;
  /** Pre-existing relations whose storage was replaced (relfilenode changed): rewritten, or truncated. */
  rewrites: string[];
  /** Pre-existing tables this statement read in full (sequential scans in this transaction rose). */
  scans: string[];
  catalog: CatalogChange[];
  elapsedMs: number;
  /** Statements of the same transaction that ran after this one while its locks were held. */
  heldWhile: number;
  error?: { message: string; code?: string; line: number; col: number };
  timedOut?: boolean;
}

export interface MigrationTrace {
  migrationId: string;
  path: string;
  statements: StatementTrace[];
  /** Every catalog change the migration made, from its first statement to its last. */
  catalog: CatalogChange[];
  /** The migration stopped at a failing statement, as its runner would. */
  failed: boolean;
}

export interface BaseReport {
  /** Base migrations applied, and the ones that failed with the first error. */
  applied: number;
  failures: { path: string; message: string }[];
  cached: boolean;
}

export interface ShadowTrace {
  provider: 'embedded' | 'server';
  serverVersion: number;
  base: BaseReport;
  migrations: MigrationTrace[];
  /** Tables created as stand-ins because the reviewed SQL needed them and no migration made them. */
  standIns: string[];
  elapsedMs: number;
}
