/**
 * A throwaway PostgreSQL that runs a review's untrusted migration SQL. Two providers implement
 * it: embedded (PGlite in a worker thread) and server (a throwaway database on a real server).
 */

export interface QueryResult {
  rows: Record<string, unknown>[];
}

/**
 * PostgreSQL refused a statement: its own message, SQLSTATE and the place it points at, as a
 * 0-based index into the JavaScript string of the SQL that was sent.
 */
export class ShadowStatementError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly position?: number,
    readonly detail?: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A statement ran past its wall-clock limit; the database is gone and cannot be used again. */
export class ShadowTimeoutError extends Error {
  constructor(readonly limitMs: number) {
    super(`stopped after ${limitMs} ms`);
  }
}

/** The shadow itself failed (could not start, ran out of memory, lost its connection). */
export class ShadowUnavailableError extends Error {}

export interface ShadowDatabase {
  /** server_version_num, e.g. 180006. */
  readonly serverVersion: number;
  /**
   * Runs SQL text (one statement, or several separated by semicolons as one simple query) on the
   * database's single session and returns the rows of the last statement. Throws
   * ShadowStatementError when PostgreSQL refuses it, ShadowTimeoutError past `timeoutMs`.
   */
  query(sql: string, options?: { timeoutMs?: number }): Promise<QueryResult>;
  /**
   * Makes each named role exist for this database's SQL as a stand-in role (see stand-in-roles.ts)
   * that it may grant to, hand objects to and name in policies. Returns the names that are stand-ins
   * now: made by this call, or earlier by db-review (for a base schema, or on the server for another
   * review running at the same time). Names of the server's own roles and reserved names are left
   * alone and not returned: SQL that names them meets PostgreSQL's own checks.
   */
  ensureStandInRoles(names: string[]): Promise<string[]>;
  /**
   * Runs db-review's own SQL, never the change's, as a superuser in this database: what the
   * planner reads about a table's size, which only a superuser may write. The server runs it on an
   * admin connection, where each call commits on its own; the embedded shadow in its one session,
   * whose user is a superuser.
   */
  asSuperuser(sql: string): Promise<QueryResult>;
  /** Drops the database (server) or stops the worker (embedded). Safe to call twice. */
  close(): Promise<void>;
}

export interface BaseSchema {
  /** Identifies the base (a hash of the base migrations' contents and the provider's version). */
  key: string;
  /** Fills an empty database with the base schema; run once per key, the result is cached. */
  build(db: ShadowDatabase): Promise<void>;
}

export interface ShadowProvider {
  readonly kind: 'embedded' | 'server';
  /**
   * A fresh database for one review, holding the base schema: restored from the cache when
   * `base.key` was built before, else built now and cached. Never shared between reviews.
   */
  open(base?: BaseSchema): Promise<ShadowDatabase>;
  /** Releases cached bases and connections. */
  dispose(): Promise<void>;
}

export interface ShadowLimits {
  /** Wall-clock limit for one statement. */
  statementMs: number;
  /** Wall-clock limit for the whole review's SQL. */
  reviewMs: number;
  /** lock_timeout the server provider sets (PGlite has one session, so nothing waits). */
  lockTimeoutMs: number;
}

export const DEFAULT_LIMITS: ShadowLimits = { statementMs: 10_000, reviewMs: 120_000, lockTimeoutMs: 5_000 };
