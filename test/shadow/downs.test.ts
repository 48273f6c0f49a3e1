import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/index.ts';
import type { Finding } from '../../src/findings.ts';
import { reviewSource, type PipelineResult } from '../../src/pipeline.ts';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { DEFAULT_LIMITS, type ShadowProvider } from '../../src/shadow/provider.ts';
import { createServerProvider } from '../../src/shadow/server/index.ts';
import { directorySource } from '../../src/source/directory.ts';
import { temporaryTree } from '../helpers/files.ts';
import { SERVER_URL, serverReachable } from '../helpers/postgres.ts';

/** A repository on disk holding `files` (path → text). */
const project = (files: Record<string, string>): string => temporaryTree(files, 'db-review-downs-');

/** The findings about downs: what the rollback check reported. */
function downFindings(result: PipelineResult): Finding[] {
  return result.review.findings.filter((f) => f.rule === 'irreversible-down' || (f.rule === 'shadow-refused' && f.message.includes('down migration')));
}

function describeDowns(name: string, makeProvider: () => ShadowProvider): void {
  describe(`down migrations checked on the shadow database: ${name}`, () => {
    const provider = makeProvider();
    afterAll(() => provider.dispose());
    const review = (files: Record<string, string>): Promise<PipelineResult> =>
      reviewSource(directorySource(project(files), ['db']), DEFAULT_CONFIG, { shadow: provider });

    it('finds nothing when each down is the exact inverse of its up, column order and constraint names included', async () => {
      const result = await review({
        'db/1_users.up.sql': [
          'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now());',
          "CREATE TYPE user_state AS ENUM ('active', 'closed');",
        ].join('\n'),
        'db/1_users.down.sql': 'DROP TYPE user_state;\nDROP TABLE users;',
        'db/2_orders.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));\nCREATE INDEX orders_user_idx ON orders (user_id);',
        'db/2_orders.down.sql': 'DROP TABLE orders;',
        'db/3_drop_email.up.sql': 'ALTER TABLE users DROP COLUMN email;',
        'db/3_drop_email.down.sql': 'ALTER TABLE users ADD COLUMN email text NOT NULL;\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
      });
      expect(downFindings(result)).toEqual([]);
      expect(result.trace?.downs?.map((d) => [d.path, d.differences, d.stopped])).toEqual([
        ['db/3_drop_email.down.sql', [], undefined],
        ['db/2_orders.down.sql', [], undefined],
        ['db/1_users.down.sql', [], undefined],
      ]);
    });

    it('names the column a down forgets to drop, at the first line of the down file', async () => {
      const result = await review({
        'db/1_users.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);',
        'db/1_users.down.sql': 'DROP TABLE users;',
        'db/2_nickname.up.sql': 'ALTER TABLE users ADD COLUMN nickname text;\nCREATE INDEX users_nickname_idx ON users (nickname);',
        'db/2_nickname.down.sql': '-- the column stays by mistake\nDROP INDEX users_nickname_idx;',
      });
      expect(downFindings(result)).toEqual([{
        rule: 'irreversible-down',
        severity: 'warning',
        path: 'db/2_nickname.down.sql',
        line: 1,
        message: 'Rolling back does not restore the schema: after up then down, column `users.nickname` is still there.',
        source: 'shadow',
      }]);
      // The next down starts with the column still there: that is not its fault.
      expect(result.trace?.downs?.map((d) => d.differences)).toEqual([
        [{ kind: 'column-added', table: 'public.users', column: 'nickname', type: 'text' }],
        [],
      ]);
    });

    it('names an index the down drops although its up did not create it', async () => {
      const result = await review({
        'db/1_orders.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\nCREATE INDEX orders_user_idx ON orders (user_id);',
        'db/1_orders.down.sql': 'DROP TABLE orders;',
        'db/2_total.up.sql': 'ALTER TABLE orders ADD COLUMN total numeric;',
        'db/2_total.down.sql': 'ALTER TABLE orders DROP COLUMN total;\nDROP INDEX orders_user_idx;',
      });
      expect(downFindings(result).map((f) => `${f.path}:${f.line} ${f.severity} ${f.message}`)).toEqual([
        'db/2_total.down.sql:1 warning Rolling back does not restore the schema: after up then down, index `orders_user_idx` that existed before the up is gone.',
      ]);
    });

    it('reports a down PostgreSQL rejects at the exact line and column, and checks no earlier down', async () => {
      const result = await review({
        'db/1_orders.up.sql': "CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL DEFAULT 'new');",
        'db/1_orders.down.sql': 'DROP TABLE orders;',
        'db/2_status.up.sql': 'ALTER TABLE orders ADD COLUMN state text;\nUPDATE orders SET state = status;\nALTER TABLE orders DROP COLUMN status;',
        'db/2_status.down.sql': "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';\nUPDATE orders\n   SET status = lower(stat);\nALTER TABLE orders DROP COLUMN state;",
      });
      expect(downFindings(result)).toEqual([{
        rule: 'irreversible-down',
        severity: 'error',
        path: 'db/2_status.down.sql',
        line: 3,
        column: 23,
        endLine: 3,
        message: 'Rolling back fails here: PostgreSQL rejected this statement of the down migration, run on the shadow database after the up: column "stat" does not exist (SQLSTATE 42703). The down of the earlier migration was not checked.',
        source: 'shadow',
      }]);
      expect(result.trace?.downs).toHaveLength(1);
    });

    it("reports a down that does not parse with PostgreSQL's parser message", async () => {
      const result = await review({
        'db/1_jobs.up.sql': 'CREATE TABLE jobs (id bigint PRIMARY KEY, group_id text);',
        'db/1_jobs.down.sql': 'DROP TABLE jobs;',
        'db/2_job_group.up.sql': 'CREATE INDEX job_group_id ON jobs (group_id);',
        'db/2_job_group.down.sql': 'DROP INDEX job_group_id ON jobs;',
      });
      expect(downFindings(result).map((f) => `${f.path}:${f.line}:${f.column} ${f.severity} ${f.message}`)).toEqual([
        'db/2_job_group.down.sql:1:25 error Rolling back fails here: PostgreSQL rejected this statement of the down migration, run on the shadow database after the up: syntax error at or near "ON". The down of the earlier migration was not checked.',
      ]);
    });

    it('says a down was not checked when it ran past the time limit', async () => {
      const files = {
        'db/1_t.up.sql': 'CREATE TABLE t (id bigint);',
        'db/1_t.down.sql': 'DROP TABLE t;\nSELECT pg_sleep(30);',
      };
      const result = await reviewSource(directorySource(project(files), ['db']), DEFAULT_CONFIG, {
        shadow: provider,
        limits: { ...DEFAULT_LIMITS, statementMs: 1_000 },
      });
      expect(downFindings(result).map((f) => `${f.path}:${f.line} ${f.severity} ${f.message}`)).toEqual([
        'db/1_t.down.sql:2 notice The down migration could not be checked: the shadow database stopped (the statement ran past its time limit).',
      ]);
    });

    it('checks goose files, whose down section follows the up in the same file', async () => {
      const result = await review({
        'db/00001_accounts.sql': [
          '-- +goose Up',
          "CREATE TABLE accounts (id bigint PRIMARY KEY, plan text NOT NULL DEFAULT 'free');",
          "CREATE TYPE account_state AS ENUM ('active', 'closed');",
          '',
          '-- +goose Down',
          'DROP TYPE account_state;',
          'DROP TABLE accounts;',
        ].join('\n'),
        'db/00002_archived.sql': [
          '-- +goose Up',
          "ALTER TYPE account_state ADD VALUE 'archived';",
          'ALTER TABLE accounts ADD COLUMN state account_state;',
          '',
          '-- +goose Down',
          '-- PostgreSQL cannot drop an enum label',
          'ALTER TABLE accounts DROP COLUMN state;',
        ].join('\n'),
      });
      expect(result.framework).toBe('goose');
      expect(downFindings(result).map((f) => `${f.path}:${f.line} ${f.message}`)).toEqual([
        'db/00002_archived.sql:6 Rolling back does not restore the schema: after up then down, enum `account_state` keeps the label `archived`.',
      ]);
      expect(result.trace?.downs?.map((d) => `${d.path}:${d.line}`)).toEqual(['db/00002_archived.sql:6', 'db/00001_accounts.sql:6']);
    });

    it('checks dbmate files, and says how a column differs from before the up', async () => {
      const result = await review({
        'db/20240101000000_tags.sql': '-- migrate:up\nCREATE TABLE tags (id bigint PRIMARY KEY, name text NOT NULL);\n\n-- migrate:down\nDROP TABLE tags;\n',
        'db/20240102000000_tag_name.sql': [
          '-- migrate:up',
          'ALTER TABLE tags ALTER COLUMN name TYPE varchar(100);',
          '',
          '-- migrate:down',
          'ALTER TABLE tags ALTER COLUMN name TYPE text, ALTER COLUMN name DROP NOT NULL;',
          '',
        ].join('\n'),
      });
      expect(result.framework).toBe('dbmate');
      expect(downFindings(result).map((f) => `${f.path}:${f.line} ${f.message}`)).toEqual([
        'db/20240102000000_tag_name.sql:5 Rolling back does not restore the schema: after up then down, column `tags.name` is nullable where it was NOT NULL.',
      ]);
    });

    it('skips a migration without a down, whose changes then stay for the downs before it', async () => {
      const result = await review({
        'db/1_plugins.up.sql': 'CREATE TABLE plugins (id bigint PRIMARY KEY);',
        'db/2_views.up.sql': 'CREATE TABLE views (id bigint PRIMARY KEY);',
        'db/2_views.down.sql': 'DROP TABLE views;',
        'db/3_plugin_kind.up.sql': 'ALTER TABLE plugins ADD COLUMN kind text;',
      });
      expect(downFindings(result)).toEqual([]);
      expect(result.trace?.downs?.map((d) => [d.path, d.differences])).toEqual([['db/2_views.down.sql', []]]);
    });

    it('checks no down when an up failed on the shadow', async () => {
      const result = await review({
        'db/1_t.up.sql': 'CREATE TABLE t (id bigint);',
        'db/1_t.down.sql': 'DROP TABLE t;',
        'db/2_a.up.sql': 'ALTER TABLE t ADD COLUMN a int;\nALTER TABLE t ADD COLUMN a int;',
        'db/2_a.down.sql': 'ALTER TABLE t DROP COLUMN a;',
      });
      expect(result.review.findings).toContainEqual(expect.objectContaining({ rule: 'shadow-failed', path: 'db/2_a.up.sql', line: 2 }));
      expect(downFindings(result)).toEqual([]);
      expect(result.trace?.downs).toBeUndefined();
    });

    it('does not blame a down that fails on a stand-in table, whose columns are made up', async () => {
      const result = await review({
        'db/5_drop_nickname.up.sql': 'ALTER TABLE users DROP COLUMN nickname;',
        'db/5_drop_nickname.down.sql': 'ALTER TABLE users ADD COLUMN nickname text;\nUPDATE users SET nickname = name;',
      });
      expect(result.trace?.standIns).toEqual(['public.users']);
      expect(downFindings(result).map((f) => `${f.path}:${f.line} ${f.severity} ${f.message}`)).toEqual([
        'db/5_drop_nickname.down.sql:2 notice The down migration could not be checked: PostgreSQL rejected this statement on the shadow database (column "name" does not exist), but it uses `users`, which no migration creates: the shadow made it up with only the columns the ups name.',
      ]);
    });

    it('refuses a hostile down statement instead of running it, and checks no further', async () => {
      const marker = path.join(tmpdir(), `db-review-down-pwned-${process.pid}`);
      const result = await review({
        'db/1_t.up.sql': 'CREATE TABLE t (a text);',
        'db/1_t.down.sql': 'DROP TABLE t;',
        'db/2_u.up.sql': 'CREATE TABLE u (a text);',
        'db/2_u.down.sql': `DROP TABLE u;\nCOPY t TO PROGRAM 'touch ${marker}';`,
      });
      const [refused, ...others] = downFindings(result);
      expect(others).toEqual([]);
      expect(refused).toMatchObject({ rule: 'shadow-refused', severity: 'error', path: 'db/2_u.down.sql', line: 2 });
      expect(refused?.message).toMatch(/^Not run on the shadow database: COPY TO PROGRAM is refused: .*\. The down migration was not checked\. The down of the earlier migration was not checked\.$/);
      expect(existsSync(marker)).toBe(false);
    });
  });
}

describeDowns('embedded', () => createEmbeddedProvider({ extensions: DEFAULT_CONFIG.shadow.extensions }));
if (await serverReachable()) {
  describeDowns('server', () => createServerProvider({ url: SERVER_URL, extensions: DEFAULT_CONFIG.shadow.extensions, keepTemplates: false }));
}
