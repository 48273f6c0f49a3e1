import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/index.ts';
import type { ParsedMigration } from '../../src/lint/engine.ts';
import { reviewSource } from '../../src/pipeline.ts';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { refuseStatement } from '../../src/shadow/guard.ts';
import { DEFAULT_LIMITS, type ShadowProvider } from '../../src/shadow/provider.ts';
import { runShadow } from '../../src/shadow/run.ts';
import { createServerProvider, type ServerShadowProvider } from '../../src/shadow/server/index.ts';
import { STAND_IN_ROLE_NOTE } from '../../src/shadow/stand-in-roles.ts';
import type { ShadowTrace } from '../../src/shadow/trace-types.ts';
import { directorySource } from '../../src/source/directory.ts';
import { loadParser } from '../../src/sql/libpg.ts';
import { migration, parsed } from '../helpers/lint.ts';
import { SERVER_URL, serverReachable } from '../helpers/postgres.ts';

beforeAll(loadParser);

const USERS = 'CREATE TABLE users (id bigint PRIMARY KEY, email text);';
/** Roles belong to the whole server: names of this run's own where a test looks at what is left. */
const unique = (prefix: string): string => `${prefix}_${randomBytes(4).toString('hex')}`;

function trace(provider: ShadowProvider, migrations: ParsedMigration[]): Promise<ShadowTrace> {
  return runShadow(migrations, { provider, limits: DEFAULT_LIMITS, refuse: (s) => refuseStatement(s, { extensions: [] })?.reason });
}

/** Each reviewed statement: PostgreSQL's error, the reason it was skipped, or 'ran'. */
function outcomes(result: ShadowTrace): string[] {
  return result.migrations.flatMap((m) => m.statements.map((s) => s.error?.message ?? s.skipped?.reason ?? 'ran'));
}

const reviewed = (id: string, sql: string): ParsedMigration => parsed(migration(id, sql), true);
const applied = (id: string, sql: string): ParsedMigration => parsed(migration(id, sql), false);

function describeRolesOnShadow(name: string, makeProvider: () => ShadowProvider): void {
  describe(`roles on the ${name} shadow`, () => {
    let provider: ShadowProvider;
    beforeAll(() => {
      provider = makeProvider();
    });
    afterAll(() => provider.dispose());

    it("runs a migration's own CREATE ROLE, and the GRANT to it", async () => {
      const role = unique('app_reader');
      const result = await trace(provider, [
        reviewed('001', USERS),
        reviewed('002', `CREATE ROLE ${role} NOLOGIN;\nGRANT SELECT ON users TO ${role};\nALTER TABLE users OWNER TO ${role};\nALTER TABLE users ADD COLUMN name text;`),
      ]);
      expect(outcomes(result)).toEqual(['ran', 'ran', 'ran', 'ran', 'ran']);
      expect(result.migrations[1]!.statements[0]!.locks).toEqual([]);
      expect(result.standInRoles).toEqual([]);
    });

    it('stands in for a role no migration creates, and says so', async () => {
      const result = await trace(provider, [reviewed('001', `${USERS}\nALTER TABLE users OWNER TO app_owner;\nALTER TABLE users ADD COLUMN name text;`)]);
      expect(outcomes(result)).toEqual(['ran', 'ran', 'ran']);
      expect(result.standInRoles).toEqual(['app_owner']);
    });

    it('runs Supabase-style grants and policies to roles the platform makes', async () => {
      const result = await trace(provider, [
        reviewed(
          '001',
          `${USERS}
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON users TO anon, authenticated;
GRANT ALL ON users TO service_role;
CREATE POLICY "own rows" ON users FOR SELECT TO authenticated USING (true);
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO anon;
CREATE SCHEMA private AUTHORIZATION service_role;`,
        ),
      ]);
      expect(outcomes(result).every((o) => o === 'ran')).toBe(true);
      expect(result.standInRoles).toEqual(['anon', 'authenticated', 'service_role']);
    });

    it('applies a base that refers to missing roles, and the review may alter what the base handed to them', async () => {
      const owner = unique('base_owner');
      const result = await trace(provider, [
        applied('001', `${USERS}\nALTER TABLE users OWNER TO ${owner};\nGRANT SELECT ON users TO anon;`),
        applied('002', `CREATE ROLE ${owner}_reader NOLOGIN;`),
        reviewed('003', `ALTER TABLE users ADD COLUMN name text;\nGRANT SELECT ON users TO ${owner}_reader;`),
      ]);
      expect(result.base.failures).toEqual([]);
      expect(outcomes(result)).toEqual(['ran', 'ran']);
      expect(result.standInRoles).toEqual([]);
    });

    it('runs memberships between roles the migrations make, and an IF NOT EXISTS role in a DO block', async () => {
      const [group, member, guarded] = [unique('app_group'), unique('app_member'), unique('app_guarded')];
      const result = await trace(provider, [
        reviewed(
          '001',
          `CREATE ROLE ${group} NOLOGIN;
CREATE GROUP ${member};
GRANT ${group} TO ${member};
REVOKE ${group} FROM ${member};
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${guarded}') THEN CREATE ROLE ${guarded} NOLOGIN; END IF;
END $$;
GRANT ${group} TO ${guarded};`,
        ),
      ]);
      expect(outcomes(result).every((o) => o === 'ran')).toBe(true);
      expect(result.standInRoles).toEqual([]);
    });

    it('fails a second CREATE of the same role, as production would', async () => {
      const role = unique('twice');
      const result = await trace(provider, [reviewed('001', `CREATE ROLE ${role} NOLOGIN;`), reviewed('002', `CREATE ROLE ${role} NOLOGIN;`)]);
      const [first, second] = result.migrations.map((m) => m.statements[0]!);
      expect(first!.error).toBeUndefined();
      expect(second!.error?.message).toMatch(/already exists|permission denied to create role/);
    });

    it('still refuses a role with powers, one that can log in, and one that joins a predefined role', async () => {
      const result = await trace(provider, [
        reviewed('001', 'CREATE ROLE evil SUPERUSER;\nCREATE USER intruder;\nCREATE ROLE reader IN ROLE pg_read_server_files;'),
      ]);
      expect(result.migrations[0]!.statements.map((s) => s.skipped?.reason)).toEqual(['refused', 'refused', 'refused']);
      expect(result.standInRoles).toEqual([]);
    });
  });
}

describeRolesOnShadow('embedded', () => createEmbeddedProvider());

describe('a Supabase project reviewed end to end', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'db-review-roles-'));
  const provider = createEmbeddedProvider();
  afterAll(async () => {
    await provider.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports no shadow failure for the platform roles and names them as stand-ins', async () => {
    mkdirSync(path.join(dir, 'supabase/migrations'), { recursive: true });
    writeFileSync(
      path.join(dir, 'supabase/migrations/20240101000000_profiles.sql'),
      `CREATE TABLE public.profiles (id uuid PRIMARY KEY, name text);
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON TABLE public.profiles TO anon, authenticated;
GRANT ALL ON TABLE public.profiles TO service_role;
CREATE POLICY "profiles are public" ON public.profiles FOR SELECT TO anon, authenticated USING (true);
`,
    );
    const result = await reviewSource(directorySource(dir, ['.']), DEFAULT_CONFIG, { shadow: provider });
    expect(result.framework).toBe('supabase');
    expect(result.review.findings.filter((f) => f.rule === 'shadow-failed' || f.rule === 'shadow-refused')).toEqual([]);
    expect(result.notes).toContain(
      'stand-in roles on the shadow database (no migration creates them): anon, authenticated, service_role; made as NOLOGIN roles so that grants, policies and ownership changes naming them run',
    );
  });
});

const reachable = await serverReachable();

if (reachable) {
  describeRolesOnShadow('server', () => createServerProvider({ url: SERVER_URL, keepTemplates: false }));
  describeServerRoles();
} else {
  describe('roles on the server shadow', () => {
    it(`runs nothing: no PostgreSQL at ${SERVER_URL}`, () => {
      expect(reachable).toBe(false);
    });
  });
}

function describeServerRoles(): void {
  describe('stand-in roles on a shared server', () => {
    const admin = new pg.Client({ connectionString: SERVER_URL });
    const providers: ServerShadowProvider[] = [];
    const extraRoles = new Set<string>();
    const make = (): ServerShadowProvider => {
      const provider = createServerProvider({ url: SERVER_URL, keepTemplates: false });
      providers.push(provider);
      return provider;
    };
    const roleExists = async (name: string): Promise<boolean> =>
      (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;
    const memberships = async (member: string): Promise<string[]> =>
      (
        await admin.query<{ role: string }>(
          'SELECT m.roleid::regrole::text AS role FROM pg_auth_members m WHERE m.member = $1::regrole ORDER BY 1',
          [member],
        )
      ).rows.map((row) => row.role);

    beforeAll(async () => {
      await admin.connect();
    });
    afterAll(async () => {
      await Promise.allSettled(providers.map((provider) => provider.dispose()));
      for (const name of extraRoles) await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`);
      await admin.end();
    });

    it('shares a stand-in between concurrent reviews, and drops it once both are closed', async () => {
      const role = unique('authenticated');
      const sql = `${USERS}\nGRANT SELECT ON users TO ${role};\nCREATE POLICY own ON users TO ${role} USING (true);\nALTER TABLE users OWNER TO ${role};`;
      // Two providers: two processes reviewing two pull requests at once.
      const [first, second] = [make(), make()];
      const results = await Promise.all([trace(first, [reviewed('001', sql)]), trace(second, [reviewed('001', sql)])]);
      for (const result of results) {
        expect(outcomes(result)).toEqual(['ran', 'ran', 'ran', 'ran']);
        expect(result.standInRoles).toEqual([role]);
      }
      await first.sweep();
      expect(await roleExists(role)).toBe(false);
    });

    it('keeps a stand-in while another review still uses it', async () => {
      const role = unique('authenticated');
      const provider = make();
      const [first, second] = await Promise.all([provider.open(), provider.open()]);
      expect(await Promise.all([first.ensureStandInRoles([role]), second.ensureStandInRoles([role])])).toEqual([[role], [role]]);
      await first.query(`CREATE TABLE t (id int); ALTER TABLE t OWNER TO ${role}`);
      await first.close();
      expect(await roleExists(role)).toBe(true);
      await second.query(`CREATE TABLE t (id int); ALTER TABLE t OWNER TO ${role}`);
      await second.close();
      await provider.sweep();
      expect(await roleExists(role)).toBe(false);
    });

    it("never makes the review's role a member of a role db-review did not make, or of one with powers", async () => {
      const foreign = unique('app_real');
      const powerful = unique('marked_powerful');
      extraRoles.add(foreign).add(powerful);
      const db = await make().open();
      await admin.query(`CREATE ROLE ${foreign} NOLOGIN`);
      // Marked as a stand-in, but not inert (made after the provider's start, whose sweep would drop it): not handed out.
      await admin.query(`CREATE ROLE ${powerful} NOLOGIN CREATEDB; COMMENT ON ROLE ${powerful} IS '${STAND_IN_ROLE_NOTE}'`);
      try {
        const asked = ['postgres', 'pg_monitor', 'pg_read_server_files', 'pg_execute_server_program', 'dbreview_base', foreign, powerful];
        expect(await db.ensureStandInRoles(asked)).toEqual([]);
        expect(await memberships(db.name)).toEqual([]);
        await db.query('CREATE TABLE t (id int)');
        await expect(db.query('ALTER TABLE t OWNER TO postgres')).rejects.toThrow(/must be (member of|able to SET ROLE)/);
        await db.query(`GRANT SELECT ON t TO ${foreign}`);
        expect(await memberships(db.name)).toEqual([]);
      } finally {
        await db.close();
      }
    });

    it('leaves the server roles a migration names alone, and grants nothing of theirs', async () => {
      const provider = make();
      const result = await trace(provider, [reviewed('001', `${USERS}\nGRANT SELECT ON users TO postgres;\nALTER TABLE users OWNER TO postgres;`)]);
      expect(outcomes(result)).toEqual(['ran', 'ran', expect.stringMatching(/must be (member of|able to SET ROLE)/)]);
      expect(result.standInRoles).toEqual([]);
    });

    it('sweeps stand-in roles of crashed runs that nothing uses', async () => {
      const leftover = unique('leftover');
      extraRoles.add(leftover);
      await admin.query(`CREATE ROLE ${leftover} NOLOGIN; COMMENT ON ROLE ${leftover} IS '${STAND_IN_ROLE_NOTE}'`);
      const report = await make().sweep();
      expect(report.roles).toContain(leftover);
      expect(await roleExists(leftover)).toBe(false);
    });
  });
}
