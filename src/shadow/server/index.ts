import pg from 'pg';
import {
  DEFAULT_LIMITS,
  ShadowStatementError,
  ShadowTimeoutError,
  ShadowUnavailableError,
  type BaseSchema,
  type ShadowLimits,
  type ShadowProvider,
} from '../provider.ts';
import {
  BASE_ROLE,
  advisoryKey,
  isExtensionName,
  isPlainIdentifier,
  isTemplateName,
  parseTemplateNote,
  parseThrowaway,
  randomPassword,
  scramVerifier,
  templateName,
  templateNote,
  throwawayName,
} from './names.ts';
import { SERVER_TIMEOUT_SLACK_MS, ServerShadowDatabase, toStatementError, type SessionHost } from './session.ts';
import { dropUnusedStandInRoles, grantStandInRoles } from './stand-in-roles.ts';

export { ServerShadowDatabase } from './session.ts';

/**
 * The server shadow: every review gets a throwaway database on a real PostgreSQL (13+), cloned from
 * a cached template of its base schema, and a throwaway NOSUPERUSER login role that owns it.
 *
 * Roles. The admin URL (SHADOW_DATABASE_URL) only ever runs the provider's own SQL. Each review
 * logs in as its own role `dbreview_r_…` (NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
 * NOBYPASSRLS, CONNECTION LIMIT 1, random password given to the server as a SCRAM verifier), which
 * owns the review database and so every object the PR creates. A role per review rather than one
 * shared shadow role, because a shared role would let one PR's SQL see the other reviews' SQL in
 * pg_stat_activity, cancel or terminate their sessions and drop their databases (all allowed to
 * the owning role). The objects in a template are owned by the NOLOGIN role `dbreview_base`, and
 * review roles that clone a template are made members of it, so the PR can alter and drop them.
 * Templates themselves belong to the admin, do not allow connections, and so cannot be touched
 * by any review.
 *
 * Roles the migrations create or name (`CREATE ROLE app_reader`, `GRANT … TO authenticated`,
 * `OWNER TO app`) become stand-in roles (stand-in-roles.ts): NOLOGIN roles that the admin makes,
 * marks, shares between concurrent reviews and grants to the review's role. The review's role
 * never makes them itself: CREATEROLE on PostgreSQL 15 would let it grant itself
 * pg_execute_server_program. A stand-in is dropped once no review or build is a member and no
 * database depends on it any more.
 *
 * Templates outlive the process (a long-running app, and the next run of a CI job on a shared
 * server, both start from the cache): `dispose()` keeps them unless `keepTemplates: false`, in
 * which case it drops the ones this provider built. Every start sweeps templates no review has
 * cloned for `templateIdleMs` (a day), review databases and roles of crashed runs older than
 * `leftoverAgeMs` (an hour), templates whose build never finished, and stand-in roles nothing uses.
 */
export interface ServerProviderOptions {
  /** SHADOW_DATABASE_URL: a role that may create databases and roles (a superuser to install extensions). */
  url: string;
  limits?: Partial<ShadowLimits>;
  /** Extensions `installExtension` may create with the admin connection. */
  extensions?: string[];
  /** Keep the templates this provider built when it is disposed (default true). */
  keepTemplates?: boolean;
  /** Leftover review databases and roles older than this are dropped at start (default an hour). */
  leftoverAgeMs?: number;
  /** Templates not cloned for this long are dropped at start (default a day). */
  templateIdleMs?: number;
  /** A statement whose result passes this many bytes is stopped and its database closed (default 64 MiB). */
  maxResultBytes?: number;
}

export interface SweepReport {
  databases: string[];
  templates: string[];
  roles: string[];
}

export interface ServerShadowProvider extends ShadowProvider {
  readonly kind: 'server';
  open(base?: BaseSchema): Promise<ServerShadowDatabase>;
  /** Drops leftovers of crashed runs and idle templates (also done once before the first open). */
  sweep(): Promise<SweepReport>;
}

const HOUR = 3_600_000;
/** A template's "last used" comment is rewritten at most this often per process. */
const TOUCH_EVERY_MS = 10 * 60_000;
const ADMIN_APP = 'db-review admin';
const SHADOW_APP = 'db-review shadow';

const ident = (name: string): string => pg.escapeIdentifier(name);
const literal = (text: string): string => pg.escapeLiteral(text);

interface ServerInfo {
  user: string;
  superuser: boolean;
  version: number;
}

/** The admin URL with another user, password, database and startup settings. */
function connectionString(url: string, settings: Record<string, string>, database?: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ShadowUnavailableError('SHADOW_DATABASE_URL must be a postgres:// URL');
  }
  if (database !== undefined) parsed.pathname = `/${database}`;
  for (const [key, value] of Object.entries(settings)) parsed.searchParams.set(key, value);
  return parsed.toString();
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isShadowError(error: unknown): boolean {
  return (
    error instanceof ShadowStatementError || error instanceof ShadowTimeoutError || error instanceof ShadowUnavailableError
  );
}

function unavailable(what: string, error: unknown): Error {
  if (isShadowError(error)) return error as Error;
  return new ShadowUnavailableError(`${what}: ${errorMessage(error)}`, { cause: error });
}

export function createServerProvider(options: ServerProviderOptions): ServerShadowProvider {
  return new ServerProvider(options);
}

class ServerProvider implements ServerShadowProvider, SessionHost {
  readonly kind = 'server' as const;

  private readonly url: string;
  private readonly limits: ShadowLimits;
  private readonly extensions: ReadonlySet<string>;
  private readonly keepTemplates: boolean;
  private readonly leftoverAgeMs: number;
  private readonly templateIdleMs: number;
  private readonly maxResultBytes: number;
  private readonly admin: pg.Pool;
  /** Cancels and terminations get their own pool so a busy admin pool cannot delay them. */
  private readonly signals: pg.Pool;
  private info: Promise<ServerInfo> | undefined;
  private started: Promise<ServerInfo> | undefined;
  private readonly builds = new Map<string, Promise<void>>();
  private readonly touched = new Map<string, number>();
  private readonly built = new Set<string>();
  private readonly live = new Set<ServerShadowDatabase>();
  /** Login roles that were granted stand-in roles: dropping one may leave stand-ins unused. */
  private readonly standInMembers = new Set<string>();
  private disposed = false;

  constructor(options: ServerProviderOptions) {
    this.url = options.url;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.extensions = new Set(options.extensions ?? []);
    this.keepTemplates = options.keepTemplates ?? true;
    this.leftoverAgeMs = options.leftoverAgeMs ?? HOUR;
    this.templateIdleMs = options.templateIdleMs ?? 24 * HOUR;
    this.maxResultBytes = options.maxResultBytes ?? 64 * 1024 * 1024;
    const adminUrl = connectionString(this.url, { application_name: ADMIN_APP });
    this.admin = new pg.Pool({ connectionString: adminUrl, max: 6, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    this.signals = new pg.Pool({ connectionString: adminUrl, max: 2, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    // An idle pooled connection that dies (server restart) must not take the process with it.
    this.admin.on('error', () => {});
    this.signals.on('error', () => {});
  }

  async open(base?: BaseSchema): Promise<ServerShadowDatabase> {
    if (this.disposed) throw new ShadowUnavailableError('the server shadow provider is disposed');
    const info = await this.start();
    let template: string | undefined;
    if (base) template = await this.template(base);
    try {
      return await this.openReview(info, template);
    } catch (error) {
      // Another process's sweep dropped the template between our check and the clone: build it again.
      if (base && error instanceof ShadowUnavailableError && (error.cause as { code?: string } | undefined)?.code === '3D000') {
        this.touched.delete(template ?? '');
        return this.openReview(info, await this.template(base));
      }
      throw error;
    }
  }

  async sweep(): Promise<SweepReport> {
    const report: SweepReport = { databases: [], templates: [], roles: [] };
    const now = Date.now();
    const { rows } = await this.admin.query<{ datname: string; datistemplate: boolean; comment: string | null }>(
      `SELECT datname, datistemplate, shobj_description(oid, 'pg_database') AS comment
         FROM pg_database WHERE datname LIKE 'dbreview\\_%' ORDER BY datname`,
    );
    for (const row of rows) {
      const throwaway = parseThrowaway(row.datname);
      if (throwaway) {
        if (now - throwaway.createdAt > this.leftoverAgeMs && (await this.dropDatabase(row.datname))) {
          report.databases.push(row.datname);
        }
      } else if (isTemplateName(row.datname) && !this.builds.has(row.datname)) {
        const note = parseTemplateNote(row.comment);
        const idle = !row.datistemplate || !note || now - note.usedAt > this.templateIdleMs;
        if (idle && (await this.dropTemplate(row.datname, { onlyIfUnlocked: true }))) report.templates.push(row.datname);
      }
    }
    const roles = await this.admin.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE rolname LIKE 'dbreview\\_r\\_%' OR rolname LIKE 'dbreview\\_b\\_%' ORDER BY rolname`,
    );
    for (const { rolname } of roles.rows) {
      const throwaway = parseThrowaway(rolname);
      if (throwaway && now - throwaway.createdAt > this.leftoverAgeMs) {
        try {
          await this.dropDatabase(rolname);
          await this.admin.query(`DROP ROLE IF EXISTS ${ident(rolname)}`);
          report.roles.push(rolname);
        } catch {
          // still owns something somewhere: left for an admin to look at
        }
      }
    }
    report.roles.push(...(await dropUnusedStandInRoles(this.admin)));
    return report;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.allSettled([...this.live].map((db) => db.close()));
    await Promise.allSettled([...this.builds.values()]);
    if (!this.keepTemplates && this.started) {
      for (const name of this.built) await this.dropTemplate(name, { onlyIfUnlocked: false }).catch(() => false);
      // The stand-ins those templates' objects depended on.
      await dropUnusedStandInRoles(this.admin).catch(() => []);
    }
    await Promise.allSettled([this.admin.end(), this.signals.end()]);
  }

  // ---- SessionHost ----

  async signal(pid: number, how: 'cancel' | 'terminate'): Promise<void> {
    await this.signals.query(how === 'cancel' ? 'SELECT pg_cancel_backend($1)' : 'SELECT pg_terminate_backend($1)', [pid]);
  }

  /**
   * CREATE EXTENSION as the admin in a review's (or a build's) database. The extension's script then
   * runs as a superuser with its target schema, and the schemas of the extensions it requires, on
   * its search_path; the PR's role may create objects in those (it owns `public`), and a function or
   * operator it planted there could capture a call of the script and run as superuser. So:
   * - settings the PR put on its database (ALTER DATABASE ... SET, it is the owner) are removed first;
   * - a target schema that does not exist is created owned by the admin (USAGE for everyone), so
   *   nothing of the PR's can be in it;
   * - an existing target schema, and each required extension's schema, must hold no function,
   *   operator, type, collation or conversion owned by a role that is not a superuser; else refused.
   * The name is checked against the allowlist and its shape; no CASCADE. Refusals throw Error,
   * PostgreSQL's own refusals ShadowStatementError.
   */
  async installExtension(database: string, name: string, options?: { schema?: string }): Promise<void> {
    if (!isExtensionName(name)) throw new Error(`"${name}" is not a plain extension name`);
    if (!this.extensions.has(name)) throw new Error(`extension "${name}" is not on the shadow's allowlist`);
    const wanted = options?.schema;
    if (wanted !== undefined && !isPlainIdentifier(wanted)) throw new Error(`"${wanted}" is not a plain schema name`);
    const info = await this.start();
    try {
      await this.admin.query(`ALTER DATABASE ${ident(database)} RESET ALL`);
    } catch (error) {
      throw unavailable(`could not prepare ${database} to install ${name}`, error);
    }
    const client = await this.connectAsAdmin(database);
    try {
      const { rows: versions } = await client.query<{ schema: string | null; requires: string[] | null }>(
        `SELECT v.schema::text AS schema, v.requires::text[] AS requires
           FROM pg_available_extensions a JOIN pg_available_extension_versions v ON v.name = a.name AND v.version = a.default_version
          WHERE a.name = $1`,
        [name],
      );
      const control = versions[0];
      if (!control) throw new Error(`extension "${name}" is not available on the shadow server`);
      // A control file that fixes the schema (plpgsql: pg_catalog) wins over what was asked.
      const target = control.schema ?? wanted ?? 'public';
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [target]);
      if (exists.rowCount === 0) {
        await client.query(
          `CREATE SCHEMA ${ident(target)} AUTHORIZATION ${ident(info.user)}; GRANT USAGE ON SCHEMA ${ident(target)} TO PUBLIC`,
        );
      }
      const { rows: hostile } = await client.query<{ kind: string; object: string; schema: string }>(
        `WITH path AS (
           SELECT oid, nspname FROM pg_namespace
            WHERE nspname = $1
               OR oid IN (SELECT extnamespace FROM pg_extension WHERE extname = ANY($2::text[]))
         ), objects AS (
           SELECT 'function' AS kind, p.oid::regprocedure::text AS object, p.pronamespace AS ns, p.proowner AS owner FROM pg_proc p
           UNION ALL SELECT 'operator', o.oid::regoperator::text, o.oprnamespace, o.oprowner FROM pg_operator o
           UNION ALL SELECT 'type', t.oid::regtype::text, t.typnamespace, t.typowner FROM pg_type t
            WHERE t.typrelid = 0 AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.oid = t.typelem AND e.typrelid <> 0)
           UNION ALL SELECT 'collation', c.oid::regcollation::text, c.collnamespace, c.collowner FROM pg_collation c
           UNION ALL SELECT 'conversion', v.conname::text, v.connamespace, v.conowner FROM pg_conversion v
         )
         SELECT o.kind, o.object, path.nspname AS schema
           FROM objects o JOIN path ON path.oid = o.ns JOIN pg_roles r ON r.oid = o.owner
          WHERE NOT r.rolsuper
          ORDER BY 1, 2 LIMIT 5`,
        [target, control.requires ?? []],
      );
      if (hostile.length > 0) {
        const listed = hostile.map((h) => `${h.kind} ${h.object} in ${h.schema}`).join(', ');
        throw new Error(
          `will not install "${name}" as a superuser where objects of untrusted roles are on its search_path (${listed}); ` +
            'install it into a new schema instead',
        );
      }
      await client.query(
        `CREATE EXTENSION IF NOT EXISTS ${ident(name)}${control.schema ? '' : ` SCHEMA ${ident(target)}`}`,
      );
    } catch (error) {
      if (error instanceof pg.DatabaseError) throw toStatementError(error);
      // Our own refusals carry no code; a socket's errors (ECONNRESET...) mean the server went away.
      if (error instanceof Error && (error as NodeJS.ErrnoException).code === undefined) throw error;
      throw unavailable(`could not install ${name}`, error);
    } finally {
      await client.end().catch(() => {});
    }
  }

  async connectAsAdmin(database: string): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: connectionString(
        this.url,
        {
          application_name: ADMIN_APP,
          statement_timeout: String(this.limits.statementMs),
          lock_timeout: String(this.limits.lockTimeoutMs),
          options: '-c search_path=pg_catalog',
        },
        database,
      ),
    });
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (error) {
      throw unavailable(`could not connect to ${database} as the admin`, error);
    }
  }

  async grantStandInRoles(member: string, names: string[]): Promise<string[]> {
    await this.start();
    this.standInMembers.add(member);
    try {
      return await grantStandInRoles(this.admin, member, names);
    } catch (error) {
      throw unavailable('could not provide stand-in roles', error);
    }
  }

  // ---- internals ----

  /** Reads the server's facts, makes sure `dbreview_base` exists, sweeps once. */
  private start(): Promise<ServerInfo> {
    this.started ??= this.startOnce().catch((error: unknown) => {
      this.started = undefined;
      throw unavailable('the shadow server is unreachable', error);
    });
    return this.started;
  }

  private async startOnce(): Promise<ServerInfo> {
    const info = await this.serverInfo();
    await this.admin.query(
      `DO $$ BEGIN
         CREATE ROLE ${ident(BASE_ROLE)} NOLOGIN;
       EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
       END $$`,
    );
    await this.secureBaseRole();
    if (!info.superuser) await this.admin.query(`GRANT ${ident(BASE_ROLE)} TO ${ident(info.user)}`).catch(() => {});
    await this.sweep();
    return info;
  }

  /**
   * Every review role that clones a template is a member of `dbreview_base` and may SET ROLE to it,
   * so it must have no power at all: no attribute, no membership in any other role. Fixed when it
   * can be, else the provider refuses to start. (ALTER only when needed: a non-superuser admin may
   * not even write NOSUPERUSER, and concurrent starts would collide on the same catalog row.)
   */
  private async secureBaseRole(): Promise<void> {
    const check = async (): Promise<{ attributes: boolean; memberOf: string[] }> => {
      const { rows } = await this.admin.query<{ attributes: boolean; member_of: string[] }>(
        `SELECT (rolsuper OR rolcanlogin OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls) AS attributes,
                ARRAY(SELECT m.roleid::regrole::text FROM pg_auth_members m WHERE m.member = r.oid) AS member_of
           FROM pg_roles r WHERE rolname = $1`,
        [BASE_ROLE],
      );
      const row = rows[0];
      if (!row) throw new Error(`role ${BASE_ROLE} is missing`);
      return { attributes: row.attributes, memberOf: row.member_of };
    };
    let state = await check();
    if (!state.attributes && state.memberOf.length === 0) return;
    if (state.attributes) {
      await this.admin
        .query(`ALTER ROLE ${ident(BASE_ROLE)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`)
        .catch(() => {});
    }
    for (const role of state.memberOf) {
      await this.admin.query(`REVOKE ${role} FROM ${ident(BASE_ROLE)}`).catch(() => {});
    }
    state = await check();
    if (state.attributes || state.memberOf.length > 0) {
      throw new ShadowUnavailableError(
        `role ${BASE_ROLE} must be NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS and a member of no role; ` +
          `fix it as a superuser (member of: ${state.memberOf.join(', ') || 'none'})`,
      );
    }
  }

  private serverInfo(): Promise<ServerInfo> {
    this.info ??= this.admin
      .query<{ user: string; superuser: boolean; version: number }>(
        `SELECT current_user AS "user", r.rolsuper AS superuser, current_setting('server_version_num')::int AS version
           FROM pg_roles r WHERE r.rolname = current_user`,
      )
      .then(({ rows: [row] }) => {
        if (!row) throw new Error('could not read the admin role');
        if (row.version < 130000) throw new ShadowUnavailableError(`the shadow server must be PostgreSQL 13 or later (is ${row.version})`);
        return row;
      })
      .catch((error: unknown) => {
        this.info = undefined;
        throw error;
      });
    return this.info;
  }

  /** A login role of its own and a database it owns, cloned from `template` (template0 without). */
  private async openReview(info: ServerInfo, template: string | undefined): Promise<ServerShadowDatabase> {
    const name = throwawayName('r');
    const password = randomPassword();
    try {
      await this.createRole(info, name, password, template !== undefined);
      await this.admin.query(`CREATE DATABASE ${ident(name)} OWNER ${ident(name)} TEMPLATE ${ident(template ?? 'template0')}`);
    } catch (error) {
      await this.dropDatabase(name);
      await this.dropRole(name);
      throw unavailable(`could not create the review database`, error);
    }
    if (template) await this.touch(template);
    try {
      const db = await this.connect(info, name, name, password, this.limits.reviewMs, async () => {
        this.live.delete(db);
        await this.dropDatabase(name);
        await this.dropRole(name);
      });
      this.live.add(db);
      return db;
    } catch (error) {
      await this.dropDatabase(name);
      await this.dropRole(name);
      throw error;
    }
  }

  private async createRole(info: ServerInfo, name: string, password: string, base: boolean): Promise<void> {
    await this.admin.query(
      `CREATE ROLE ${ident(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT
         CONNECTION LIMIT 1 PASSWORD ${literal(await scramVerifier(password))}${base ? ` IN ROLE ${ident(BASE_ROLE)}` : ''}`,
    );
    // A non-superuser admin must be a member to own its databases, signal its backends and drop it.
    if (!info.superuser) await this.admin.query(`GRANT ${ident(name)} TO ${ident(info.user)}`);
  }

  private async connect(
    info: ServerInfo,
    role: string,
    name: string,
    password: string,
    reviewMs: number,
    release: () => Promise<void>,
  ): Promise<ServerShadowDatabase> {
    const serverTimeoutMs = this.limits.statementMs + SERVER_TIMEOUT_SLACK_MS;
    const client = new pg.Client({
      connectionString: connectionString(
        this.url,
        {
          user: role,
          password,
          application_name: SHADOW_APP,
          statement_timeout: String(serverTimeoutMs),
          lock_timeout: String(this.limits.lockTimeoutMs),
          // A backend whose client died notices within a second even while it runs a statement (PG 14+).
          ...(info.version >= 140000 ? { options: '-c client_connection_check_interval=1000' } : {}),
        },
        name,
      ),
      connectionTimeoutMillis: 10_000,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const pid = rows[0]?.pid;
      if (pid === undefined) throw new Error('no backend pid');
      return new ServerShadowDatabase({
        name,
        role,
        client,
        pid,
        serverVersion: info.version,
        statementMs: this.limits.statementMs,
        reviewMs,
        serverTimeoutMs,
        maxResultBytes: this.maxResultBytes,
        host: this,
        release,
      });
    } catch (error) {
      await client.end().catch(() => {});
      throw unavailable(`could not connect to the shadow database ${name} as ${role}`, error);
    }
  }

  /** The template for `base`, built once: in-process by a promise per name, across processes by an advisory lock. */
  private async template(base: BaseSchema): Promise<string> {
    const name = templateName(base.key);
    if (this.touched.has(name)) return name;
    let build = this.builds.get(name);
    if (!build) {
      build = this.ensureTemplate(name, base).finally(() => this.builds.delete(name));
      this.builds.set(name, build);
    }
    await build;
    return name;
  }

  private async ensureTemplate(name: string, base: BaseSchema): Promise<void> {
    const info = await this.start();
    try {
      if (await this.isReadyTemplate(name)) return;
      await this.withBuildLock(name, 'wait', async () => {
        if (await this.isReadyTemplate(name)) return;
        await this.dropDatabase(name); // a build that crashed halfway
        await this.buildTemplate(info, name, base);
      });
    } catch (error) {
      throw unavailable(`could not build the base schema template`, error);
    }
  }

  /**
   * Runs `fn` holding the advisory lock of template `name` on a connection of its own (not a pooled
   * one: builds of several keys at once must not starve the pool they use). With 'try', returns
   * false without running `fn` when another session holds the lock.
   */
  private async withBuildLock(name: string, mode: 'wait' | 'try', fn: () => Promise<void>): Promise<boolean> {
    const client = new pg.Client({ connectionString: connectionString(this.url, { application_name: ADMIN_APP }) });
    client.on('error', () => {});
    await client.connect();
    const [classId, objId] = advisoryKey(name);
    try {
      if (mode === 'wait') {
        await client.query('SELECT pg_advisory_lock($1, $2)', [classId, objId]);
      } else {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [classId, objId]);
        if (rows[0]?.ok !== true) return false;
      }
      await fn();
      return true;
    } finally {
      // Ending the session releases the lock.
      await client.end().catch(() => {});
    }
  }

  private async isReadyTemplate(name: string): Promise<boolean> {
    const { rows } = await this.admin.query<{ datistemplate: boolean }>(
      'SELECT datistemplate FROM pg_database WHERE datname = $1',
      [name],
    );
    return rows[0]?.datistemplate === true;
  }

  private async buildTemplate(info: ServerInfo, name: string, base: BaseSchema): Promise<void> {
    const builder = throwawayName('b');
    const password = randomPassword();
    try {
      await this.createRole(info, builder, password, false);
      await this.admin.query(`CREATE DATABASE ${ident(name)} OWNER ${ident(builder)} TEMPLATE template0`);
      await this.admin.query(`COMMENT ON DATABASE ${ident(name)} IS ${literal(templateNote(base.key, 0))}`);
      // The base's SQL is repository content too: it runs as the NOSUPERUSER builder, never as the admin.
      const db = await this.connect(info, builder, name, password, Number.POSITIVE_INFINITY, async () => {});
      try {
        await base.build(db);
      } finally {
        await db.close();
      }
      await this.handOver(name, builder);
      const now = Date.now();
      await this.admin.query(
        `ALTER DATABASE ${ident(name)} OWNER TO ${ident(info.user)};
         ALTER DATABASE ${ident(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false;
         COMMENT ON DATABASE ${ident(name)} IS ${literal(templateNote(base.key, now))}`,
      );
      this.built.add(name);
      this.touched.set(name, now);
    } catch (error) {
      await this.dropTemplate(name, { onlyIfUnlocked: false }).catch(() => false);
      throw error;
    } finally {
      await this.dropRole(builder);
    }
  }

  /** Gives everything the builder created in the template to `dbreview_base`, and nothing stays the builder's. */
  private async handOver(database: string, builder: string): Promise<void> {
    const client = new pg.Client({ connectionString: connectionString(this.url, { application_name: ADMIN_APP }, database) });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.query(`REASSIGN OWNED BY ${ident(builder)} TO ${ident(BASE_ROLE)}; DROP OWNED BY ${ident(builder)}`);
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** Records that a review cloned `template` now (at most every few minutes per process), for the idle sweep. */
  private async touch(template: string): Promise<void> {
    const now = Date.now();
    const last = this.touched.get(template);
    if (last !== undefined && now - last < TOUCH_EVERY_MS) return;
    this.touched.set(template, now);
    const { rows } = await this.admin.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [template],
    );
    const key = parseTemplateNote(rows[0]?.comment)?.key ?? '';
    await this.admin.query(`COMMENT ON DATABASE ${ident(template)} IS ${literal(templateNote(key, now))}`).catch(() => {});
  }

  /** DROP DATABASE IF EXISTS … WITH (FORCE); false when it failed. */
  private async dropDatabase(name: string): Promise<boolean> {
    try {
      await this.admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
      return true;
    } catch {
      return false;
    }
  }

  private async dropRole(name: string): Promise<void> {
    await this.admin.query(`DROP ROLE IF EXISTS ${ident(name)}`).catch(() => {});
    if (this.standInMembers.delete(name)) await dropUnusedStandInRoles(this.admin).catch(() => {});
  }

  /**
   * Drops a template. With `onlyIfUnlocked` (the sweep), only when no process holds its build lock,
   * so an unfinished template that another process is building right now is left alone.
   */
  private async dropTemplate(name: string, { onlyIfUnlocked }: { onlyIfUnlocked: boolean }): Promise<boolean> {
    const drop = async (): Promise<void> => {
      await this.admin.query(`ALTER DATABASE ${ident(name)} WITH IS_TEMPLATE false`).catch(() => {});
      await this.admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
      this.touched.delete(name);
      this.built.delete(name);
    };
    try {
      if (!onlyIfUnlocked) {
        await drop();
        return true;
      }
      return await this.withBuildLock(name, 'try', drop);
    } catch {
      return false;
    }
  }
}
