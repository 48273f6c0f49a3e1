import pg from 'pg';
import {
  ShadowStatementError,
  ShadowTimeoutError,
  ShadowUnavailableError,
  type QueryResult,
  type ShadowDatabase,
} from '../provider.ts';
import { GRANTABLE_SCHEMAS, schemaCreateGrants } from './stand-in-roles.ts';

/** What a session needs from its provider: the admin side's signals, the drop, the extension installer, stand-in roles. */
export interface SessionHost {
  /** pg_cancel_backend / pg_terminate_backend from the admin pool. */
  signal(pid: number, how: 'cancel' | 'terminate'): Promise<void>;
  /** CREATE EXTENSION in `database` on an admin connection (allowlisted names only). */
  installExtension(database: string, name: string, options?: { schema?: string }): Promise<void>;
  /** Makes `member` a member of stand-in roles for `names` on the admin connection; returns those roles. */
  grantStandInRoles(member: string, names: string[]): Promise<string[]>;
  /** A connection of the admin to `database`, with `search_path` pg_catalog, for db-review's own SQL. */
  connectAsAdmin(database: string): Promise<pg.Client>;
}

export interface SessionOptions {
  /** The database's name. */
  name: string;
  /** The login role the session runs as (a review's has the database's name, a template build's its own). */
  role: string;
  client: pg.Client;
  pid: number;
  serverVersion: number;
  statementMs: number;
  /** Budget for all the SQL of this session; Infinity for a template build. */
  reviewMs: number;
  /** The session's server-side statement_timeout as set at connect. */
  serverTimeoutMs: number;
  /** A statement whose result passes this many bytes is stopped and the database closed. */
  maxResultBytes: number;
  host: SessionHost;
  /** Runs once the session is gone: drops the database (review) or nothing (template build). */
  release(): Promise<void>;
}

/** A server-side statement_timeout stays this far behind the client-side limit, as a backstop. */
export const SERVER_TIMEOUT_SLACK_MS = 1_000;
/** How long a cancelled statement may take to stop before its backend is terminated. */
const CANCEL_GRACE_MS = 2_000;
/** How long a terminated backend may take before the socket is cut. */
const TERMINATE_GRACE_MS = 2_000;
const END_GRACE_MS = 1_000;
/** setTimeout fires at once past 2^31 - 1 ms, and statement_timeout stops there too. */
const MAX_TIMER_MS = 2_147_483_647 - SERVER_TIMEOUT_SLACK_MS;

const noop = (): void => {};

/** Resolves true when `promise` settles within `ms`, false otherwise. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/**
 * PostgreSQL's error as the shadow's: its position (1-based, counted in characters, a string on
 * the wire) becomes a 0-based index into the JavaScript string `sql`.
 */
export function toStatementError(error: pg.DatabaseError, sql = ''): ShadowStatementError {
  const characters = error.position ? Number(error.position) - 1 : undefined;
  const position = characters !== undefined && Number.isInteger(characters) && characters >= 0
    ? Array.from(sql).slice(0, characters).join('').length
    : undefined;
  return new ShadowStatementError(error.message, error.code, position, error.detail, error.hint);
}

/**
 * One review's (or one template build's) session on the shadow server, logged in as a NOSUPERUSER
 * role of its own. The only connection that ever runs the PR's SQL.
 */
export class ServerShadowDatabase implements ShadowDatabase {
  readonly name: string;
  readonly serverVersion: number;
  /** The backend running this session's SQL (pg_stat_activity.pid). */
  readonly pid: number;

  private readonly client: pg.Client;
  private readonly options: SessionOptions;
  private queue: Promise<void> = Promise.resolve();
  private spentMs = 0;
  private serverTimeoutMs: number;
  private lost: Error | undefined;
  private closing: Promise<void> | undefined;
  private admin: Promise<pg.Client> | undefined;

  constructor(options: SessionOptions) {
    this.options = options;
    this.name = options.name;
    this.client = options.client;
    this.pid = options.pid;
    this.serverVersion = options.serverVersion;
    this.serverTimeoutMs = options.serverTimeoutMs;
    this.client.on('error', (error) => {
      this.lost ??= error;
    });
    this.client.on('end', () => {
      this.lost ??= new Error('the connection ended');
    });
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  query(sql: string, options?: { timeoutMs?: number }): Promise<QueryResult> {
    const run = this.queue.then(() => this.run(sql, options?.timeoutMs));
    this.queue = run.then(noop, noop);
    return run;
  }

  /**
   * Creates extension `name` in this database on an admin connection, for a PR whose
   * `CREATE EXTENSION name` failed for lack of privilege. Only names on the provider's `extensions`
   * allowlist (and shaped like an extension name) are accepted; no text of the PR is ever run there.
   * `IF NOT EXISTS`, no CASCADE: dependencies must be installed (and allowlisted) one by one.
   */
  installExtension(name: string, options?: { schema?: string }): Promise<void> {
    if (this.closing) return Promise.reject(new ShadowUnavailableError('the shadow database is closed'));
    return this.options.host.installExtension(this.name, name, options);
  }

  async ensureStandInRoles(names: string[]): Promise<string[]> {
    if (this.closing) throw new ShadowUnavailableError('the shadow database is closed');
    if (names.length === 0) return [];
    const roles = await this.options.host.grantStandInRoles(this.options.role, names);
    if (roles.length > 0) {
      const { rows } = await this.query(GRANTABLE_SCHEMAS);
      await this.query(schemaCreateGrants(rows.map((row) => String(row.nspname)), roles));
    }
    return roles;
  }

  /**
   * On an admin connection to this database, where each call commits on its own. The admin is a
   * superuser there, so nothing of the change may ever be sent this way.
   */
  async asSuperuser(sql: string): Promise<QueryResult> {
    if (this.closing) throw new ShadowUnavailableError('the shadow database is closed');
    this.admin ??= this.options.host.connectAsAdmin(this.name);
    const client = await this.admin;
    try {
      const result = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return { rows: (last?.rows ?? []) as Record<string, unknown>[] };
    } catch (error) {
      if (error instanceof pg.DatabaseError && error.severity !== 'FATAL') throw toStatementError(error, sql);
      throw new ShadowUnavailableError(`the admin connection to the shadow database failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private async run(sql: string, timeoutMs: number | undefined): Promise<QueryResult> {
    if (this.closing) throw new ShadowUnavailableError('the shadow database is closed');
    if (this.lost) throw this.unavailable(this.lost);
    const statementLimit = timeoutMs ?? this.options.statementMs;
    const remaining = this.options.reviewMs - this.spentMs;
    const limit = Math.max(0, Math.min(statementLimit, remaining, MAX_TIMER_MS));
    const reported = remaining < statementLimit ? this.options.reviewMs : statementLimit;
    if (limit <= 0) {
      await this.close();
      throw new ShadowTimeoutError(reported);
    }
    if (limit + SERVER_TIMEOUT_SLACK_MS > this.serverTimeoutMs) await this.raiseServerTimeout(limit + SERVER_TIMEOUT_SLACK_MS);

    const started = performance.now();
    const pending = this.client.query(sql) as Promise<pg.QueryResult | pg.QueryResult[]>;
    const watch: { reason?: 'timeout' | 'oversize'; halting?: Promise<void> } = {};
    const stop = (reason: 'timeout' | 'oversize'): void => {
      if (watch.halting) return;
      watch.reason = reason;
      watch.halting = this.halt(pending);
    };
    const timer = setTimeout(() => stop('timeout'), limit);
    // pg keeps a whole result in memory: a PR's `SELECT repeat('x', 1e8) FROM generate_series(1, 100)`
    // must not take the reviewer down with it. Counted on the socket, before pg parses anything.
    const max = this.options.maxResultBytes;
    let received = 0;
    const socket = this.socket();
    const count = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > max) stop('oversize');
      if (received > 2 * max) this.cutSocket();
    };
    socket?.on('data', count);
    try {
      const result = await pending;
      if (!watch.halting) {
        const last = Array.isArray(result) ? result[result.length - 1] : result;
        return { rows: (last?.rows ?? []) as Record<string, unknown>[] };
      }
    } catch (error) {
      if (!watch.halting) throw this.translate(error, sql);
    } finally {
      clearTimeout(timer);
      socket?.off('data', count);
      this.spentMs += performance.now() - started;
    }
    await watch.halting;
    await this.close();
    if (watch.reason === 'oversize') {
      throw new ShadowUnavailableError(`the statement's result passed ${max} bytes; the shadow database was closed`);
    }
    throw new ShadowTimeoutError(reported);
  }

  /** Stops the running statement: cancel, then terminate, then cut the socket. */
  private async halt(pending: Promise<unknown>): Promise<void> {
    const settled = pending.then(noop, noop);
    await this.options.host.signal(this.pid, 'cancel').catch(noop);
    if (await within(settled, CANCEL_GRACE_MS)) return;
    await this.options.host.signal(this.pid, 'terminate').catch(noop);
    if (await within(settled, TERMINATE_GRACE_MS)) return;
    this.cutSocket();
    await within(settled, TERMINATE_GRACE_MS);
  }

  /** Keeps the server-side statement_timeout behind a longer per-call limit. */
  private async raiseServerTimeout(ms: number): Promise<void> {
    try {
      await this.client.query(`SELECT set_config('statement_timeout', '${Math.ceil(ms)}', false)`);
      this.serverTimeoutMs = ms;
    } catch {
      // In a failed transaction the PR's next statement fails at once anyway; the client-side limit still holds.
    }
  }

  private translate(error: unknown, sql: string): Error {
    if (error instanceof pg.DatabaseError) {
      if (error.severity === 'FATAL' || error.severity === 'PANIC' || this.lost) return this.unavailable(error);
      return toStatementError(error, sql);
    }
    return this.unavailable(error);
  }

  private unavailable(error: unknown): ShadowUnavailableError {
    this.lost ??= error instanceof Error ? error : new Error(String(error));
    const message = error instanceof Error ? error.message : String(error);
    return new ShadowUnavailableError(`the shadow database connection was lost: ${message}`, { cause: error });
  }

  private socket(): NodeJS.ReadableStream & { destroy(): void } | undefined {
    return (this.client as unknown as { connection?: { stream?: NodeJS.ReadableStream & { destroy(): void } } }).connection
      ?.stream;
  }

  private cutSocket(): void {
    this.socket()?.destroy();
  }

  private async shutdown(): Promise<void> {
    // DROP DATABASE ... WITH (FORCE) ends it anyway if it does not end in time.
    const admin = await this.admin?.catch(() => undefined);
    if (admin) await within(admin.end(), END_GRACE_MS);
    if (!(await within(this.client.end(), END_GRACE_MS))) this.cutSocket();
    await this.options.release().catch(noop);
  }
}
