import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShadowStatementError, ShadowTimeoutError, ShadowUnavailableError } from '../../src/shadow/provider.ts';
import { createServerProvider, type ServerShadowProvider } from '../../src/shadow/server/index.ts';
import { parseThrowaway, templateName, templateNote } from '../../src/shadow/server/names.ts';
import { describeProviderContract } from './contract.ts';

const url = process.env.SHADOW_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Why the server in `url` cannot be used, or undefined when it answers as PostgreSQL within a
 * second. A server that answers but refuses us (wrong password, missing database) counts as
 * reachable: the suite then runs and fails, instead of passing quietly on a misconfiguration.
 */
async function probe(target: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: target, connectionTimeoutMillis: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    if (error instanceof pg.DatabaseError) return undefined;
    return `${new URL(target).host || 'the default host'}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await client.end().catch(() => {});
  }
}

const unreachable = await probe(url);

if (unreachable) {
  describe('server shadow provider', () => {
    it(`runs nothing: the shadow server is not reachable (${unreachable}); set SHADOW_DATABASE_URL or start PostgreSQL on 127.0.0.1:5432`, () => {
      expect(unreachable).toBeTruthy();
    });
  });
} else {
  // keepTemplates: false so that the contract's one-off base key leaves no template behind.
  describeProviderContract('server', async () => createServerProvider({ url, keepTemplates: false }));
  describeServerProvider();
}

function describeServerProvider(): void {
  describe('server shadow provider', () => {
    const admin = new pg.Client({ connectionString: url });
    const providers: ServerShadowProvider[] = [];
    const extraDatabases = new Set<string>();
    const extraRoles = new Set<string>();
    const make = (options: Partial<Parameters<typeof createServerProvider>[0]> = {}): ServerShadowProvider => {
      const provider = createServerProvider({ url, keepTemplates: false, ...options });
      providers.push(provider);
      return provider;
    };
    const databaseExists = async (name: string): Promise<boolean> =>
      (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
    const roleExists = async (name: string): Promise<boolean> =>
      (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;
    const unique = (): string => randomBytes(6).toString('hex');

    beforeAll(async () => {
      await admin.connect();
    });

    afterAll(async () => {
      await Promise.allSettled(providers.map((provider) => provider.dispose()));
      for (const name of extraDatabases) {
        await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} WITH IS_TEMPLATE false`).catch(() => {});
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      }
      for (const name of extraRoles) await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`);
      await admin.end();
    });

    it("runs the PR's SQL as a role that is no superuser and cannot reach outside its database", async () => {
      const db = await make().open();
      try {
        const { rows } = await db.query('SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user');
        expect(rows).toEqual([{ rolsuper: false, rolcreatedb: false, rolcreaterole: false }]);
        expect((await db.query('SELECT current_database() = current_user AS own')).rows).toEqual([{ own: true }]);
        for (const sql of [
          "COPY (SELECT 1) TO PROGRAM 'id'",
          "ALTER SYSTEM SET work_mem = '1GB'",
          'CREATE ROLE intruder SUPERUSER',
          'CREATE DATABASE intruder',
          "SELECT pg_read_file('/etc/passwd')",
        ]) {
          const error = await db.query(sql).catch((e: unknown) => e);
          expect(error, sql).toBeInstanceOf(ShadowStatementError);
          expect(error, sql).toMatchObject({ code: '42501' });
        }
        // The session's limits are set, and our own name shows in pg_stat_activity.
        const settings = await db.query(
          "SELECT current_setting('lock_timeout') AS lock, current_setting('application_name') AS app, current_setting('statement_timeout') <> '0' AS limited",
        );
        expect(settings.rows).toEqual([{ lock: '5s', app: 'db-review shadow', limited: true }]);
      } finally {
        await db.close();
      }
    });

    it('maps errors to 0-based positions with detail and hint, and runs text as one implicit transaction', async () => {
      const db = await make().open();
      try {
        const hinted = await db.query('SELECT 1;\nSELECT nothing_like_this(1)').catch((e: unknown) => e);
        expect(hinted).toMatchObject({ code: '42883', position: 17 });
        expect((hinted as ShadowStatementError).hint).toMatch(/explicit type casts/);
        await db.query('CREATE TABLE u (id int PRIMARY KEY); INSERT INTO u VALUES (1)');
        const detailed = await db.query('INSERT INTO u VALUES (1)').catch((e: unknown) => e);
        expect(detailed).toMatchObject({ code: '23505', detail: 'Key (id)=(1) already exists.' });
        // One simple query: an error rolls back the statements before it, as a migration runner would see.
        await expect(db.query('CREATE TABLE v (a int); SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
        expect((await db.query("SELECT to_regclass('v') IS NULL AS gone")).rows).toEqual([{ gone: true }]);
        await expect(db.query('CREATE TABLE w (a int); CREATE INDEX CONCURRENTLY ON w (a)')).rejects.toMatchObject({
          code: '25001',
        });
      } finally {
        await db.close();
      }
    });

    it('drops the review database and its role on close, also after a failed review, and when closed twice', async () => {
      const provider = make();
      const ok = await provider.open();
      await ok.query('CREATE TABLE t (a int)');
      expect(await databaseExists(ok.name)).toBe(true);
      await ok.close();
      await ok.close();
      expect(await databaseExists(ok.name)).toBe(false);
      expect(await roleExists(ok.name)).toBe(false);
      await expect(ok.query('SELECT 1')).rejects.toBeInstanceOf(ShadowUnavailableError);

      const failed = await provider.open();
      await failed.query('BEGIN; CREATE TABLE t (a int)');
      await expect(failed.query('ALTER TABLE missing ADD COLUMN b int')).rejects.toBeInstanceOf(ShadowStatementError);
      await failed.close(); // inside a failed transaction
      expect(await databaseExists(failed.name)).toBe(false);
      expect(await roleExists(failed.name)).toBe(false);

      // A session the PR's SQL killed itself is closed and dropped as well.
      const killed = await provider.open();
      await expect(killed.query('SELECT pg_terminate_backend(pg_backend_pid())')).rejects.toBeInstanceOf(
        ShadowUnavailableError,
      );
      await killed.close();
      expect(await databaseExists(killed.name)).toBe(false);
    });

    it('gives concurrent reviews their own databases and roles, which cannot touch each other', async () => {
      const provider = make();
      const [a, b] = await Promise.all([provider.open(), provider.open()]);
      try {
        expect(a.name).not.toBe(b.name);
        await a.query('CREATE TABLE only_a (x int)');
        expect((await b.query("SELECT to_regclass('only_a') IS NULL AS absent")).rows).toEqual([{ absent: true }]);
        const busy = b.query('SELECT pg_sleep(1.5)');
        await new Promise((resolve) => setTimeout(resolve, 200));
        // Another review's SQL text is hidden from this one, and its session cannot be signalled.
        const seen = await a.query(`SELECT query FROM pg_stat_activity WHERE pid = ${b.pid}`);
        expect(seen.rows).toEqual([{ query: '<insufficient privilege>' }]);
        await expect(a.query(`SELECT pg_terminate_backend(${b.pid})`)).rejects.toMatchObject({ code: '42501' });
        await expect(a.query(`DROP DATABASE ${b.name}`)).rejects.toMatchObject({ code: '42501' });
        await busy;
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('stops a statement past its limit by cancelling its backend, even when the PR turned statement_timeout off', async () => {
      const db = await make({ limits: { statementMs: 800 } }).open();
      await db.query('SET statement_timeout = 0');
      const started = Date.now();
      const error = await db.query('SELECT pg_sleep(20)').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShadowTimeoutError);
      expect(error).toMatchObject({ limitMs: 800 });
      // Well before the terminate fallback (2 s after the cancel): the cancel did it.
      expect(Date.now() - started).toBeLessThan(2_500);
      const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 OR datname = $2', [
        db.pid,
        db.name,
      ]);
      expect(rows).toEqual([{ n: 0 }]);
      expect(await databaseExists(db.name)).toBe(false);
      await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(ShadowUnavailableError);
    });

    it("stops the review once all its statements together used up the review's time", async () => {
      const db = await make({ limits: { statementMs: 5_000, reviewMs: 900 } }).open();
      await db.query('SELECT pg_sleep(0.5)');
      const error = await db.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShadowTimeoutError);
      expect(error).toMatchObject({ limitMs: 900 });
      expect(await databaseExists(db.name)).toBe(false);
    });

    it('stops a statement whose result would not fit in memory, and closes the database', async () => {
      const db = await make({ maxResultBytes: 1024 * 1024 }).open();
      expect((await db.query("SELECT repeat('x', 1000) AS x FROM generate_series(1, 500)")).rows).toHaveLength(500);
      const error = await db.query("SELECT repeat('x', 100000) FROM generate_series(1, 100000)").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShadowUnavailableError);
      expect((error as Error).message).toMatch(/passed 1048576 bytes/);
      expect(await databaseExists(db.name)).toBe(false);
    });

    it('builds a template once, reuses it across providers, and clones it with the base objects alterable', async () => {
      const key = `server-test-${unique()}`;
      let builds = 0;
      const base = {
        key,
        build: async (db: { query(sql: string): Promise<unknown> }) => {
          builds++;
          await db.query('CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY); INSERT INTO app.items VALUES (1)');
        },
      };
      const template = templateName(key);
      extraDatabases.add(template);
      // Two providers (two processes, as far as the server can tell) open the same uncached base at once.
      const first = make({ keepTemplates: true });
      const second = make({ keepTemplates: true });
      const opened = await Promise.all([first.open(base), first.open(base), second.open(base)]);
      expect(builds).toBe(1);
      for (const db of opened) await db.close();
      const { rows } = await admin.query(
        'SELECT datistemplate, datallowconn, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
        [template],
      );
      expect(rows).toEqual([{ datistemplate: true, datallowconn: false, owner: (await admin.query('SELECT current_user AS u')).rows[0].u }]);

      // A later provider finds it on the server, and the review may change what the base built.
      const later = make({ keepTemplates: true });
      const db = await later.open(base);
      try {
        expect(builds).toBe(1);
        await db.query('ALTER TABLE app.items ADD COLUMN name text; INSERT INTO app.items VALUES (2, $$b$$)');
        expect((await db.query('SELECT count(*)::int AS n FROM app.items')).rows).toEqual([{ n: 2 }]);
      } finally {
        await db.close();
      }
      await Promise.all([first.dispose(), second.dispose(), later.dispose()]);
      expect(await databaseExists(template)).toBe(true); // kept across restarts

      // keepTemplates: false drops the templates the provider built.
      const own = make({ keepTemplates: false });
      const ownBase = { key: `${key}-own`, build: async () => {} };
      extraDatabases.add(templateName(ownBase.key));
      await (await own.open(ownBase)).close();
      expect(await databaseExists(templateName(ownBase.key))).toBe(true);
      await own.dispose();
      expect(await databaseExists(templateName(ownBase.key))).toBe(false);
    });

    it('leaves nothing behind when the base build fails', async () => {
      const key = `server-test-broken-${unique()}`;
      const since = Date.now();
      extraDatabases.add(templateName(key));
      const provider = make();
      const error = await provider
        .open({ key, build: async (db) => void (await db.query('CREATE TABLE broken (')) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShadowStatementError);
      expect(await databaseExists(templateName(key))).toBe(false);
      // No builder role made since this test started is left (the name carries its creation time).
      const builders = await admin.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE 'dbreview\\_b\\_%'");
      const ours = builders.rows.filter(({ rolname }) => (parseThrowaway(rolname)?.createdAt ?? 0) >= since);
      expect(ours).toEqual([]);
    });

    it('sweeps leftovers of crashed runs and idle templates at start, and leaves live ones alone', async () => {
      const hex = (): string => randomBytes(5).toString('hex');
      const old = `dbreview_r_${(Date.now() - 2 * 3_600_000).toString(36)}_${hex()}`;
      const fresh = `dbreview_r_${Date.now().toString(36)}_${hex()}`;
      const oldBuilder = `dbreview_b_${(Date.now() - 2 * 3_600_000).toString(36)}_${hex()}`;
      const idle = templateName(`sweep-idle-${unique()}`);
      const used = templateName(`sweep-used-${unique()}`);
      const halfBuilt = templateName(`sweep-half-${unique()}`);
      for (const name of [old, fresh, idle, used, halfBuilt]) extraDatabases.add(name);
      for (const name of [old, fresh, oldBuilder]) extraRoles.add(name);
      const id = pg.escapeIdentifier;
      for (const role of [old, fresh, oldBuilder]) await admin.query(`CREATE ROLE ${id(role)} LOGIN`);
      await admin.query(`CREATE DATABASE ${id(old)} OWNER ${id(old)} TEMPLATE template0`);
      await admin.query(`CREATE DATABASE ${id(fresh)} OWNER ${id(fresh)} TEMPLATE template0`);
      for (const name of [idle, used, halfBuilt]) await admin.query(`CREATE DATABASE ${id(name)} TEMPLATE template0`);
      await admin.query(`COMMENT ON DATABASE ${id(idle)} IS ${pg.escapeLiteral(templateNote('idle', Date.now() - 2 * 86_400_000))}`);
      await admin.query(`COMMENT ON DATABASE ${id(used)} IS ${pg.escapeLiteral(templateNote('used', Date.now() - 3_600_000))}`);
      await admin.query(`ALTER DATABASE ${id(idle)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
      await admin.query(`ALTER DATABASE ${id(used)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);

      const report = await make().sweep();
      expect(report.databases).toContain(old);
      expect(report.templates).toEqual(expect.arrayContaining([idle, halfBuilt]));
      expect(report.roles).toEqual(expect.arrayContaining([old, oldBuilder]));
      expect(await databaseExists(old)).toBe(false);
      expect(await roleExists(old)).toBe(false);
      expect(await roleExists(oldBuilder)).toBe(false);
      expect(await databaseExists(idle)).toBe(false);
      expect(await databaseExists(halfBuilt)).toBe(false);
      expect(await databaseExists(fresh)).toBe(true);
      expect(await databaseExists(used)).toBe(true);
    });

    it('installs an allowlisted extension with the admin connection, and nothing else', async () => {
      const db = await make({ extensions: ['pg_buffercache', 'pg_visibility', 'pg_freespacemap'] }).open();
      try {
        await expect(db.query('CREATE EXTENSION pg_buffercache')).rejects.toMatchObject({ code: '42501' });
        await db.installExtension('pg_buffercache');
        await db.installExtension('pg_buffercache'); // IF NOT EXISTS
        expect((await db.query("SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'pg_buffercache'")).rows).toEqual([
          { n: 1 },
        ]);
        // Settings the PR put on its database do not reach the admin's session.
        await db.query(`ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
        await db.installExtension('pg_visibility');
        await expect(db.installExtension('dblink')).rejects.toThrow(/allowlist/);
        await expect(db.installExtension('pg_buffercache; DROP DATABASE postgres')).rejects.toThrow(/plain extension name/);
        await expect(db.installExtension('pg_buffercache', { schema: 'x"y' })).rejects.toThrow(/plain schema name/);
        // A function the PR planted where the script (run as a superuser) would look: refused there...
        await db.query('CREATE FUNCTION public.pg_freespace(regclass) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$');
        await expect(db.installExtension('pg_freespacemap')).rejects.toThrow(/untrusted roles.*pg_freespace\(regclass\) in public/);
        // ...but fine in a new schema, which the admin owns and the PR cannot write to.
        await db.installExtension('pg_freespacemap', { schema: 'ext' });
        expect((await db.query("SELECT extnamespace::regnamespace::text AS s FROM pg_extension WHERE extname = 'pg_freespacemap'")).rows).toEqual([
          { s: 'ext' },
        ]);
        await expect(db.query('CREATE TABLE ext.mine (a int)')).rejects.toMatchObject({ code: '42501' });
      } finally {
        await db.close();
      }
    });

    it('takes any power away from dbreview_base, which every review may SET ROLE to', async () => {
      await make().sweep(); // makes sure the role exists
      await admin.query('GRANT pg_execute_server_program TO dbreview_base');
      try {
        const key = `server-test-power-${unique()}`;
        extraDatabases.add(templateName(key));
        const db = await make().open({ key, build: async () => {} });
        try {
          await expect(db.query("SET ROLE dbreview_base; COPY (SELECT 1) TO PROGRAM 'id'")).rejects.toMatchObject({
            code: '42501',
          });
        } finally {
          await db.close();
        }
        const { rows } = await admin.query(
          "SELECT count(*)::int AS n FROM pg_auth_members WHERE member = 'dbreview_base'::regrole",
        );
        expect(rows).toEqual([{ n: 0 }]);
      } finally {
        await admin.query('REVOKE pg_execute_server_program FROM dbreview_base');
      }
    });

    it('works with an admin that may only create databases and roles', async () => {
      const role = `dbreview_test_admin_${unique()}`;
      extraRoles.add(role);
      await admin.query(`CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN CREATEDB CREATEROLE`);
      const limited = new URL(url);
      limited.username = role;
      limited.password = '';
      const provider = make({ url: limited.toString() });
      const key = `server-test-limited-${unique()}`;
      extraDatabases.add(templateName(key));
      const db = await provider.open({ key, build: async (b) => void (await b.query('CREATE TABLE base_t (id int)')) });
      try {
        await db.query('ALTER TABLE base_t ADD COLUMN b int');
        await expect(db.query('SELECT pg_sleep(10)', { timeoutMs: 300 })).rejects.toBeInstanceOf(ShadowTimeoutError);
        expect(await databaseExists(db.name)).toBe(false);
      } finally {
        await db.close();
        await provider.dispose();
      }
      expect(await databaseExists(templateName(key))).toBe(false);
    });
  });
}
