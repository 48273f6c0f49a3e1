import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'db-review-cli-'));
}

function write(root: string, file: string, text: string | Buffer): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

describe('db-review check on the bundled example', () => {
  it('prints each finding at its file:line and fails on errors', async () => {
    const run = await runCli(['check', 'examples/shop', '--no-shadow'], ROOT);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('examples/shop/prisma/migrations/20240315120000_order_amounts/migration.sql\n');
    expect(run.stdout).toMatch(/^ {2}2:1 {2}error {4}column-type-rewrite {18}ALTER COLUMN `amount` TYPE bigint \(from integer\) rewrites all of `orders`/m);
    expect(run.stdout).toMatch(/^ {2}9:1 {2}error {4}require-concurrent-index/m);
    expect(run.stdout).not.toContain('20240402080000_customer_email_index');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('✖ 4 errors, 2 warnings, 2 notices (fails on error)');
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('exits 0 with --fail-on never, and JSON carries the exact findings', async () => {
    const run = await runCli(['check', 'examples/shop', '--format', 'json', '--fail-on', 'never', '--no-shadow'], ROOT);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { conclusion: string; findings: { rule: string; line: number; fix: unknown }[] };
    expect(report.conclusion).toBe('success');
    expect(report.findings.map((f) => `${f.line} ${f.rule}`)).toEqual([
      '2 column-type-rewrite',
      '2 require-lock-timeout',
      '2 require-statement-timeout',
      '5 add-column-not-null-without-default',
      '5 prefer-text-over-char',
      '7 constraint-missing-not-valid',
      '9 require-concurrent-index',
      '9 work-after-access-exclusive',
    ]);
    expect(report.findings.find((f) => f.rule === 'require-concurrent-index')?.fix).toEqual({
      startLine: 9,
      endLine: 9,
      replacement: 'CREATE INDEX CONCURRENTLY "orders_status_idx" ON "orders"("status");',
    });
  });

  it('takes the PostgreSQL version into account (any default rewrites before 11)', async () => {
    const dir = tempDir();
    write(dir, 'db/1_base.sql', 'CREATE TABLE t (id bigint PRIMARY KEY);');
    write(dir, 'db/2_flag.sql', "ALTER TABLE t ADD COLUMN flag boolean NOT NULL DEFAULT false;");
    const pg16 = await runCli(['check', 'db', '--format', 'json'], dir);
    const pg10 = await runCli(['check', 'db', '--format', 'json', '--pg-version', '10'], dir);
    const rules = (out: string) => (JSON.parse(out) as { findings: { rule: string }[] }).findings.map((f) => f.rule);
    expect(rules(pg16.stdout)).not.toContain('add-column-rewrite');
    expect(rules(pg10.stdout)).toContain('add-column-rewrite');
  });
});

describe('db-review check on bad input', () => {
  it('reports a statement PostgreSQL cannot parse at its line, and reviews the rest', async () => {
    const dir = tempDir();
    write(dir, 'migrations/001_base.sql', 'CREATE TABLE t (id bigint PRIMARY KEY, a int);');
    write(dir, 'migrations/002_broken.sql', 'ALTER TABLE t ADD COLUMN b int;\nCREATE INDX t_a ON t (a);\nCREATE INDEX t_a2 ON t (a);\n');
    const run = await runCli(['check', 'migrations', '--format', 'json'], dir);
    const findings = (JSON.parse(run.stdout) as { findings: { rule: string; line: number; message: string }[] }).findings;
    expect(findings.find((f) => f.rule === 'parse-error')).toMatchObject({
      line: 2,
      message: 'PostgreSQL cannot parse this statement: syntax error at or near "INDX". The migration would fail here; statements that parse are still reviewed.',
    });
    expect(findings.some((f) => f.rule === 'require-concurrent-index' && f.line === 3)).toBe(true);
    expect(run.code).toBe(1);
  });

  it('reports a binary file as not analysed instead of passing it', async () => {
    const dir = tempDir();
    write(dir, 'migrations/001_blob.sql', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff, 0x10]));
    const run = await runCli(['check', 'migrations', '--format', 'json'], dir);
    const findings = (JSON.parse(run.stdout) as { findings: { rule: string; path: string }[] }).findings;
    expect(findings).toMatchObject([{ rule: 'file-not-analysed', path: 'migrations/001_blob.sql' }]);
  });

  it('goes on without production statistics when STATS_DATABASE_URL does not answer, and says so', async () => {
    const dir = tempDir();
    write(dir, 'migrations/001_base.sql', 'CREATE TABLE t (id bigint PRIMARY KEY, a int);\n');
    const run = await runCli(['check', 'migrations'], dir, { STATS_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/production' });
    expect(run.stderr).toMatch(/^note: STATS_DATABASE_URL could not be read \(connect ECONNREFUSED 127\.0\.0\.1:1\); the queries are planned at the size hints only$/m);
    expect(run.code).toBe(0);
  });

  it('exits 2 with the key named when the config is broken', async () => {
    const dir = tempDir();
    write(dir, '.github/db-review.yml', 'postgres:\n  version: sixteen\n');
    const run = await runCli(['check', '.'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('postgres.version: expected an integer from 10 to 18, got "sixteen"');
  });

  it('exits 2 on an unknown rule id in the config, with a suggestion', async () => {
    const dir = tempDir();
    write(dir, '.github/db-review.yml', 'rules:\n  require-concurent-index: off\n');
    const run = await runCli(['check', '.'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('require-concurent-index');
    expect(run.stderr).toContain('require-concurrent-index');
  });

  it.each([
    [['check', '--format', 'xml'], '--format must be one of text, json, markdown, sarif, got "xml"'],
    [['check', '--pg-version', '9'], '--pg-version must be a PostgreSQL major version from 10 to 18, got "9"'],
    [['check', '--bogus'], "Unknown option '--bogus'"],
    [['lint'], 'unknown command "lint"'],
    [['check', 'no/such/dir'], 'no/such/dir: no such file or directory'],
  ])('exits 2 on usage errors: %j', async (args, message) => {
    const run = await runCli(args, tempDir());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});

describe('db-review check --base', () => {
  function repo(): string {
    const dir = tempDir();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    write(dir, 'db/migrations/001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n');
    write(dir, 'db/migrations/002_orders.sql', 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n');
    git('add', '.');
    git('commit', '-qm', 'base');
    return dir;
  }

  it('reviews only the migrations changed since the ref, on the schema the earlier ones built', async () => {
    const dir = repo();
    write(dir, 'db/migrations/003_index.sql', 'CREATE INDEX orders_user_id_idx ON orders (user_id);\nCREATE TABLE notes (id bigint PRIMARY KEY);\nCREATE INDEX ON notes (id);\n');
    const run = await runCli(['check', '--base', 'main', '--format', 'json'], dir);
    const report = JSON.parse(run.stdout) as { migrations: { path: string }[]; findings: { rule: string; path: string; line: number }[] };
    expect(report.migrations.map((m) => m.path)).toEqual(['db/migrations/003_index.sql']);
    expect(report.findings.filter((f) => f.rule === 'require-concurrent-index').map((f) => f.line)).toEqual([1]);
    expect(run.code).toBe(1);
  });

  it('counts a table created by an earlier migration of the same change as new', async () => {
    const dir = repo();
    write(dir, 'db/migrations/003_notes.sql', 'CREATE TABLE notes (id bigint PRIMARY KEY, body text);\n');
    write(dir, 'db/migrations/004_notes_index.sql', 'CREATE INDEX notes_body_idx ON notes (body);\n');
    const run = await runCli(['check', '--base', 'main', '--format', 'json'], dir);
    const report = JSON.parse(run.stdout) as { findings: { rule: string }[] };
    expect(report.findings.map((f) => f.rule)).not.toContain('require-concurrent-index');
  });

  it('warns when a migration that exists on the base is edited', async () => {
    const dir = repo();
    write(dir, 'db/migrations/001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n');
    const run = await runCli(['check', '--base', 'main', '--format', 'json'], dir);
    const report = JSON.parse(run.stdout) as { findings: { rule: string; path: string; message: string }[] };
    expect(report.findings).toContainEqual(expect.objectContaining({
      rule: 'modified-applied-migration',
      path: 'db/migrations/001_users.sql',
      message: '`001_users` already exists on the base branch: databases that applied it never run this edit (the runner skips migrations it has recorded as applied). Put the change in a new migration.',
    }));
  });

  it('exits 2 when the ref does not exist', async () => {
    const run = await runCli(['check', '--base', 'nope'], repo());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--base nope: not a commit, branch or tag in this repository');
  });
});

describe('db-review check on a 20 MB migration', () => {
  it('reviews every statement and finds the hazard on the last line', async () => {
    const dir = tempDir();
    write(dir, 'db/1_base.sql', 'CREATE TABLE events (id bigint PRIMARY KEY, kind text, body text);');
    const row = "INSERT INTO events (id, kind, body) VALUES (1, 'signup', 'a body of text that makes the file large');\n";
    const rows = Math.ceil(20_000_000 / row.length);
    write(dir, 'db/2_seed.sql', `${row.repeat(rows)}CREATE INDEX events_kind_idx ON events (kind);\n`);
    const run = await runCli(['check', 'db', '--format', 'json', '--no-shadow'], dir);
    const report = JSON.parse(run.stdout) as { migrations: { path: string; statements: number }[]; findings: { rule: string; line: number }[] };
    expect(report.migrations.find((m) => m.path === 'db/2_seed.sql')?.statements).toBe(rows + 1);
    expect(report.findings).toContainEqual(expect.objectContaining({ rule: 'require-concurrent-index', line: rows + 1 }));
  }, 120_000);
});
