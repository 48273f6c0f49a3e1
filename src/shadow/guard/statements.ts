import { refused, type GuardContext } from './context.ts';
import { dangerousSetting, extensionAllowed, isPredefinedRole } from './dangers.ts';
import { arr, booleanArg, constantString, defElems, lastName, obj } from './values.ts';

type Node = Record<string, unknown>;

export const SHELL = 'it runs a shell command on the database server';
export const SYSTEM_CONFIG = 'it changes the configuration of the whole database server';
export const LOADS_LIBRARY = 'it loads a shared library into the database server';
const FOREIGN_SERVER = 'a foreign server lets the database server connect to other servers';
const FDW = 'a foreign data wrapper reaches other servers, files or programs from the database server';
const USER_MAPPING = 'it stores credentials the database server uses to connect to other servers';
const SUBSCRIPTION = 'it connects from the database server to another server';
const OTHER_DATABASE = 'the migration runs in a throwaway database under another name, so this would reach other databases on the server';
const TABLESPACES = 'tablespaces belong to the whole database server, not the throwaway database';
const ROLES = 'roles belong to the whole database server, not the throwaway database, so the change would outlive the review';
const ALTER_ROLE =
  'roles belong to the whole database server, and changing one (its password, login, limits or powers) reaches beyond the throwaway database, even to the role the review runs as';
const ROLE_POWER = 'roles belong to the whole database server, and this attribute gives power over all of it';
const ROLE_LOGIN = 'roles belong to the whole database server, so a role that can log in would outlive the review as a way into the server';
const PREDEFINED_ROLE = 'predefined roles carry powers over the whole database server, such as reading its files or running programs';
const OBSERVATION =
  "the shadow database's own reads of what each statement did run as prepared statements in the same session, and this could replace them with lies";
const SYSTEM_CATALOG =
  'the system catalogs are where the shadow database reads what each statement did (locks, storage, columns), so writing them could hide a rewrite or a lock';
const NOT_ALLOWLISTED = "it is not in the shadow database's extension allowlist (shadow.extensions in the configuration)";

/** Attributes that give a role power over the whole server, with their SQL spelling. */
const ROLE_POWERS: [string, string][] = [
  ['superuser', 'SUPERUSER'],
  ['createdb', 'CREATEDB'],
  ['createrole', 'CREATEROLE'],
  ['isreplication', 'REPLICATION'],
  ['bypassrls', 'BYPASSRLS'],
];

const ROLE_WORDS: Record<string, string> = { ROLESTMT_ROLE: 'ROLE', ROLESTMT_USER: 'USER', ROLESTMT_GROUP: 'GROUP' };

/**
 * Statement kinds refused for what they are: COPY with a server file or program, server-wide
 * configuration, sessions' roles, roles, databases, tablespaces, foreign data, subscriptions,
 * extensions outside the allowlist and language handlers. Functions, DO blocks and calls are
 * checked elsewhere. Returns the reason, or undefined when this node is not refused.
 */
export function checkStatementNode(kind: string, node: Node, ctx: GuardContext): string | undefined {
  switch (kind) {
    case 'CopyStmt':
      return copy(node, ctx);
    case 'AlterSystemStmt':
      return refused('ALTER SYSTEM', SYSTEM_CONFIG, ctx);
    case 'LoadStmt':
      return refused('LOAD', LOADS_LIBRARY, ctx);
    case 'DiscardStmt':
      return node.target === 'DISCARD_ALL'
        ? refused('DISCARD ALL', 'it resets the session authorization, undoing the role the SQL runs as', ctx)
        : undefined;

    case 'CreateRoleStmt':
      return createRole(node, ctx);
    case 'AlterRoleStmt':
      return alterRole(node, ctx);
    case 'AlterRoleSetStmt':
      return refused(
        'ALTER ROLE ... SET',
        'role settings are kept by the whole database server, not the throwaway database',
        ctx,
      );
    case 'DropRoleStmt':
      return refused('DROP ROLE', ROLES, ctx);
    case 'GrantRoleStmt': {
      if (!node.is_grant) return undefined;
      const predefined = arr(node.granted_roles).map((r) => obj(obj(r)?.AccessPriv)?.priv_name).find((n) => typeof n === 'string' && isPredefinedRole(n));
      return typeof predefined === 'string' ? refused(`GRANT ${predefined}`, PREDEFINED_ROLE, ctx) : undefined;
    }
    case 'ReassignOwnedStmt':
      return refused('REASSIGN OWNED', 'it also hands over the databases and tablespaces the role owns on the whole database server', ctx);

    case 'CreatedbStmt':
      return refused('CREATE DATABASE', 'the migration runs in a throwaway database and may not create others on the database server', ctx);
    case 'DropdbStmt':
      return refused('DROP DATABASE', OTHER_DATABASE, ctx);
    case 'AlterDatabaseStmt':
    case 'AlterDatabaseRefreshCollStmt':
      return refused('ALTER DATABASE', OTHER_DATABASE, ctx);
    case 'AlterDatabaseSetStmt':
      return refused('ALTER DATABASE ... SET', OTHER_DATABASE, ctx);
    case 'GrantStmt':
      return grant(node, ctx);

    case 'CreateTableSpaceStmt':
      return refused('CREATE TABLESPACE', 'it makes the database server store data in a directory of its file system', ctx);
    case 'DropTableSpaceStmt':
      return refused('DROP TABLESPACE', TABLESPACES, ctx);
    case 'AlterTableSpaceOptionsStmt':
      return refused('ALTER TABLESPACE', TABLESPACES, ctx);

    case 'RenameStmt':
    case 'AlterOwnerStmt':
      return sharedObjectChange(kind, node, ctx);

    case 'CreateSubscriptionStmt':
      return refused('CREATE SUBSCRIPTION', SUBSCRIPTION, ctx);
    case 'AlterSubscriptionStmt':
      return refused('ALTER SUBSCRIPTION', SUBSCRIPTION, ctx);

    case 'CreateFdwStmt':
      return refused('CREATE FOREIGN DATA WRAPPER', FDW, ctx);
    case 'AlterFdwStmt':
      return refused('ALTER FOREIGN DATA WRAPPER', FDW, ctx);
    case 'CreateForeignServerStmt':
      return refused('CREATE SERVER', FOREIGN_SERVER, ctx);
    case 'AlterForeignServerStmt':
      return refused('ALTER SERVER', FOREIGN_SERVER, ctx);
    case 'CreateUserMappingStmt':
      return refused('CREATE USER MAPPING', USER_MAPPING, ctx);
    case 'AlterUserMappingStmt':
      return refused('ALTER USER MAPPING', USER_MAPPING, ctx);
    case 'ImportForeignSchemaStmt':
      return refused('IMPORT FOREIGN SCHEMA', 'it connects from the database server to a foreign server', ctx);

    case 'CreateExtensionStmt': {
      const name = String(node.extname ?? '');
      return extensionAllowed(name, ctx.extensions) ? undefined : refused(`CREATE EXTENSION ${name}`, NOT_ALLOWLISTED, ctx);
    }
    case 'AlterExtensionStmt': {
      const name = String(node.extname ?? '');
      return extensionAllowed(name, ctx.extensions) ? undefined : refused(`ALTER EXTENSION ${name} UPDATE`, NOT_ALLOWLISTED, ctx);
    }
    case 'PrepareStmt':
      return refused('PREPARE', OBSERVATION, ctx);
    case 'DeallocateStmt':
      return refused('DEALLOCATE', OBSERVATION, ctx);
    case 'InsertStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      return systemCatalogWrite(node, ctx);
    case 'UpdateStmt':
      return updateSettings(node, ctx) ?? systemCatalogWrite(node, ctx);
    case 'ViewStmt':
      return viewOfSettings(node, ctx);
    case 'CreatePLangStmt':
      return refused(`CREATE LANGUAGE ${String(node.plname ?? '')}`, 'a language handler is native code that runs inside the database server', ctx);
    default:
      return undefined;
  }
}

function copy(node: Node, ctx: GuardContext): string | undefined {
  const direction = node.is_from ? 'FROM' : 'TO';
  if (node.is_program) return refused(`COPY ${direction} PROGRAM`, SHELL, ctx);
  if (node.filename === undefined || node.filename === null) return undefined;
  return node.is_from
    ? refused('COPY FROM a server file', 'it reads a file on the database server (COPY FROM STDIN is fine)', ctx)
    : refused('COPY TO a server file', 'it writes a file on the database server (COPY TO STDOUT is fine)', ctx);
}

function createRole(node: Node, ctx: GuardContext): string | undefined {
  const word = ROLE_WORDS[String(node.stmt_type)] ?? 'ROLE';
  const options = defElems(node.options);
  for (const [defname, attribute] of ROLE_POWERS) {
    if (options.some((o) => o.defname === defname && booleanArg(o.arg) === true)) return refused(`CREATE ${word} with ${attribute}`, ROLE_POWER, ctx);
  }
  const login = options.find((o) => o.defname === 'canlogin');
  if (login ? booleanArg(login.arg) === true : word === 'USER') return refused(`CREATE ${word} with LOGIN`, ROLE_LOGIN, ctx);
  const inRole = options.find((o) => o.defname === 'addroleto');
  const predefined = inRole && predefinedRoleIn(obj(obj(inRole.arg)?.List)?.items);
  return predefined ? refused(`CREATE ${word} ... IN ROLE ${predefined}`, PREDEFINED_ROLE, ctx) : undefined;
}

/** ALTER GROUP ... ADD/DROP USER is a membership change (like GRANT role); any other ALTER ROLE is refused. */
function alterRole(node: Node, ctx: GuardContext): string | undefined {
  const options = defElems(node.options);
  const membershipOnly = options.length > 0 && options.every((o) => o.defname === 'rolemembers');
  if (!membershipOnly) return refused('ALTER ROLE', ALTER_ROLE, ctx);
  const group = obj(node.role)?.rolename;
  return node.action === 1 && typeof group === 'string' && isPredefinedRole(group) ? refused(`ALTER GROUP ${group} ADD USER`, PREDEFINED_ROLE, ctx) : undefined;
}

function predefinedRoleIn(roleSpecs: unknown): string | undefined {
  for (const spec of arr(roleSpecs)) {
    const name = obj(obj(spec)?.RoleSpec)?.rolename;
    if (typeof name === 'string' && isPredefinedRole(name)) return name;
  }
  return undefined;
}

function grant(node: Node, ctx: GuardContext): string | undefined {
  const verb = node.is_grant ? 'GRANT' : 'REVOKE';
  if (node.objtype === 'OBJECT_DATABASE') return refused(`${verb} ON DATABASE`, OTHER_DATABASE, ctx);
  if (node.objtype === 'OBJECT_PARAMETER_ACL') return refused(`${verb} ON PARAMETER`, 'privileges on settings apply to the whole database server', ctx);
  return undefined;
}

/** Renaming or handing over a role, database or tablespace: objects of the whole server. */
function sharedObjectChange(kind: string, node: Node, ctx: GuardContext): string | undefined {
  const type = kind === 'RenameStmt' ? node.renameType : node.objectType;
  const action = kind === 'RenameStmt' ? 'RENAME' : 'OWNER TO';
  if (type === 'OBJECT_ROLE') return refused(`ALTER ROLE ... ${action}`, ROLES, ctx);
  if (type === 'OBJECT_DATABASE') return refused(`ALTER DATABASE ... ${action}`, OTHER_DATABASE, ctx);
  if (type === 'OBJECT_TABLESPACE') return refused(`ALTER TABLESPACE ... ${action}`, TABLESPACES, ctx);
  return undefined;
}

const SETTINGS_VIEW = 'pg_settings';
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

/**
 * INSERT, UPDATE, DELETE or MERGE into a system catalog (`pg_class`, `pg_catalog.pg_attribute`),
 * which the embedded shadow's superuser could otherwise do. pg_settings is an updatable view with
 * rules of its own, checked by `updateSettings`.
 */
function systemCatalogWrite(node: Node, ctx: GuardContext): string | undefined {
  const relation = obj(node.relation);
  const schema = typeof relation?.schemaname === 'string' ? relation.schemaname.toLowerCase() : undefined;
  const name = String(relation?.relname ?? '').toLowerCase();
  if (name === SETTINGS_VIEW) return undefined;
  const system = schema ? SYSTEM_SCHEMAS.has(schema) : name.startsWith('pg_');
  return system ? refused(`Writing the system catalog ${schema ? `${schema}.` : ''}${name}`, SYSTEM_CATALOG, ctx) : undefined;
}

/**
 * pg_settings has a rule that turns `UPDATE pg_settings SET setting = ...` into set_config():
 * allowed only when the WHERE clause names the settings (`name = '...'`, `name IN (...)`) and
 * none of them is refused.
 */
function updateSettings(node: Node, ctx: GuardContext): string | undefined {
  if (String(obj(node.relation)?.relname ?? '').toLowerCase() !== SETTINGS_VIEW) return undefined;
  const names = pinnedNames(node.whereClause);
  if (!names) {
    return refused('UPDATE pg_settings', 'it changes settings through set_config(), and its WHERE clause does not name the ones it changes (the role the SQL runs as is one)', ctx);
  }
  for (const name of names) {
    const why = dangerousSetting(name);
    if (why) return refused(`UPDATE pg_settings of ${name.toLowerCase()}`, why, ctx);
  }
  return undefined;
}

/** The constant setting names of `name = 'x'` or `name IN ('x', 'y')`, else undefined. */
function pinnedNames(where: unknown): string[] | undefined {
  const expr = obj(obj(where)?.A_Expr);
  if (!expr || lastName(obj(obj(expr.lexpr)?.ColumnRef)?.fields)?.toLowerCase() !== 'name') return undefined;
  const values = expr.kind === 'AEXPR_OP' && lastName(expr.name) === '=' ? [expr.rexpr] : expr.kind === 'AEXPR_IN' ? arr(obj(obj(expr.rexpr)?.List)?.items) : undefined;
  const names = values?.map((value) => constantString(value));
  return names && names.length > 0 && names.every((n) => n !== undefined) ? (names as string[]) : undefined;
}

/** A view straight over pg_settings is updatable through its rule, so it is a way to set_config() too. */
function viewOfSettings(node: Node, ctx: GuardContext): string | undefined {
  const from = arr(obj(obj(node.query)?.SelectStmt)?.fromClause);
  const reads = from.some((item) => String(obj(obj(item)?.RangeVar)?.relname ?? '').toLowerCase() === SETTINGS_VIEW);
  return reads ? refused('A view of pg_settings', 'updating it changes settings, including the role the SQL runs as', ctx) : undefined;
}
