import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/index.ts';
import { refuseStatement } from '../../src/shadow/guard.ts';
import { loadParser } from '../../src/sql/libpg.ts';
import { parseSection } from '../../src/sql/parse.ts';
import type { Statement } from '../../src/sql/statement.ts';

const HOSTILE = path.resolve(import.meta.dirname, '../fixtures/hostile');
const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus');
const DEFAULTS = { extensions: DEFAULT_CONFIG.shadow.extensions };

beforeAll(async () => {
  await loadParser();
});

function parse(sql: string, file = 'migration.sql'): Statement[] {
  const parsed = parseSection({ sql, startLine: 1, startColumn: 1 }, file);
  expect(parsed.problems).toEqual([]);
  return parsed.statements;
}

/** Reasons for the statements of a migration as a runner sends them (embedded ones are part of their function or DO block). */
function refusals(sql: string, options = DEFAULTS): string[] {
  return parse(sql)
    .filter((s) => !s.embeddedIn)
    .flatMap((s) => refuseStatement(s, options)?.reason ?? []);
}

function reasonFor(sql: string, options = DEFAULTS): string | undefined {
  const statements = parse(sql).filter((s) => !s.embeddedIn);
  expect(statements).toHaveLength(1);
  return refuseStatement(statements[0]!, options)?.reason;
}

const ROLE = 'it changes the role the SQL runs as, which is what keeps it from harming the database server.';
const OTHER_DATABASE = 'the migration runs in a throwaway database under another name, so this would reach other databases on the server.';
const OBSERVATION =
  "the shadow database's own reads of what each statement did run as prepared statements in the same session, and this could replace them with lies.";
const CATALOG_NOT_FIRST =
  "with pg_catalog after another schema, the migration's own functions and operators would stand in for PostgreSQL's built-in ones, on which the shadow database's reads of what each statement did rely.";
const SYSTEM_CATALOG =
  'the system catalogs are where the shadow database reads what each statement did (locks, storage, columns), so writing them could hide a rewrite or a lock.';
const NOT_ALLOWLISTED = "it is not in the shadow database's extension allowlist (shadow.extensions in the configuration).";
const UNTRUSTED =
  "untrusted languages reach the database server's files, programs and network, and this one is not in the extension allowlist (shadow.extensions in the configuration).";
const READS_FILES = 'it reads files on the database server.';
const SHELL = 'it runs a shell command on the database server.';

/** Every file of test/fixtures/hostile: the exact refusal, or undefined when the guard lets it run (limits contain it). */
const HOSTILE_EXPECTED: Record<string, string | undefined> = {
  'alter-database-set.sql': `ALTER DATABASE ... SET is refused: ${OTHER_DATABASE}`,
  'alter-extension-update.sql': `ALTER EXTENSION postgres_fdw UPDATE is refused: ${NOT_ALLOWLISTED}`,
  'alter-role-password.sql':
    'ALTER ROLE is refused: roles belong to the whole database server, and changing one (its password, login, limits or powers) reaches beyond the throwaway database, even to the role the review runs as.',
  'alter-role-set.sql':
    'ALTER ROLE ... SET is refused: role settings are kept by the whole database server, not the throwaway database.',
  'alter-system.sql': 'ALTER SYSTEM is refused: it changes the configuration of the whole database server.',
  'copy-from-program.sql': `COPY FROM PROGRAM is refused: ${SHELL}`,
  'copy-from-server-file.sql': 'COPY FROM a server file is refused: it reads a file on the database server (COPY FROM STDIN is fine).',
  'copy-from-stdin.sql': undefined,
  'copy-to-program.sql': `COPY TO PROGRAM is refused: ${SHELL}`,
  'copy-to-server-file.sql': 'COPY TO a server file is refused: it writes a file on the database server (COPY TO STDOUT is fine).',
  'create-database.sql': 'CREATE DATABASE is refused: the migration runs in a throwaway database and may not create others on the database server.',
  'create-extension-not-allowlisted.sql': `CREATE EXTENSION dblink is refused: ${NOT_ALLOWLISTED}`,
  'create-foreign-data-wrapper.sql':
    'CREATE FOREIGN DATA WRAPPER is refused: a foreign data wrapper reaches other servers, files or programs from the database server.',
  'create-language-handler.sql': 'CREATE LANGUAGE plevil is refused: a language handler is native code that runs inside the database server.',
  'create-role-in-predefined-role.sql':
    'CREATE ROLE ... IN ROLE pg_read_server_files is refused: predefined roles carry powers over the whole database server, such as reading its files or running programs.',
  'create-role-superuser.sql': 'CREATE ROLE with SUPERUSER is refused: roles belong to the whole database server, and this attribute gives power over all of it.',
  'create-server.sql': 'CREATE SERVER is refused: a foreign server lets the database server connect to other servers.',
  'create-subscription.sql': 'CREATE SUBSCRIPTION is refused: it connects from the database server to another server.',
  'create-tablespace.sql': 'CREATE TABLESPACE is refused: it makes the database server store data in a directory of its file system.',
  'create-user-login.sql':
    'CREATE USER with LOGIN is refused: roles belong to the whole database server, so a role that can log in would outlive the review as a way into the server.',
  'create-user-mapping.sql': 'CREATE USER MAPPING is refused: it stores credentials the database server uses to connect to other servers.',
  'dblink-connect.sql': 'dblink_connect() is refused: it connects from the database server to other databases (dblink).',
  'dblink.sql': 'dblink() is refused: it connects from the database server to other databases (dblink).',
  'discard-all.sql': 'DISCARD ALL is refused: it resets the session authorization, undoing the role the SQL runs as.',
  'do-language-plpython3u.sql': `A DO block in LANGUAGE plpython3u is refused: ${UNTRUSTED}`,
  'drop-database.sql': `DROP DATABASE is refused: ${OTHER_DATABASE}`,
  'drop-role.sql': 'DROP ROLE is refused: roles belong to the whole database server, not the throwaway database, so the change would outlive the review.',
  'endless-loop.sql': undefined,
  'execute-dynamic.sql': undefined,
  'function-language-c.sql': 'A function in LANGUAGE c is refused: it runs native code inside the database server.',
  'function-language-internal.sql':
    "A function in LANGUAGE internal is refused: it binds SQL to any of the database server's built-in C functions, including those that read files.",
  'function-language-plpython3u.sql': `A function in LANGUAGE plpython3u is refused: ${UNTRUSTED}`,
  'generate-series-billion.sql': undefined,
  'grant-on-database.sql': `REVOKE ON DATABASE is refused: ${OTHER_DATABASE}`,
  'grant-predefined-role.sql':
    'GRANT pg_execute_server_program is refused: predefined roles carry powers over the whole database server, such as reading its files or running programs.',
  'hidden-in-check.sql': 'lo_export() is refused: it writes a large object to a file on the database server.',
  'hidden-in-default.sql': `pg_read_file() is refused: ${READS_FILES}`,
  'hidden-in-do-block.sql': 'pg_ls_dir() in the DO block is refused: it lists directories on the database server.',
  'hidden-in-execute-constant.sql': `COPY TO PROGRAM in SQL run by EXECUTE in the DO block is refused: ${SHELL}`,
  'hidden-in-execute-fragment.sql': `COPY TO PROGRAM in SQL run by EXECUTE in the DO block is refused: ${SHELL}`,
  'hidden-in-execute-set-role.sql': `SET ROLE in SQL run by EXECUTE in the DO block is refused: ${ROLE}`,
  'hidden-in-function-set-clause.sql': `SET ROLE in the function's SET clause is refused: ${ROLE}`,
  'hidden-in-operator.sql': `pg_read_file() in CREATE OPERATOR is refused: ${READS_FILES}`,
  'hidden-in-sql-function.sql': `pg_read_file() in the function body is refused: ${READS_FILES}`,
  'hidden-in-trigger-function.sql': `pg_read_file() in the function body is refused: ${READS_FILES}`,
  'hidden-in-view.sql': `pg_read_file() is refused: ${READS_FILES}`,
  'import-foreign-schema.sql': 'IMPORT FOREIGN SCHEMA is refused: it connects from the database server to a foreign server.',
  'lo-export.sql': 'lo_export() is refused: it writes a large object to a file on the database server.',
  'lo-import.sql': 'lo_import() is refused: it reads a file on the database server into a large object.',
  'load.sql': 'LOAD is refused: it loads a shared library into the database server.',
  'prepare-observation.sql': `PREPARE is refused: ${OBSERVATION}`,
  'deallocate-all.sql': `DEALLOCATE is refused: ${OBSERVATION}`,
  'search-path-catalog-last.sql': `SET search_path with pg_catalog after another schema is refused: ${CATALOG_NOT_FIRST}`,
  'update-pg-class.sql': `Writing the system catalog pg_class is refused: ${SYSTEM_CATALOG}`,
  'pg-cancel-backend.sql': 'pg_cancel_backend() is refused: it cancels the queries of other sessions on the database server.',
  'pg-file-write.sql': 'pg_file_write() is refused: it writes, renames or deletes files on the database server (adminpack).',
  'pg-logical-emit-message.sql':
    "pg_logical_emit_message() is refused: it writes a message into the database server's write-ahead log, where every logical replication consumer of the server reads it.",
  'pg-ls-dir.sql': 'pg_ls_dir() is refused: it lists directories on the database server.',
  'pg-ls-logdir.sql': 'pg_ls_logdir() is refused: it lists directories on the database server.',
  'pg-promote.sql': 'pg_promote() is refused: it promotes a standby database server to primary.',
  'pg-read-binary-file.sql': `pg_read_binary_file() is refused: ${READS_FILES}`,
  'pg-read-file.sql': `pg_read_file() is refused: ${READS_FILES}`,
  'pg-reload-conf.sql': 'pg_reload_conf() is refused: it makes the database server reload its configuration.',
  'pg-rotate-logfile.sql': "pg_rotate_logfile() is refused: it rotates the database server's log file.",
  'pg-sleep.sql': undefined,
  'pg-hba-file-rules.sql': "Reading pg_hba_file_rules is refused: it reads the database server's configuration files.",
  'pg-stat-activity.sql': undefined,
  'pg-stat-file.sql': 'pg_stat_file() is refused: it inspects files on the database server.',
  'pg-stat-statements.sql': undefined,
  'pg-terminate-backend.sql': 'pg_terminate_backend() is refused: it ends other sessions on the database server.',
  'plpgsql-body-unparsed.sql':
    'A function whose PL/pgSQL body does not parse is refused: the SQL in it cannot be checked, and PostgreSQL would reject it too.',
  'procedure-language-plperlu.sql': `A procedure in LANGUAGE plperlu is refused: ${UNTRUSTED}`,
  'query-to-xml-constant.sql': `pg_read_file() in SQL run by query_to_xml() is refused: ${READS_FILES}`,
  'query-to-xml-dynamic.sql': 'query_to_xml() with SQL that is not a constant string is refused: it runs SQL text that cannot be checked before it runs.',
  'reassign-owned.sql': 'REASSIGN OWNED is refused: it also hands over the databases and tablespaces the role owns on the whole database server.',
  'replication-slot.sql':
    'pg_create_logical_replication_slot() is refused: it manages replication slots, which the whole database server shares and which hold back its write-ahead log.',
  'reset-role.sql': `RESET ROLE is refused: ${ROLE}`,
  'set-config-dynamic-name.sql':
    'set_config() with a setting name that is not a constant is refused: the name could be role at run time, which changes the role the SQL runs as.',
  'set-config-role.sql': `set_config('role') is refused: ${ROLE}`,
  'set-local-role.sql': `SET LOCAL ROLE is refused: ${ROLE}`,
  'set-role.sql': `SET ROLE is refused: ${ROLE}`,
  'set-session-authorization.sql': `SET SESSION AUTHORIZATION is refused: ${ROLE}`,
  'update-pg-settings-role.sql': `UPDATE pg_settings of role is refused: ${ROLE}`,
};

describe('the hostile corpus', () => {
  it('has an expectation for every fixture, and a fixture for every expectation', () => {
    expect(readdirSync(HOSTILE).sort()).toEqual(Object.keys(HOSTILE_EXPECTED).sort());
  });

  it.each(Object.entries(HOSTILE_EXPECTED))('%s', (file, expected) => {
    const sql = readFileSync(path.join(HOSTILE, file), 'utf8');
    expect(refusals(sql)).toEqual(expected === undefined ? [] : [expected]);
  });

  it('lets a 50 MB statement through: the memory limit contains it, not the guard', { timeout: 60_000 }, () => {
    const sql = `INSERT INTO notes (body) VALUES ('${'x'.repeat(50 * 1024 * 1024)}')`;
    const [statement, ...rest] = parse(sql, 'huge.sql');
    expect(rest).toEqual([]);
    expect(statement!.sql.length).toBeGreaterThan(50 * 1024 * 1024);
    expect(refuseStatement(statement!, DEFAULTS)).toBeUndefined();
  });
});

describe('dangerous calls are found wherever they hide', () => {
  it.each([
    ['a view', "CREATE VIEW v AS SELECT pg_read_file('/etc/passwd') AS x", `pg_read_file() is refused: ${READS_FILES}`],
    ['a column default', "CREATE TABLE t (a text DEFAULT pg_read_file('/etc/passwd'))", `pg_read_file() is refused: ${READS_FILES}`],
    ['a CHECK', "ALTER TABLE t ADD CONSTRAINT c CHECK (pg_read_file('/etc/passwd') <> '')", `pg_read_file() is refused: ${READS_FILES}`],
    [
      'a DO block (static SQL)',
      "DO $$ BEGIN PERFORM pg_read_file('/etc/passwd'); END $$",
      `pg_read_file() in the DO block is refused: ${READS_FILES}`,
    ],
    [
      'a LANGUAGE sql function body',
      "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT pg_read_file(''/etc/passwd'')'",
      `pg_read_file() in the function body is refused: ${READS_FILES}`,
    ],
    [
      "EXECUTE 'constant string'",
      "DO $$ BEGIN EXECUTE 'SELECT pg_read_file(''/etc/passwd'')'; END $$",
      `pg_read_file() in SQL run by EXECUTE in the DO block is refused: ${READS_FILES}`,
    ],
    [
      'EXECUTE of concatenated constants',
      "DO $$ BEGIN EXECUTE 'SELECT pg_read_' || 'file(''/etc/passwd'')'; END $$",
      `pg_read_file() in SQL run by EXECUTE in the DO block is refused: ${READS_FILES}`,
    ],
    [
      'a format() string run by EXECUTE',
      "DO $$ BEGIN EXECUTE format('SELECT pg_read_file(%L)', '/etc/passwd'); END $$",
      `pg_read_file() in SQL run by EXECUTE in the DO block is refused: ${READS_FILES}`,
    ],
    [
      'the expression EXECUTE runs',
      "DO $$ BEGIN EXECUTE pg_read_file('/tmp/payload.sql'); END $$",
      `pg_read_file() in the DO block is refused: ${READS_FILES}`,
    ],
    [
      'a BEGIN ATOMIC body',
      "CREATE FUNCTION f() RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT pg_read_file('/etc/passwd'); END",
      `pg_read_file() is refused: ${READS_FILES}`,
    ],
    [
      'a PL/pgSQL declaration default',
      "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ DECLARE v text := pg_read_file('/x'); BEGIN END $$",
      `pg_read_file() in the function body is refused: ${READS_FILES}`,
    ],
    [
      'an IF condition',
      "DO $$ BEGIN IF pg_stat_file('/x') IS NULL THEN RETURN; END IF; END $$",
      'pg_stat_file() in the DO block is refused: it inspects files on the database server.',
    ],
    [
      'RETURN QUERY EXECUTE',
      "CREATE FUNCTION f() RETURNS SETOF text LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY EXECUTE 'SELECT pg_ls_dir(''.'')'; END $$",
      'pg_ls_dir() in SQL run by EXECUTE in the function body is refused: it lists directories on the database server.',
    ],
    [
      'FOR ... IN EXECUTE',
      "DO $$ DECLARE r record; BEGIN FOR r IN EXECUTE 'SELECT lo_import(''/x'')' LOOP END LOOP; END $$",
      'lo_import() in SQL run by EXECUTE in the DO block is refused: it reads a file on the database server into a large object.',
    ],
    [
      'a DO block run by EXECUTE',
      "DO $$ BEGIN EXECUTE 'DO $x$ BEGIN PERFORM pg_reload_conf(); END $x$'; END $$",
      'pg_reload_conf() in the DO block in SQL run by EXECUTE in the DO block is refused: it makes the database server reload its configuration.',
    ],
    [
      'a plperl body',
      "CREATE FUNCTION f() RETURNS text LANGUAGE plperl AS $$ return spi_exec_query('select pg_read_file(1)') $$",
      `pg_read_file() in the function body is refused: ${READS_FILES}`,
    ],
    ['an index expression', 'CREATE INDEX i ON t ((pg_read_file(path)))', `pg_read_file() is refused: ${READS_FILES}`],
    ['a policy', "CREATE POLICY p ON t USING (pg_read_file('/x') IS NOT NULL)", `pg_read_file() is refused: ${READS_FILES}`],
    ['a rule', "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT pg_read_file('/x')", `pg_read_file() is refused: ${READS_FILES}`],
    ['a UNION arm', "SELECT 1 UNION ALL SELECT pg_read_file('/x')::int", `pg_read_file() is refused: ${READS_FILES}`],
    ['a CTE', "WITH x AS (SELECT pg_ls_dir('.')) SELECT * FROM x", 'pg_ls_dir() is refused: it lists directories on the database server.'],
    ['CALL', "CALL dblink_exec('host=x', 'SELECT 1')", 'dblink_exec() is refused: it connects from the database server to other databases (dblink).'],
    ['EXPLAIN', "EXPLAIN SELECT pg_read_file('/x')", `pg_read_file() is refused: ${READS_FILES}`],
    ['a CREATE SCHEMA element', "CREATE SCHEMA s CREATE VIEW v AS SELECT pg_read_file('/x')", `pg_read_file() is refused: ${READS_FILES}`],
    ['an upper-case, qualified name', "SELECT PG_CATALOG.PG_READ_FILE('/x')", `pg_read_file() is refused: ${READS_FILES}`],
    ['a quoted name', `SELECT "pg_read_file"('/x')`, `pg_read_file() is refused: ${READS_FILES}`],
    [
      'a search_path set from a value that is not a constant',
      "SELECT set_config('search_path', current_setting('app.path'), false)",
      `set_config('search_path') with pg_catalog after another schema, or a value that is not a constant is refused: ${CATALOG_NOT_FIRST}`,
    ],
    ['a named SQL argument', "SELECT query_to_xml(query => 'SELECT pg_read_file(''/x'')', nulls => true, tableforest => false, targetns => '')", `pg_read_file() in SQL run by query_to_xml() is refused: ${READS_FILES}`],
    ['ts_stat', "SELECT ts_stat('SELECT pg_read_file(''/x'')::tsvector')", `pg_read_file() in SQL run by ts_stat() is refused: ${READS_FILES}`],
    ['a cast', 'CREATE CAST (text AS int) WITH FUNCTION pg_read_file(text)', `pg_read_file() in CREATE CAST is refused: ${READS_FILES}`],
    [
      'an aggregate over set_config',
      "CREATE AGGREGATE a(text, bool) (SFUNC = 'pg_catalog.set_config', STYPE = text, INITCOND = 'role')",
      'set_config() in CREATE AGGREGATE is refused: it changes settings, including the role the SQL runs as.',
    ],
    ['ALTER FUNCTION ... SET role', 'ALTER FUNCTION f() SET role = postgres', `SET ROLE in the function's SET clause is refused: ${ROLE}`],
    ['SET ROLE in a DO block', 'DO $$ BEGIN SET LOCAL ROLE postgres; END $$', `SET LOCAL ROLE in the DO block is refused: ${ROLE}`],
    [
      'set_config() in a DO block with a variable name',
      "DO $$ DECLARE v text := 'role'; BEGIN PERFORM set_config(v, 'postgres', false); END $$",
      'set_config() with a setting name that is not a constant in the DO block is refused: the name could be role at run time, which changes the role the SQL runs as.',
    ],
    [
      'UPDATE pg_settings without naming the setting',
      "UPDATE pg_settings SET setting = 'none' WHERE name = lower('ROLE')",
      'UPDATE pg_settings is refused: it changes settings through set_config(), and its WHERE clause does not name the ones it changes (the role the SQL runs as is one).',
    ],
    [
      'a view of pg_settings',
      'CREATE VIEW knobs AS SELECT name, setting FROM pg_settings',
      'A view of pg_settings is refused: updating it changes settings, including the role the SQL runs as.',
    ],
    ['CREATE EXTENSION in a DO block', 'DO $$ BEGIN CREATE EXTENSION dblink; END $$', `CREATE EXTENSION dblink in the DO block is refused: ${NOT_ALLOWLISTED}`],
  ])('in %s', (_where, sql, expected) => {
    expect(reasonFor(sql)).toBe(expected);
  });

  it('refuses a statement of a DO block passed on its own, as embedded statements are', () => {
    const embedded = parse("DO $$ BEGIN COPY t TO '/tmp/x'; END $$").filter((s) => s.embeddedIn);
    expect(embedded.map((s) => refuseStatement(s, DEFAULTS)?.reason)).toEqual([
      'COPY TO a server file is refused: it writes a file on the database server (COPY TO STDOUT is fine).',
    ]);
  });

  describe('SQL nested in strings', () => {
    /** `levels` DO blocks, each running the next through EXECUTE, the innermost running `sql`. */
    function nestedDo(sql: string, levels: number): string {
      let text = sql;
      for (let i = 0; i < levels; i++) {
        const body = `BEGIN EXECUTE '${text.replaceAll("'", "''")}'; END`;
        text = `DO '${body.replaceAll("'", "''")}'`;
      }
      return text;
    }

    it('is checked four levels deep', () => {
      expect(reasonFor(nestedDo('SELECT 1', 4))).toBeUndefined();
      expect(reasonFor(nestedDo("SELECT pg_read_file('/x')", 4))).toBe(
        `pg_read_file() ${'in SQL run by EXECUTE in the DO block '.repeat(4)}is refused: ${READS_FILES}`,
      );
    });

    it('is refused deeper than eight strings', () => {
      expect(reasonFor(nestedDo('SELECT 1', 5))).toBe('SQL nested in strings more than 8 levels deep is refused: it is too deep to check before it runs.');
    });
  });
});

describe('what real migrations do is not refused', () => {
  it.each([
    "SET LOCAL lock_timeout = '5s'",
    'SET LOCAL statement_timeout = 0',
    "SET search_path = ''",
    'SET session_replication_role = replica',
    'RESET ALL',
    'DISCARD PLANS',
    'CREATE VIEW slow_queries AS SELECT query, mean_exec_time FROM pg_stat_statements ORDER BY mean_exec_time DESC',
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()",
    "SELECT set_config('search_path', '', false)",
    "SELECT pg_catalog.set_config('search_path', 'pg_catalog, \"$user\", public', false)",
    'SET search_path = pg_catalog, public',
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = app, pg_catalog AS 'SELECT 1'",
    "SELECT set_config('request.jwt.claim.' || key, value, true) FROM claims",
    "SELECT set_config(format('app.%s', key), value, true) FROM claims",
    "UPDATE pg_settings SET setting = 'off' WHERE name = 'check_function_bodies'",
    "INSERT INTO audit.pg_events (name) VALUES ('x')",
    "DELETE FROM plans WHERE name = 'pg_basic'",
    "SELECT setting FROM pg_settings WHERE name = 'server_version_num'",
    'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"',
    'CREATE EXTENSION IF NOT EXISTS plpgsql WITH SCHEMA pg_catalog',
    'CREATE LANGUAGE plpgsql',
    'CREATE EXTENSION IF NOT EXISTS earthdistance CASCADE',
    "ALTER EXTENSION pg_trgm UPDATE TO '1.6'",
    'DROP EXTENSION IF EXISTS dblink',
    'COMMENT ON EXTENSION plpgsql IS NULL',
    'CREATE ROLE app_reader NOLOGIN',
    'CREATE ROLE authenticated',
    'CREATE USER app_writer NOLOGIN',
    'GRANT app_reader TO authenticator',
    'REVOKE pg_read_all_data FROM app_reader',
    'GRANT USAGE ON SCHEMA public TO anon, authenticated',
    'GRANT SELECT ON ALL TABLES IN SCHEMA public TO authenticated',
    'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO authenticated',
    'ALTER TABLE t OWNER TO postgres',
    'DROP OWNED BY app_reader',
    'CREATE FOREIGN TABLE remote (a int) SERVER s',
    'CREATE PUBLICATION p FOR TABLE t',
    'CHECKPOINT',
    'VACUUM (ANALYZE) t',
    'COPY t FROM STDIN',
    'COPY (SELECT 1) TO STDOUT',
    "SELECT cursor_to_xml('c', 10, true, true, '')",
    "SELECT * FROM crosstab('SELECT a, b, c FROM t ORDER BY 1, 2') AS ct(a text, b int)",
    "SELECT pg_advisory_xact_lock(hashtext('migration'))",
    'SELECT pg_sleep(1)',
    'SELECT relname FROM pg_class WHERE relname LIKE $$pg_read_file(%$$',
    'CREATE TRIGGER t AFTER UPDATE OF dblink_url ON settings FOR EACH ROW EXECUTE FUNCTION f()',
    'CREATE OPERATOR CLASS c FOR TYPE int USING btree AS OPERATOR 1 <, FUNCTION 1 btint4cmp(int, int)',
    "CREATE FUNCTION f(OUT total int) LANGUAGE plpgsql AS $$ BEGIN total := 1; END $$",
    'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$',
    "CREATE FUNCTION f() RETURNS int LANGUAGE plperl AS 'return 1'",
    "CREATE FUNCTION f() RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path = '' AS 'SELECT current_user'",
    "DO $$ DECLARE r text := 'x'; BEGIN EXECUTE 'UPDATE users SET role = ' || quote_literal(r); END $$",
    "DO $$ DECLARE e text; BEGIN FOREACH e IN ARRAY ARRAY['citext', 'dblink'] LOOP EXECUTE 'CREATE EXTENSION IF NOT EXISTS ' || quote_ident(e); END LOOP; END $$",
    "DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE tablename LIKE 'events_%' LOOP EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS source text', t); END LOOP; END $$",
    'CREATE FUNCTION run(sql text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE sql; END $$',
  ])('%s', (sql) => {
    expect(reasonFor(sql)).toBeUndefined();
  });
});

describe('the extension allowlist', () => {
  it('is the configured one, compared without regard to case', () => {
    expect(reasonFor('CREATE EXTENSION citext', { extensions: ['CITEXT'] })).toBeUndefined();
    expect(reasonFor('CREATE EXTENSION citext', { extensions: [] })).toBe(`CREATE EXTENSION citext is refused: ${NOT_ALLOWLISTED}`);
    expect(reasonFor('CREATE EXTENSION postgres_fdw', { extensions: ['postgres_fdw'] })).toBeUndefined();
  });

  it('allows plpgsql, which every database already has, even when empty', () => {
    expect(reasonFor('CREATE EXTENSION IF NOT EXISTS plpgsql', { extensions: [] })).toBeUndefined();
  });

  it('allows a language the operator allowlisted as an extension, never c or internal', () => {
    const python = "CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u AS 'return 1'";
    expect(reasonFor(python, { extensions: ['plpython3u'] })).toBeUndefined();
    expect(reasonFor(python)).toBe(`A function in LANGUAGE plpython3u is refused: ${UNTRUSTED}`);
    expect(reasonFor("CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'x', 'y'", { extensions: ['c'] })).toBe(
      'A function in LANGUAGE c is refused: it runs native code inside the database server.',
    );
  });

  it('still refuses the foreign server an allowlisted postgres_fdw would use', () => {
    expect(reasonFor("CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'x')", { extensions: ['postgres_fdw'] })).toBe(
      'CREATE SERVER is refused: a foreign server lets the database server connect to other servers.',
    );
  });
});

describe('the shared corpora', () => {
  function corpusFiles(): string[] {
    const prisma = path.join(CORPUS, 'langfuse-prisma');
    const golang = path.join(CORPUS, 'harness-golang-migrate');
    return [
      ...readdirSync(prisma)
        .map((dir) => path.join(prisma, dir, 'migration.sql'))
        .filter((file) => existsSync(file)),
      ...readdirSync(golang)
        .filter((file) => file.endsWith('.sql'))
        .map((file) => path.join(golang, file)),
    ];
  }

  it('passes every statement of both histories, embedded ones included, with the default allowlist', () => {
    const files = corpusFiles();
    expect(files.filter((f) => f.includes('langfuse-prisma')).length).toBeGreaterThanOrEqual(434);
    expect(files.filter((f) => f.includes('harness-golang-migrate')).length).toBeGreaterThanOrEqual(389);
    const refused: string[] = [];
    let checked = 0;
    for (const file of files) {
      for (const statement of parseSection({ sql: readFileSync(file, 'utf8'), startLine: 1, startColumn: 1 }, file).statements) {
        checked++;
        const refusal = refuseStatement(statement, DEFAULTS);
        if (refusal) refused.push(`${path.relative(CORPUS, file)}:${statement.range.startLine}: ${refusal.reason}`);
      }
    }
    expect(refused).toEqual([]);
    expect(checked).toBeGreaterThan(2000);
  });
});
