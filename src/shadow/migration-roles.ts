import type { ParsedMigration } from '../lint/engine.ts';
import { listOf, nodeOf, unwrap } from '../sql/ast.ts';
import type { Statement } from '../sql/statement.ts';
import type { ShadowDatabase } from './provider.ts';

/** The role names a set of statements uses. */
interface RoleNames {
  /** Made by a top-level CREATE ROLE / USER / GROUP. */
  created: Set<string>;
  /** Made by a CREATE ROLE inside a function or DO block (often under IF NOT EXISTS). */
  createdInBodies: Set<string>;
  /** Named anywhere else: grantees, new owners, policy roles, AUTHORIZATION, FOR ROLE, memberships. */
  named: Set<string>;
}

export interface MigrationRoles {
  /** Stand-in roles the migrations name but none of them (nor those applied before) creates, sorted. */
  standIns: string[];
  /** For TraceOptions.divert: carries out the role statements the shadow handles itself. */
  divert: (statement: Statement) => Promise<unknown> | undefined;
}

/**
 * Prepares the roles of `migrations`, about to be traced on `db` after `applied`: every role they
 * name, and every role the applied ones create or name (a cached base keeps its objects and grants,
 * but on a server the roles are the cluster's and may have been dropped since), is made to exist
 * as a stand-in up front, as stand-in tables are. A name the migrations create at top level is not:
 * their CREATE ROLE makes it when it runs (see `divert`), so SQL that uses it earlier fails as it
 * would in production.
 */
export async function prepareMigrationRoles(
  db: ShadowDatabase,
  migrations: { applied: ParsedMigration[]; traced: ParsedMigration[] },
  refuse: (statement: Statement) => string | undefined,
): Promise<MigrationRoles> {
  const applied = roleNames(migrations.applied, refuse);
  const traced = roleNames(migrations.traced, refuse);
  const usedNotCreated = [...traced.createdInBodies, ...traced.named].filter((name) => !traced.created.has(name));
  const standIns = new Set(await db.ensureStandInRoles([...applied.created, ...applied.createdInBodies, ...applied.named, ...usedNotCreated]));
  const createdAnywhere = new Set([...applied.created, ...applied.createdInBodies, ...traced.created, ...traced.createdInBodies]);
  return {
    standIns: [...traced.named].filter((name) => standIns.has(name) && !createdAnywhere.has(name)).sort(),
    divert: roleStatementDiverter(db, standIns, new Set(applied.created)),
  };
}

/**
 * The tracer's hook for role statements, which on the server the review's role may not run:
 * - CREATE ROLE / USER / GROUP (the guard lets through only inert ones) becomes a stand-in role,
 *   on both providers alike, its options (memberships, CONNECTION LIMIT…) left out. A second
 *   CREATE of the same role, or one of a role the server has of its own, is sent as written and
 *   fails as PostgreSQL decides.
 * - GRANT / REVOKE of a stand-in role, and ALTER GROUP of one, change nothing: memberships
 *   between stand-ins matter to no statement the shadow runs, and making them on the server
 *   would take ADMIN OPTION, with which one review could revoke a shared stand-in from another.
 */
function roleStatementDiverter(db: ShadowDatabase, standIns: Set<string>, created: Set<string>): MigrationRoles['divert'] {
  const createRole = async (statement: Statement, role: string): Promise<unknown> => {
    const [made] = await db.ensureStandInRoles([role]);
    if (made === undefined) return db.query(statement.sql);
    standIns.add(made);
    return undefined;
  };
  return (statement) => {
    const role = nodeOf<{ role?: string }>(statement, 'CreateRoleStmt')?.role;
    if (role !== undefined && !created.has(role)) {
      created.add(role);
      return createRole(statement, role);
    }
    const groups = membershipChangeOf(statement);
    if (groups?.every((group) => standIns.has(group))) return Promise.resolve();
    return undefined;
  };
}

/** The roles whose members a GRANT role / REVOKE role / ALTER GROUP … ADD|DROP USER changes. */
function membershipChangeOf(statement: Statement): string[] | undefined {
  const grant = nodeOf<{ granted_roles?: unknown[] }>(statement, 'GrantRoleStmt');
  if (grant) return listOf(grant.granted_roles).map((item) => unwrap<{ priv_name?: string }>(item, 'AccessPriv')?.priv_name ?? '');
  const alter = nodeOf<{ role?: { rolename?: string }; options?: unknown[] }>(statement, 'AlterRoleStmt');
  const options = listOf(alter?.options);
  const membersOnly = options.length > 0 && options.every((option) => unwrap<{ defname?: string }>(option, 'DefElem')?.defname === 'rolemembers');
  return alter?.role?.rolename !== undefined && membersOnly ? [alter.role.rolename] : undefined;
}

/** The role names in the statements that may run (refused ones never do), function and DO bodies included. */
function roleNames(migrations: ParsedMigration[], refuse: (statement: Statement) => string | undefined): RoleNames {
  const names: RoleNames = { created: new Set(), createdInBodies: new Set(), named: new Set() };
  for (const statement of migrations.flatMap((m) => m.statements)) {
    if (refuse(statement)) continue;
    const created = nodeOf<{ role?: string }>(statement, 'CreateRoleStmt')?.role;
    if (created !== undefined) (statement.embeddedIn ? names.createdInBodies : names.created).add(created);
    for (const group of membershipChangeOf(statement) ?? []) names.named.add(group);
    namedRoles(statement.ast, names.named);
  }
  return names;
}

/**
 * Every role named by a RoleSpec: PUBLIC, CURRENT_USER, SESSION_USER and CURRENT_ROLE are other
 * role types, not names. RoleSpecs sit in lists and bare (`newowner`, `authrole`), so every object
 * is looked at.
 */
function namedRoles(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) namedRoles(item, into);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const spec = node as { roletype?: unknown; rolename?: unknown };
  if (spec.roletype === 'ROLESPEC_CSTRING' && typeof spec.rolename === 'string') into.add(spec.rolename);
  for (const value of Object.values(node)) namedRoles(value, into);
}
