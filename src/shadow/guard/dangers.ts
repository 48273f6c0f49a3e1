/**
 * What the guard knows is dangerous on a shadow database, by name: server functions, relations,
 * settings and languages. Each entry carries the "why" half of the sentence a user reads.
 *
 * Two threat models decide the lists. On PGlite the SQL runs as a superuser inside a WebAssembly
 * sandbox with no host file system or network; on a real server it runs as a NOSUPERUSER login
 * role of the review's own on the operator's PostgreSQL. The guard is the first line on both, the
 * sandbox or the role the second. So the lists name what no migration needs and what reaches
 * beyond the throwaway database: the server's files, processes, network, configuration,
 * write-ahead log and other sessions.
 *
 * Not listed: pg_stat_activity and pg_stat_statements. PostgreSQL shows a session's SQL only to
 * its own role, and each review logs in as a role of its own (PGlite has one session), so they
 * leak nothing, while real migrations build monitoring views on them. Were reviews ever to share
 * a role, they would have to be refused here (with pg_stat_get_activity and friends).
 */

const READS_FILES = 'it reads files on the database server';
const WAL = "it acts on the database server's write-ahead log, which every database on it shares";
const CONFIG_FILES = "it reads the database server's configuration files";

/** Functions refused by exact (lower-case, unqualified) name. */
const FUNCTIONS = new Map<string, string>([
  ['pg_read_file', READS_FILES],
  ['pg_read_binary_file', READS_FILES],
  ['pg_stat_file', 'it inspects files on the database server'],
  ['pg_logdir_ls', "it lists the database server's log directory"],
  ['lo_import', 'it reads a file on the database server into a large object'],
  ['lo_export', 'it writes a large object to a file on the database server'],
  ['pg_terminate_backend', 'it ends other sessions on the database server'],
  ['pg_cancel_backend', 'it cancels the queries of other sessions on the database server'],
  ['pg_reload_conf', 'it makes the database server reload its configuration'],
  ['pg_rotate_logfile', "it rotates the database server's log file"],
  ['pg_rotate_logfile_old', "it rotates the database server's log file"],
  ['pg_promote', 'it promotes a standby database server to primary'],
  ['pg_log_backend_memory_contexts', "it writes other sessions' memory details into the database server's log"],
  ['pg_switch_wal', WAL],
  ['pg_switch_xlog', WAL],
  ['pg_create_restore_point', WAL],
  ['pg_backup_start', WAL],
  ['pg_backup_stop', WAL],
  ['pg_start_backup', WAL],
  ['pg_stop_backup', WAL],
  ['pg_wal_replay_pause', WAL],
  ['pg_wal_replay_resume', WAL],
  ['pg_log_standby_snapshot', WAL],
  [
    'pg_logical_emit_message',
    "it writes a message into the database server's write-ahead log, where every logical replication consumer of the server reads it",
  ],
  ['pg_show_all_file_settings', CONFIG_FILES],
  ['pg_hba_file_rules', CONFIG_FILES],
  ['pg_ident_file_mappings', CONFIG_FILES],
]);

/** Functions refused by the start of their name: whole families, including future members. */
const FUNCTION_PREFIXES: [string, string][] = [
  ['pg_ls_', 'it lists directories on the database server'],
  ['pg_file_', 'it writes, renames or deletes files on the database server (adminpack)'],
  ['dblink', 'it connects from the database server to other databases (dblink)'],
  ['postgres_fdw_', "it manages postgres_fdw's connections from the database server to other servers"],
  ['pg_logical_slot_', "it reads the changes of every database on the server from its write-ahead log"],
  ['pg_replication_origin_', 'it changes replication state that the whole database server shares'],
];

const REPLICATION_SLOTS = 'it manages replication slots, which the whole database server shares and which hold back its write-ahead log';

/** Why calling the function is refused, or undefined when it is not a dangerous server function. */
export function dangerousFunction(name: string): string | undefined {
  const lower = name.toLowerCase();
  const exact = FUNCTIONS.get(lower);
  if (exact) return exact;
  for (const [prefix, why] of FUNCTION_PREFIXES) if (lower.startsWith(prefix)) return why;
  if (lower.startsWith('pg_') && lower.includes('replication_slot')) return REPLICATION_SLOTS;
  return undefined;
}

/**
 * Functions that run SQL given to them as text, and which of their arguments hold it (by position
 * and by name). A constant is parsed and checked like any statement; anything else is refused.
 * `connectby` (tablefunc) builds its query from names it pastes in unquoted, so each of its text
 * arguments is treated as a fragment of SQL.
 */
export const SQL_RUNNERS = new Map<string, { positions: number[]; names: string[] }>([
  ['query_to_xml', { positions: [0], names: ['query'] }],
  ['query_to_xmlschema', { positions: [0], names: ['query'] }],
  ['query_to_xml_and_xmlschema', { positions: [0], names: ['query'] }],
  ['ts_stat', { positions: [0], names: ['sqlquery'] }],
  ['crosstab', { positions: [0, 1], names: [] }],
  ['crosstab2', { positions: [0], names: [] }],
  ['crosstab3', { positions: [0], names: [] }],
  ['crosstab4', { positions: [0], names: [] }],
]);

/** tablefunc's connectby: every argument is pasted into its query. */
export const FRAGMENT_RUNNERS = new Set(['connectby']);

/** Relations (views) refused by name wherever they are read. */
const RELATIONS = new Map<string, string>([
  ['pg_file_settings', CONFIG_FILES],
  ['pg_hba_file_rules', CONFIG_FILES],
  ['pg_ident_file_mappings', CONFIG_FILES],
]);

export function dangerousRelation(name: string): string | undefined {
  return RELATIONS.get(name.toLowerCase());
}

const ROLE_SETTING = 'it changes the role the SQL runs as, which is what keeps it from harming the database server';
const LIBRARIES = 'it makes the database server load shared libraries';
const SAFETY = "it turns off one of the database server's own safety checks";

/**
 * Settings refused in SET, RESET, a function's SET clause and set_config(). Only these: real
 * migrations set lock_timeout, statement_timeout, search_path, session_replication_role and many
 * more, and those stay allowed. The rest can only be set by a superuser, i.e. on PGlite's sandbox.
 */
const SETTINGS = new Map<string, string>([
  ['role', ROLE_SETTING],
  ['session_authorization', ROLE_SETTING],
  ['session_preload_libraries', LIBRARIES],
  ['local_preload_libraries', LIBRARIES],
  ['shared_preload_libraries', LIBRARIES],
  ['dynamic_library_path', LIBRARIES],
  ['jit_provider', LIBRARIES],
  ['allow_system_table_mods', SAFETY],
  ['allow_in_place_tablespaces', SAFETY],
  ['lo_compat_privileges', SAFETY],
  ['zero_damaged_pages', SAFETY],
  ['ignore_checksum_failure', SAFETY],
  ['ignore_invalid_pages', SAFETY],
]);

export function dangerousSetting(name: string): string | undefined {
  return SETTINGS.get(name.toLowerCase());
}

export const CATALOG_NOT_FIRST =
  "with pg_catalog after another schema, the migration's own functions and operators would stand in for PostgreSQL's built-in ones, on which the shadow database's reads of what each statement did rely";

/**
 * Whether a search_path puts pg_catalog after another schema (PostgreSQL searches it first only
 * when the path does not name it). `entries` are the path's schema names; undefined when one is
 * not a constant.
 */
export function searchPathDemotesCatalog(entries: (string | undefined)[]): boolean {
  return entries.some((entry) => entry === undefined) || entries.indexOf('pg_catalog') > 0;
}

/** The schema names of a search_path written as one string (`'"$user", public'`). */
export function searchPathEntries(value: string): string[] {
  return value.split(',').map((entry) => entry.trim().replace(/^"(.*)"$/, '$1')).filter(Boolean);
}

/** How SET and RESET name a setting in SQL (ROLE, SESSION AUTHORIZATION), else the setting itself. */
export function settingInSql(name: string): string {
  const lower = name.toLowerCase();
  if (lower === 'role') return 'ROLE';
  if (lower === 'session_authorization') return 'SESSION AUTHORIZATION';
  return lower;
}

/**
 * Languages a function or DO block may be written in: SQL, PL/pgSQL, and the trusted procedural
 * languages, which by their own definition reach no file, program or network. A language
 * exists on the shadow only once its extension is installed, which the allowlist already
 * governs, so a language the operator allowlisted as an extension (say plpython3u) is allowed
 * too; c and internal never are, as they are not extensions.
 */
const TRUSTED_LANGUAGES = new Set(['sql', 'plpgsql', 'plperl', 'pltcl', 'plv8']);
const NATIVE_LANGUAGES = new Set(['c', 'internal']);

export function languageAllowed(language: string, extensions: ReadonlySet<string>): boolean {
  const lower = language.toLowerCase();
  if (NATIVE_LANGUAGES.has(lower)) return false;
  return TRUSTED_LANGUAGES.has(lower) || extensions.has(lower);
}

export function whyLanguageRefused(language: string): string {
  const lower = language.toLowerCase();
  if (lower === 'c') return 'it runs native code inside the database server';
  if (lower === 'internal') return "it binds SQL to any of the database server's built-in C functions, including those that read files";
  return "untrusted languages reach the database server's files, programs and network, and this one is not in the extension allowlist (shadow.extensions in the configuration)";
}

/** Extensions every database already has: `CREATE EXTENSION IF NOT EXISTS plpgsql` (pg_dump writes it) is a no-op. */
const BUILT_IN_EXTENSIONS = new Set(['plpgsql']);

export function extensionAllowed(name: string, extensions: ReadonlySet<string>): boolean {
  const lower = name.toLowerCase();
  return BUILT_IN_EXTENSIONS.has(lower) || extensions.has(lower);
}

/** Predefined roles (pg_read_server_files, pg_execute_server_program, pg_signal_backend, ...). */
export function isPredefinedRole(name: string): boolean {
  return name.toLowerCase().startsWith('pg_');
}
