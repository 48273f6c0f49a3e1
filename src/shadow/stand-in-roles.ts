/**
 * A stand-in role is a role a shadow provider makes for a name the migrations use (a grantee, a
 * new owner, a policy's role, a role they create themselves): NOLOGIN, no other attribute, member
 * of no role. Its COMMENT ON ROLE marks it as db-review's: that is how a provider tells it from
 * the server's own roles, and only a superuser or a CREATEROLE role may write that comment, never
 * the role a review runs as.
 */
import { quoteIdentifier } from '../sql/names.ts';

export const STAND_IN_ROLE_NOTE = 'db-review stand-in role';

/** Longest role name PostgreSQL keeps (NAMEDATALEN - 1 bytes); it truncates longer ones. */
const MAX_NAME_BYTES = 63;

/** Names CREATE ROLE refuses. */
const RESERVED = new Set(['public', 'none']);

/**
 * The names a stand-in may be made for, each once: never `pg_…` (PostgreSQL's predefined roles,
 * some of which read the server's files or run programs) nor `dbreview_…` (the server provider's
 * own roles).
 */
export function standInCandidates(names: Iterable<string>): string[] {
  return [...new Set(names)].filter(
    (name) =>
      name !== '' &&
      Buffer.byteLength(name) <= MAX_NAME_BYTES &&
      !RESERVED.has(name) &&
      !name.startsWith('pg_') &&
      !name.startsWith('dbreview_'),
  );
}

/** A role that exists already, as `roleStatesQuery` reads it. */
export interface ExistingRole {
  name: string;
  /** Made by db-review (carries STAND_IN_ROLE_NOTE). */
  stand_in: boolean;
  /** No attribute beyond INHERIT, and a member of no role: membership in it gives nothing else. */
  inert: boolean;
}

/** The roles among the names in the text array `names` (an SQL expression), as ExistingRole rows. */
export function roleStatesQuery(names: string): string {
  return `SELECT r.rolname AS name,
                 coalesce(shobj_description(r.oid, 'pg_authid') = ${sqlLiteral(STAND_IN_ROLE_NOTE)}, false) AS stand_in,
                 NOT (r.rolsuper OR r.rolcanlogin OR r.rolcreatedb OR r.rolcreaterole OR r.rolreplication OR r.rolbypassrls)
                   AND NOT EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid) AS inert
            FROM pg_roles r WHERE r.rolname = ANY (${names})`;
}

/** CREATE ROLE … NOLOGIN and its mark, for names that passed `standInCandidates`. */
export function createStandInRoleSql(name: string): string {
  return `CREATE ROLE ${quoteIdentifier(name)} NOLOGIN; COMMENT ON ROLE ${quoteIdentifier(name)} IS ${sqlLiteral(STAND_IN_ROLE_NOTE)}`;
}


/** An E'' literal: read the same whatever standard_conforming_strings the migrations set. */
export function sqlLiteral(text: string): string {
  return `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** A text[] expression of the names, for `roleStatesQuery`. */
export function sqlTextArray(names: string[]): string {
  return `ARRAY[${names.map(sqlLiteral).join(', ')}]::text[]`;
}
