import type { Statement } from '../sql/statement.ts';
import { checkStatement } from './guard/walk.ts';

/**
 * Refuses hostile SQL from its parse tree, before anything executes on the shadow database.
 *
 * Pull-request SQL is hostile, from forks too. It runs on one of two shadows: PGlite, a
 * superuser inside a WebAssembly sandbox that reaches no host file or network; or a throwaway
 * database on the operator's server, as a NOSUPERUSER login role of the review's own. The guard
 * is the first line on both, the sandbox or the role the second; it refuses what reaches beyond
 * the throwaway database (the server's files, programs, network, configuration, write-ahead
 * log, roles, other databases and other sessions) and lets everything else run, because a
 * refused statement is an error finding and real migrations must keep running.
 *
 * The whole tree is searched, so a call hidden in a view, a default, a CHECK, a policy, a rule,
 * an index expression or a function's SET clause is found; so is SQL in the bodies of LANGUAGE
 * sql and PL/pgSQL functions and DO blocks, and in constant strings run by EXECUTE.
 *
 * Decisions:
 * - Roles: CREATE ROLE / USER / GROUP is allowed unless it can log in (CREATE USER can by
 *   default) or carries SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS, or joins a
 *   predefined pg_* role. Migrations create application roles and then GRANT to them; refusing
 *   the CREATE would make every later GRANT fail on the shadow. A role that cannot log in and
 *   holds no server-wide power is inert; the provider makes it as a stand-in role instead of
 *   running the statement (migration-roles.ts). GRANT role TO is allowed except for
 *   predefined roles. ALTER ROLE (a password, VALID UNTIL or CONNECTION LIMIT on the review's
 *   own role would lock the shadow out), ALTER ROLE ... SET (kept for later sessions), ALTER
 *   ROLE RENAME / OWNER, DROP ROLE and REASSIGN OWNED are refused: roles are the server's, not
 *   the database's.
 * - SET ROLE, SET SESSION AUTHORIZATION, RESET of either, in any form (LOCAL, in a function's
 *   SET clause, set_config('role', ...), UPDATE pg_settings ... WHERE name = 'role', a view of
 *   pg_settings) and DISCARD ALL are refused: a server provider that connects as one role and
 *   SET ROLEs to the unprivileged one is undone by them. set_config() with a name only known at
 *   run time is refused too, unless it starts with a dotted prefix (a custom setting such as
 *   'request.jwt.claim.' || key, which Supabase-style code uses).
 * - Settings: only role and library/safety settings are refused; statement_timeout,
 *   lock_timeout and the rest stay allowed (real migrations set statement_timeout = 0), so a
 *   provider must enforce its own time limit rather than trust statement_timeout.
 * - Extensions: CREATE EXTENSION and ALTER EXTENSION ... UPDATE only for names on the
 *   allowlist (case-insensitive), plus plpgsql, which every database already has and pg_dump
 *   writes. CASCADE is allowed: what an allowlisted extension requires is part of it.
 * - Languages: sql, plpgsql and the trusted plperl, pltcl and plv8, plus any language the
 *   operator allowlisted as an extension; c and internal never (internal binds SQL to any
 *   built-in C function). CREATE LANGUAGE with a handler is refused (without one it is CREATE
 *   EXTENSION). CREATE TRANSFORM and CREATE CAST are allowed: they can only name existing
 *   functions, and a dangerous one named there is refused, as in CREATE OPERATOR / AGGREGATE.
 * - Dynamic SQL: EXECUTE of a non-constant string is allowed (see routines.ts).
 * - Functions that run text as SQL (query_to_xml and friends, ts_stat, tablefunc's crosstab):
 *   a constant argument is parsed and checked, anything else is refused; cursor_to_xml reads a
 *   cursor whose query was already checked, and is allowed. There is no built-in query_to_json.
 * - pg_logical_emit_message is refused (it writes into the server's WAL, read by every logical
 *   replication consumer); so are replication slots and origins, WAL and backup control.
 * - pg_stat_activity and pg_stat_statements are allowed: PostgreSQL shows a session's SQL only
 *   to its own role and each review logs in as its own (see dangers.ts). pg_file_settings,
 *   pg_hba_file_rules and pg_ident_file_mappings, which read the server's configuration files,
 *   are refused.
 * - Databases and tablespaces: CREATE / DROP / ALTER DATABASE (any form), GRANT ON DATABASE,
 *   and all tablespace DDL are refused: the throwaway database has another name, so they could
 *   only reach other databases. CHECKPOINT and VACUUM are allowed: not dangerous.
 * - Foreign data: CREATE / ALTER SERVER, FOREIGN DATA WRAPPER, USER MAPPING and IMPORT
 *   FOREIGN SCHEMA are refused; CREATE FOREIGN TABLE is allowed, as it reaches nothing without
 *   a server. CREATE / ALTER SUBSCRIPTION are refused (they connect out); publications are fine.
 * - pg_sleep, endless loops, huge generate_series and huge statements are not refused: the
 *   shadow's time and memory limits contain them.
 */
export interface Refusal {
  /** One sentence a user reads: what was refused and why. */
  reason: string;
}

/** Why the statement must not run on the shadow database, or undefined when it may. */
export function refuseStatement(statement: Statement, options: { extensions: string[] }): Refusal | undefined {
  const extensions = new Set(options.extensions.map((name) => name.toLowerCase()));
  const reason = checkStatement(statement.ast, statement.sql, { extensions, where: '', depth: 0 });
  return reason ? { reason } : undefined;
}
