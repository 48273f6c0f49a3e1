import type { LockMode } from '../sql/lock-modes.ts';
import type { Statement } from '../sql/statement.ts';
import type { ConstraintSnapshot, IndexSnapshot } from './catalog.ts';
import type { CatalogChange } from './catalog-diff.ts';
import type { SchemaChanges } from './schema-changes.ts';
import type { QueryPlanning } from './explain/plan-queries.ts';
import type { TableSizing } from './explain/table-sizes.ts';

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
  /** Roles the reviewed SQL names that no migration creates: stand-in roles, NOLOGIN and without privileges of their own. */
  standInRoles: string[];
  elapsedMs: number;
  /** The reviewed migrations' downs, run after all the ups, latest first; absent when none was run. */
  downs?: DownCheck[];
  /** The net effect of the reviewed migrations on the schema, read before the first and after the last. */
  schemaChanges: SchemaChanges;
  /** The queries of the changed files, planned before and after the reviewed migrations. */
  queries: QueryPlanning[];
  /** The tables the queries were planned at their hinted sizes, or why none could be. */
  tableSizes: TableSizing;
}

/** A reviewed migration's down, run on the shadow as `migrate down` would, right after the later downs. */
export interface DownCheck {
  migrationId: string;
  /** The down's file, and the line its section starts at. */
  path: string;
  line: number;
  /** After up then down, how the catalog differs from before the up; empty when the down restored it. */
  differences: CatalogDifference[];
  /** Why the down did not run to its end; the downs of earlier migrations were then not run. */
  stopped?: DownStop;
}

export type CatalogDifference =
  | Exclude<CatalogChange, { constraint: ConstraintSnapshot }>
  | { kind: 'constraint-added' | 'constraint-dropped'; name: string; constraint: ConstraintSnapshot }
  | { kind: 'constraint-changed'; name: string; from: ConstraintSnapshot; to: ConstraintSnapshot }
  | { kind: 'index-changed'; name: string; from: IndexSnapshot; to: IndexSnapshot };

export interface DownStop {
  /** PostgreSQL (or its parser) rejected a statement, the guard refused statements, or the shadow itself stopped. */
  reason: 'failed' | 'refused' | 'interrupted';
  /** The statement PostgreSQL rejected or that ran out of time, or each statement the guard refused. */
  at: {
    line: number;
    col: number;
    endLine: number;
    message: string;
    code?: string;
    /** Stand-in tables the rejected statement names: their made-up columns may be why it failed. */
    standIns?: string[];
  }[];
  /** Downs of earlier reviewed migrations left unchecked because of this one. */
  unchecked: number;
}
