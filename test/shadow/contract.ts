import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ShadowStatementError, ShadowTimeoutError, type ShadowProvider } from '../../src/shadow/provider.ts';

/**
 * The behaviour every shadow provider must show, run against each one: the embedded PGlite
 * always, the real server whenever it is reachable.
 */
export function describeProviderContract(name: string, makeProvider: () => Promise<ShadowProvider>): void {
  describe(`shadow provider contract: ${name}`, () => {
    let provider: ShadowProvider | undefined;
    const get = async (): Promise<ShadowProvider> => (provider ??= await makeProvider());
    afterAll(async () => provider?.dispose());

    it('opens an empty database that runs SQL and reports its version', async () => {
      const db = await (await get()).open();
      try {
        expect(db.serverVersion).toBeGreaterThanOrEqual(150000);
        const { rows } = await db.query('CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2); SELECT count(*)::int AS n FROM t');
        expect(rows).toEqual([{ n: 2 }]);
      } finally {
        await db.close();
      }
    });

    it("reports PostgreSQL's own error, SQLSTATE and position", async () => {
      const db = await (await get()).open();
      try {
        const error = await db.query('SELECT nope FROM pg_class').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ShadowStatementError);
        expect(error).toMatchObject({ message: 'column "nope" does not exist', code: '42703', position: 7 });
      } finally {
        await db.close();
      }
    });

    it('shows the locks our own session holds inside a transaction', async () => {
      const db = await (await get()).open();
      try {
        await db.query('CREATE TABLE t (id int PRIMARY KEY, a int)');
        await db.query('BEGIN');
        await db.query('ALTER TABLE t ADD COLUMN b int');
        const { rows } = await db.query(
          "SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = pg_backend_pid() AND c.relname = 't'",
        );
        expect(rows).toEqual([{ mode: 'AccessExclusiveLock' }]);
        await db.query('ROLLBACK');
      } finally {
        await db.close();
      }
    });

    it('stops a statement at its wall-clock limit, and the next review still opens', async () => {
      const db = await (await get()).open();
      const started = Date.now();
      const error = await db.query('SELECT pg_sleep(30)', { timeoutMs: 500 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShadowTimeoutError);
      expect(Date.now() - started).toBeLessThan(10_000);
      await db.close();
      const next = await (await get()).open();
      expect((await next.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await next.close();
    });

    it('builds a base schema once per key and gives every review its own copy', async () => {
      let builds = 0;
      const base = {
        key: `contract-${Date.now()}`,
        build: async (db: { query(sql: string): Promise<unknown> }) => {
          builds++;
          await db.query('CREATE TABLE base_t (id int); INSERT INTO base_t VALUES (1)');
        },
      };
      const first = await (await get()).open(base);
      await first.query('INSERT INTO base_t VALUES (2)');
      const second = await (await get()).open(base);
      try {
        expect(builds).toBe(1);
        expect((await second.query('SELECT count(*)::int AS n FROM base_t')).rows).toEqual([{ n: 1 }]);
        expect((await first.query('SELECT count(*)::int AS n FROM base_t')).rows).toEqual([{ n: 2 }]);
      } finally {
        await first.close();
        await second.close();
      }
    });

    it('makes stand-in roles the SQL may grant to, hand objects to and name in policies, and leaves real roles alone', async () => {
      // Roles belong to the whole server: a name of this run's own.
      const role = `contract_role_${randomBytes(4).toString('hex')}`;
      const db = await (await get()).open();
      try {
        expect(await db.ensureStandInRoles([role, role, 'postgres', 'pg_monitor', 'dbreview_base'])).toEqual([role]);
        await db.query(
          `CREATE TABLE t (id int); GRANT SELECT ON t TO ${role}; ALTER TABLE t ENABLE ROW LEVEL SECURITY; ` +
            `CREATE POLICY own ON t FOR SELECT TO ${role} USING (true); ALTER TABLE t OWNER TO ${role}; ` +
            `ALTER TABLE t ADD COLUMN a int; CREATE SCHEMA s AUTHORIZATION ${role}; CREATE TABLE s.u (id int); ` +
            `ALTER DEFAULT PRIVILEGES FOR ROLE ${role} GRANT SELECT ON TABLES TO ${role}`,
        );
        expect(await db.ensureStandInRoles([role])).toEqual([role]);
        const { rows } = await db.query(
          `SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = '${role}'`,
        );
        expect(rows).toEqual([{ rolcanlogin: false, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false, rolreplication: false }]);
      } finally {
        await db.close();
      }
    });

    it('can be closed twice', async () => {
      const db = await (await get()).open();
      await db.close();
      await expect(db.close()).resolves.toBeUndefined();
    });
  });
}
