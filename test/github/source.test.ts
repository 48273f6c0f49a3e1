import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.ts';
import { reviewSource } from '../../src/pipeline.ts';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { FileCache } from '../../src/github/file-cache.ts';
import { githubSource, MAX_FILE_BYTES } from '../../src/source/github.ts';
import { onlyThroughNock } from '../helpers/nock-network.ts';
import {
  dirItem,
  fileItem,
  github,
  PR,
  REPO_PATH,
  replyBlob,
  replyPullFiles,
  replyPullRequest,
  replyRaw,
  replyTree,
  testClient,
  treeItems,
  type DiffEntryInput,
} from './github-api.ts';

onlyThroughNock();

function added(count: number, from = 0): DiffEntryInput[] {
  return Array.from({ length: count }, (_, i) => ({ filename: `src/file-${String(from + i).padStart(4, '0')}.ts`, status: 'added', additions: 1 }));
}

describe('githubSource changed()', () => {
  it('turns each status into the changed, modified and deleted paths, and keeps the patches', async () => {
    const scope = replyPullFiles(github(), [
      [
        { filename: 'db/migrations/000003_add_name.up.sql', status: 'added', additions: 1, patch: '@@ -0,0 +1 @@\n+ALTER TABLE users ADD COLUMN name text;' },
        { filename: 'db/migrations/000001_create_users.up.sql', status: 'modified', additions: 1, deletions: 1, patch: '@@ -1 +1 @@\n-CREATE TABLE users (id int);\n+CREATE TABLE users (id bigint);' },
        { filename: 'db/migrations/000002_email_index.up.sql', previous_filename: 'db/migrations/000002_index.up.sql', status: 'renamed', additions: 1, deletions: 1, patch: '@@ -1 +1 @@\n-CREATE INDEX i ON users (email);\n+CREATE INDEX CONCURRENTLY i ON users (email);' },
        { filename: 'docs/schema.md', previous_filename: 'docs/db.md', status: 'renamed' },
        { filename: 'db/migrations/000000_legacy.up.sql', status: 'removed', deletions: 1, patch: '@@ -1 +0,0 @@\n-CREATE TABLE legacy ();' },
        { filename: 'db/templates/audit.sql', previous_filename: 'db/templates/base.sql', status: 'copied' },
        { filename: 'scripts/migrate.sh', status: 'changed' },
        { filename: 'db/seed.bin', status: 'added' },
      ],
    ]);
    const source = githubSource(testClient(), PR, { paths: [] });

    const changed = await source.changed();

    expect(changed).toEqual({
      paths: new Set([
        'db/migrations/000003_add_name.up.sql',
        'db/migrations/000001_create_users.up.sql',
        'db/migrations/000002_email_index.up.sql',
        'docs/schema.md',
        'db/templates/audit.sql',
        'scripts/migrate.sh',
        'db/seed.bin',
      ]),
      modified: new Set(['db/migrations/000001_create_users.up.sql', 'db/migrations/000002_email_index.up.sql', 'scripts/migrate.sh']),
      deleted: ['db/migrations/000002_index.up.sql', 'docs/db.md', 'db/migrations/000000_legacy.up.sql'],
      // By the patches; the files GitHub gives none for count as changed throughout.
      addedLines: new Map([
        ['db/migrations/000003_add_name.up.sql', new Set([1])],
        ['db/migrations/000001_create_users.up.sql', new Set([1])],
        ['db/migrations/000002_email_index.up.sql', new Set([1])],
      ]),
    });
    expect(source.patches().get('db/migrations/000003_add_name.up.sql')).toBe('@@ -0,0 +1 @@\n+ALTER TABLE users ADD COLUMN name text;');
    expect(source.patches().has('db/seed.bin')).toBe(true);
    expect(source.patches().get('db/seed.bin')).toBeUndefined();
    expect(source.notes()).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('follows the Link header over three pages of 100', async () => {
    const scope = replyPullFiles(github(), [added(100), added(100, 100), added(37, 200)]);
    const changed = await githubSource(testClient(), PR, { paths: [] }).changed();
    expect(changed.paths.size).toBe(237);
    expect(changed.paths).toContain('src/file-0000.ts');
    expect(changed.paths).toContain('src/file-0236.ts');
    expect(scope.isDone()).toBe(true);
  });

  it('says when GitHub capped the list at 3000 files, asking the pull request for its count', async () => {
    const pages = Array.from({ length: 30 }, (_, page) => added(100, page * 100));
    const scope = replyPullRequest(replyPullFiles(github(), pages), 3250);
    const source = githubSource(testClient(), PR, { paths: [] });

    expect((await source.changed()).paths.size).toBe(3000);
    expect(source.notes()).toEqual([
      'GitHub lists at most 3000 files of a pull request; this one changes 3250, so the 250 past the first 3000 were not reviewed (a migration among them counts as already applied)',
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('takes the count from the caller when it has it, and adds no note when nothing was cut', async () => {
    const pages = Array.from({ length: 30 }, (_, page) => added(100, page * 100));
    const scope = replyPullFiles(github(), pages);
    const source = githubSource(testClient(), PR, { paths: [], changedFiles: 3000 });
    await source.changed();
    expect(source.notes()).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('has no patches before changed() resolved', () => {
    expect(() => githubSource(testClient(), PR, { paths: [] }).patches()).toThrow('patches() is known once changed() has resolved');
  });
});

describe('githubSource files()', () => {
  const repo = {
    'README.md': '# shop\n',
    'db/migrations/V1__users.sql': 'CREATE TABLE users (id bigint);\n',
    'db/migrations/V1__users.sql.conf': 'executeInTransaction=false\n',
    'db/queries/report.sql': 'SELECT 1;\n',
    'vendor/lib/schema.sql': 'CREATE TABLE vendored ();\n',
  };

  it('lists the head tree, without symbolic links and submodules', async () => {
    const scope = replyTree(github(), PR.headSha, [
      ...treeItems(repo),
      { path: 'db/current.sql', type: 'blob', mode: '120000', sha: 'a'.repeat(40), size: 24 },
      { path: 'vendor/pg-tools', type: 'commit', mode: '160000', sha: 'b'.repeat(40) },
    ], { recursive: true });
    const files = await githubSource(testClient(), PR, { paths: [] }).files();
    expect(files.map((f) => f.path)).toEqual(Object.keys(repo));
    expect(scope.isDone()).toBe(true);
  });

  it('keeps the directories the globs search, with the files next to the migrations', async () => {
    const scope = replyTree(github(), PR.headSha, treeItems(repo), { recursive: true });
    const files = await githubSource(testClient(), PR, { paths: ['db/migrations/**/*.sql', 'vendor/lib/schema.sql'] }).files();
    expect(files.map((f) => f.path)).toEqual(['db/migrations/V1__users.sql', 'db/migrations/V1__users.sql.conf', 'vendor/lib/schema.sql']);
    expect(scope.isDone()).toBe(true);
  });

  it('lists a truncated tree one level at a time, going only where the globs lead', async () => {
    const db = { 'migrations/001_users.sql': 'CREATE TABLE users (id bigint);\n', 'migrations/002_orders.sql': 'CREATE TABLE orders (id bigint);\n' };
    const scope = github();
    replyTree(scope, PR.headSha, [dirItem('app'), dirItem('db'), fileItem('README.md', '# shop\n')], { recursive: true, truncated: true });
    replyTree(scope, PR.headSha, [dirItem('app', 'a'.repeat(40)), dirItem('db', 'd'.repeat(40)), fileItem('README.md', '# shop\n')], { recursive: false });
    replyTree(scope, 'd'.repeat(40), treeItems(db), { recursive: true });

    const source = githubSource(testClient(), PR, { paths: ['db/migrations/*.sql'] });
    const files = await source.files();

    expect(files.map((f) => f.path)).toEqual(['db/migrations/001_users.sql', 'db/migrations/002_orders.sql']);
    expect(source.notes()).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('says which directory GitHub would not list whole', async () => {
    const scope = github();
    replyTree(scope, PR.headSha, [dirItem('db', 'd'.repeat(40))], { recursive: true, truncated: true });
    replyTree(scope, PR.headSha, [dirItem('db', 'd'.repeat(40))], { recursive: false });
    replyTree(scope, 'd'.repeat(40), [fileItem('001.sql', 'SELECT 1;')], { recursive: true, truncated: true });
    replyTree(scope, 'd'.repeat(40), [fileItem('001.sql', 'SELECT 1;')], { recursive: false, truncated: true });

    const source = githubSource(testClient(), PR, { paths: [] });
    expect((await source.files()).map((f) => f.path)).toEqual(['db/001.sql']);
    expect(source.notes()).toEqual(['GitHub truncated the listing of db (over 100,000 entries or 7 MB), so files past its first 1 entries were not seen']);
    expect(scope.isDone()).toBe(true);
  });
});

describe('githubSource reads', () => {
  async function sourceOf(items: Parameters<typeof replyTree>[2]) {
    replyTree(github(), PR.headSha, items, { recursive: true });
    const source = githubSource(testClient(), PR, { paths: [] });
    const files = new Map((await source.files()).map((file) => [file.path, file]));
    return { source, file: (path: string) => files.get(path)! };
  }

  it('reads a small file raw from the contents API, once', async () => {
    const sql = '\uFEFFCREATE TABLE users (id bigint);\n';
    const { source, file } = await sourceOf(treeItems({ 'db/001_users.sql': sql }));
    const scope = replyRaw(github(), 'db/001_users.sql', sql);

    expect(await file('db/001_users.sql').read()).toBe(sql);
    expect(await file('db/001_users.sql').read()).toBe(sql);
    expect(source.unreadable()).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('reads a file an earlier review read from the cache, by its blob SHA, and a changed one from GitHub', async () => {
    const cache = new FileCache();
    const users = 'CREATE TABLE users (id bigint);\n';
    replyTree(github(), PR.headSha, treeItems({ 'db/001_users.sql': users }), { recursive: true });
    const first = githubSource(testClient(), PR, { paths: [], cache });
    const once = replyRaw(github(), 'db/001_users.sql', users);
    expect(await (await first.files())[0]!.read()).toBe(users);
    expect(once.isDone()).toBe(true);

    const orders = 'CREATE TABLE orders (id bigint);\n';
    replyTree(github(), PR.headSha, treeItems({ 'db/001_users.sql': users, 'db/002_orders.sql': orders }), { recursive: true });
    const second = githubSource(testClient(), PR, { paths: [], cache });
    const changed = replyRaw(github(), 'db/002_orders.sql', orders);
    const texts = await Promise.all((await second.files()).map((file) => file.read()));
    expect(texts).toEqual([users, orders]);
    expect(changed.isDone()).toBe(true);
    expect(second.unreadable()).toEqual([]);
  });

  it('reads a file over 1 MB as a base64 blob', async () => {
    const sql = `INSERT INTO countries (code) VALUES\n${Array.from({ length: 120_000 }, (_, i) => `  ('c${i}'), -- é\n`).join('')}  ('zz');\n`;
    expect(Buffer.byteLength(sql)).toBeGreaterThan(1024 * 1024);
    const { source, file } = await sourceOf(treeItems({ 'db/002_countries.sql': sql }));
    const scope = replyBlob(github(), sql);

    expect(await file('db/002_countries.sql').read()).toBe(sql);
    expect(source.unreadable()).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('returns binary contents as they are, NUL bytes and all', async () => {
    const bytes = Buffer.from([0x50, 0x47, 0x44, 0x4d, 0x50, 0x00, 0x01, 0x0a, 0x00]);
    const { file } = await sourceOf([fileItem('db/003_dump.sql', bytes)]);
    const scope = replyRaw(github(), 'db/003_dump.sql', bytes);
    expect(await file('db/003_dump.sql').read()).toBe('PGDMP\0\u0001\n\0');
    expect(scope.isDone()).toBe(true);
  });

  it('reads a file GitHub does not have, or one too large, as empty and says why', async () => {
    const huge = { ...fileItem('db/004_huge.sql', ''), size: MAX_FILE_BYTES + 8 * 1024 * 1024 };
    const { source, file } = await sourceOf([fileItem('db/003_gone.sql', 'SELECT 1;'), huge]);
    const scope = github()
      .get(`${REPO_PATH}/contents/${encodeURIComponent('db/003_gone.sql')}`)
      .query({ ref: PR.headSha })
      .reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/contents#get-repository-content', status: '404' });

    expect(await file('db/003_gone.sql').read()).toBe('');
    expect(await file('db/004_huge.sql').read()).toBe('');
    expect(source.unreadable()).toEqual([
      { path: 'db/003_gone.sql', reason: `GitHub answered 404 Not Found at commit ${PR.headSha.slice(0, 7)}` },
      { path: 'db/004_huge.sql', reason: '40.0 MB, larger than the 32.0 MB a review reads from GitHub' },
    ]);
    expect(scope.isDone()).toBe(true);
  });
});

describe('reviewing a pull request of a golang-migrate project', () => {
  const BASE = {
    'go.mod': 'module example.com/shop\n\ngo 1.22\n',
    'db/migrations/000001_create_users.up.sql': 'CREATE TABLE users (\n  id bigint PRIMARY KEY,\n  email text NOT NULL\n);\n',
    'db/migrations/000001_create_users.down.sql': 'DROP TABLE users;\n',
  };
  const ADDED = {
    'db/migrations/000002_index_users_email.up.sql': '-- look users up by email\nCREATE INDEX users_email_idx ON users (email);\n',
    'db/migrations/000002_index_users_email.down.sql': 'DROP INDEX users_email_idx;\n',
    'db/migrations/000003_seed.up.sql': Buffer.from('PGDMP\0\u0001', 'utf8'),
    'db/migrations/000003_seed.down.sql': 'TRUNCATE users;\n',
  };
  const config = parseConfig('migrations:\n  paths: ["db/migrations/*.sql"]\n', '.github/db-review.yml');

  function servePullRequest(): nock.Scope {
    const scope = github();
    replyTree(scope, PR.headSha, treeItems({ ...BASE, ...ADDED }), { recursive: true });
    replyPullFiles(scope, [
      Object.entries(ADDED).map(([filename, contents]) => ({ filename, status: 'added', additions: typeof contents === 'string' ? contents.split('\n').length - 1 : 0 })),
    ]);
    for (const [path, contents] of Object.entries({ ...BASE, ...ADDED })) if (path.endsWith('.sql')) replyRaw(scope, path, contents);
    return scope;
  }

  it('reports the new migrations at their lines, with the unchanged ones as their history', async () => {
    const scope = servePullRequest();
    const result = await reviewSource(githubSource(testClient(), PR, { paths: config.migrations.paths }), config);

    expect(result.framework).toBe('golang-migrate');
    expect(result.review.migrations.map((m) => m.path)).toEqual([
      'db/migrations/000002_index_users_email.up.sql',
      'db/migrations/000003_seed.up.sql',
    ]);
    expect(result.review.findings.map((f) => [f.rule, f.severity, f.path, f.line])).toEqual([
      ['require-concurrent-index', 'error', 'db/migrations/000002_index_users_email.up.sql', 2],
      ['require-lock-timeout', 'warning', 'db/migrations/000002_index_users_email.up.sql', 2],
      ['require-statement-timeout', 'notice', 'db/migrations/000002_index_users_email.up.sql', 2],
      ['file-not-analysed', 'warning', 'db/migrations/000003_seed.up.sql', 1],
    ]);
    expect(result.review.conclusion).toBe('failure');
    expect(scope.isDone()).toBe(true);
  });

  it('builds the shadow base schema from the unchanged migrations of the head tree', async () => {
    const scope = servePullRequest();
    const shadow = createEmbeddedProvider();
    try {
      const result = await reviewSource(githubSource(testClient(), PR, { paths: config.migrations.paths }), config, { shadow });
      expect(result.review.shadow).toMatchObject({ baseMigrations: 1, standIns: [] });
      expect(result.review.findings.find((f) => f.rule === 'require-concurrent-index')?.message).toContain(
        'Observed on the shadow database: SHARE on `users`; full scan of `users`.',
      );
    } finally {
      await shadow.dispose();
    }
    expect(scope.isDone()).toBe(true);
  }, 120_000);
});

describe('reviewing a pull request that drops a column its code still queries', () => {
  const BASE = {
    'db/migrations/000001_create_users.up.sql': 'CREATE TABLE users (\n  id bigint PRIMARY KEY,\n  email text NOT NULL,\n  name text\n);\n',
    'src/users.ts': "import { pool } from './db.ts';\n\nexport const emailOf = (id: number) =>\n  pool.query('SELECT email FROM users WHERE id = $1', [id]);\n",
    'src/db.ts': "import pg from 'pg';\nexport const pool = new pg.Pool();\n",
    'README.md': '# shop\n',
  };
  const ADDED = {
    'db/migrations/000002_drop_email.up.sql': 'ALTER TABLE users DROP COLUMN email;\n',
    'src/names.ts': "import { pool } from './db.ts';\n\nexport const nameOf = (id: number) => pool.query('SELECT name FROM users WHERE id = $1', [id]);\n",
  };

  it('reads the unchanged code too, plans its queries before and after the migration, and fails at the broken one', async () => {
    const scope = github();
    replyTree(scope, PR.headSha, treeItems({ ...BASE, ...ADDED }), { recursive: true });
    replyPullFiles(scope, [
      Object.entries(ADDED).map(([filename, contents]) => ({
        filename,
        status: 'added',
        additions: contents.split('\n').length - 1,
        patch: `@@ -0,0 +1,${contents.split('\n').length - 1} @@\n${contents.trimEnd().replace(/^/gm, '+')}`,
      })),
    ]);
    for (const path of [...Object.keys(BASE), ...Object.keys(ADDED)].filter((p) => p !== 'README.md')) replyRaw(scope, path, { ...BASE, ...ADDED }[path]!);
    const shadow = createEmbeddedProvider();
    try {
      const result = await reviewSource(githubSource(testClient(), PR, { paths: [] }), parseConfig('', '.github/db-review.yml'), { shadow });
      expect(result.review.findings.filter((f) => f.source === 'explain')).toEqual([
        expect.objectContaining({ rule: 'query-broken-by-migration', severity: 'error', path: 'src/users.ts', line: 4, message: expect.stringContaining('column "email" does not exist') }),
      ]);
      expect(result.trace?.queries.map((p) => [p.query.path, p.query.changed, p.before?.kind, p.after?.kind])).toEqual([
        ['src/names.ts', true, 'planned', 'planned'],
        ['src/users.ts', false, 'planned', 'failed'],
      ]);
    } finally {
      await shadow.dispose();
    }
    expect(scope.isDone()).toBe(true);
  }, 120_000);
});
