import pg from 'pg';
import {
  STAND_IN_ROLE_NOTE,
  createStandInRoleSql,
  roleStatesQuery,
  standInCandidates,
  type ExistingRole,
} from '../stand-in-roles.ts';
import { quoteIdentifier } from '../../sql/names.ts';
import { advisoryKey } from './names.ts';

/**
 * Stand-in roles on the server, made and dropped by the admin connection only. Roles belong to the
 * whole server, so reviews running at the same time share them: the second review that needs
 * `authenticated` is handed the role the first one made. One advisory lock, held for a
 * transaction, serializes making, handing out and dropping them across processes, so a role is
 * never dropped between the moment a review finds it and the moment it becomes a member.
 *
 * Security. A review's role never gets CREATEROLE (on PostgreSQL 15 it could grant itself
 * pg_execute_server_program), so the admin makes the roles and grants them to it:
 * - only names `standInCandidates` accepts, so never a predefined `pg_…` role;
 * - only roles carrying db-review's mark, which the review's role cannot write; a role of the
 *   server's own (`postgres`, an application role) is never granted, as membership would hand over
 *   all of its powers: SQL naming it then meets PostgreSQL's own checks, as any other migration
 *   running without that membership would;
 * - only while the role is inert (no attribute, member of no role), so membership gives the review
 *   nothing but what the role owns in the review's own database;
 * - without ADMIN OPTION, so no review can revoke a shared role from another review or grant it on.
 */

/** Serializes stand-in role changes across processes (transaction-scoped). */
const ROLES_LOCK = advisoryKey('dbreview stand-in roles');

async function withRolesLock<T>(admin: pg.Pool, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await admin.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', ROLES_LOCK);
    const result = await run(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((lost: Error) => (broken = lost));
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * Makes the stand-in roles for `names` that do not exist yet and makes `member` (a review's or a
 * template build's login role) a member of every inert stand-in among them. Returns those.
 */
export async function grantStandInRoles(admin: pg.Pool, member: string, names: string[]): Promise<string[]> {
  const candidates = standInCandidates(names);
  if (candidates.length === 0) return [];
  return withRolesLock(admin, async (client) => {
    const { rows } = await client.query<ExistingRole>(roleStatesQuery('$1::text[]'), [candidates]);
    const existing = new Map(rows.map((row) => [row.name, row]));
    const granted: string[] = [];
    for (const name of candidates) {
      const role = existing.get(name);
      if (!role) await client.query(createStandInRoleSql(name));
      else if (!role.stand_in || !role.inert) continue;
      await client.query(`GRANT ${quoteIdentifier(name)} TO ${quoteIdentifier(member)}`);
      granted.push(name);
    }
    return granted;
  });
}

/**
 * Drops the stand-in roles no role is a member of any more (the admin aside, which PostgreSQL 16
 * makes a member of the roles it creates). One that a database still depends on (a template's
 * objects and grants, a review database not dropped yet) cannot be dropped and stays for a later
 * sweep. Returns the roles dropped.
 */
export async function dropUnusedStandInRoles(admin: pg.Pool): Promise<string[]> {
  return withRolesLock(admin, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT r.rolname AS name FROM pg_roles r
        WHERE shobj_description(r.oid, 'pg_authid') = $1
          AND NOT EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = r.oid AND m.member <> (SELECT oid FROM pg_roles WHERE rolname = current_user))
        ORDER BY 1`,
      [STAND_IN_ROLE_NOTE],
    );
    // A role some open transaction has just granted to (with no membership, by dynamic SQL) is
    // locked until it ends: give up on it rather than hold up every review waiting for the lock.
    await client.query(`SET LOCAL lock_timeout = '1s'`);
    const dropped: string[] = [];
    for (const { name } of rows) {
      await client.query('SAVEPOINT drop_stand_in');
      try {
        await client.query(`DROP ROLE ${quoteIdentifier(name)}`);
        dropped.push(name);
      } catch {
        await client.query('ROLLBACK TO SAVEPOINT drop_stand_in');
      }
    }
    return dropped;
  });
}

/** The schemas of its database a review's role may grant privileges on (its own, and those of roles it is a member of). */
export const GRANTABLE_SCHEMAS = `SELECT nspname FROM pg_namespace WHERE pg_has_role(nspowner, 'USAGE') ORDER BY 1`;

/**
 * CREATE on `schemas`, and on the schemas the review's role creates later, for stand-in roles: a
 * role that is no superuser may hand a table to another role only when that role may create in
 * the table's schema. The embedded shadow's superuser skips that check, as production's migration
 * role usually does; run by the review's own role, on its own database.
 */
export function schemaCreateGrants(schemas: string[], roles: string[]): string {
  const grantees = roles.map(quoteIdentifier).join(', ');
  const existing = schemas.length > 0 ? `GRANT CREATE ON SCHEMA ${schemas.map(quoteIdentifier).join(', ')} TO ${grantees}; ` : '';
  return `${existing}ALTER DEFAULT PRIVILEGES GRANT CREATE ON SCHEMAS TO ${grantees}`;
}
