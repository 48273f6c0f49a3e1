import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../src/config/index.ts';
import { reviewSource } from '../../src/pipeline.ts';
import type { ExtractedQuery } from '../../src/queries/types.ts';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { planQuery } from '../../src/shadow/explain/plan.ts';
import { assumeTableSizes } from '../../src/shadow/explain/table-sizes.ts';
import { refuseStatement } from '../../src/shadow/guard.ts';
import type { ShadowProvider } from '../../src/shadow/provider.ts';
import { createServerProvider } from '../../src/shadow/server/index.ts';
import { gitSource } from '../../src/source/git.ts';
import { loadParser } from '../../src/sql/libpg.ts';
import { SERVER_URL, serverReachable } from '../helpers/postgres.ts';

const USERS = 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);\n';
const EMAIL_OF = [
  "import { pool } from './db.ts';",
  '',
  'export async function emailOf(id: number) {',
  '  const { rows } = await pool.query(',
  '    `SELECT id,',
  '            email',
  '     FROM users WHERE id = $1`,',
  '    [id],',
  '  );',
  '  return rows[0];',
  '}',
  '',
].join('\n');

/** A git repository whose main branch holds `base`; `change` is then written over it, uncommitted. */
function repository(base: Record<string, string>, change: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'db-review-queries-'));
  const write = (files: Record<string, string>): void => {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'test');
  write(base);
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  write(change);
  return dir;
}

const query = (sql: string, parameters: string[] = []): ExtractedQuery => ({ path: 'app/q.ts', line: 10, column: 1, endLine: 10, origin: 'client-query', sql, parameters });
const refuse = (statement: Parameters<typeof refuseStatement>[0]) => refuseStatement(statement, { extensions: [] })?.reason;

function describePlans(name: string, makeProvider: () => ShadowProvider): void {
  describe(`queries planned on the shadow database: ${name}`, () => {
    const provider = makeProvider();
    afterAll(() => provider.dispose());
    const review = (dir: string) => reviewSource(gitSource(dir, ['.'], 'main'), DEFAULT_CONFIG, { shadow: provider });

    it("fails the review at the line of a query the change's migration breaks, in a file the change leaves alone", async () => {
      const dir = repository({ 'db/migrations/1_users.up.sql': USERS, 'app/users.ts': EMAIL_OF }, { 'db/migrations/2_drop_email.up.sql': 'ALTER TABLE users DROP COLUMN email;\n' });
      const result = await review(dir);
      expect(result.review.findings.filter((f) => f.rule.startsWith('query-'))).toEqual([
        {
          rule: 'query-broken-by-migration',
          severity: 'error',
          path: 'app/users.ts',
          line: 6,
          source: 'explain',
          message:
            'This query plans on the schema before this change\'s migrations and fails after them: column "email" does not exist (SQLSTATE 42703). The code that runs it fails once they are applied, and the version still serving during the deploy fails as soon as they are.',
        },
      ]);
      expect(result.review.conclusion).toBe('failure');
    });

    it('finds nothing when the change drops a column no query names', async () => {
      const dir = repository({ 'db/migrations/1_users.up.sql': USERS, 'app/users.ts': EMAIL_OF }, { 'db/migrations/2_drop_name.up.sql': 'ALTER TABLE users DROP COLUMN name;\n' });
      const result = await review(dir);
      expect(result.review.findings.filter((f) => f.rule.startsWith('query-'))).toEqual([]);
      expect(result.trace?.queries.map((p) => [p.query.line, p.before?.kind, p.after?.kind])).toEqual([[5, 'planned', 'planned']]);
    });

    it('warns at a query the change writes that does not plan, and plans the ones that do', async () => {
      const report = [
        "import sql from './db.ts';",
        'export const named = (name: string) => sql`SELECT count(*) FROM users WHERE name = ${name}`;',
        "export const typo = () => sql`SELECT nme FROM users`;",
        "export const untyped = (value: unknown) => sql`SELECT ${value}`;",
        '',
      ].join('\n');
      const dir = repository({ 'db/migrations/1_users.up.sql': USERS }, { 'app/report.ts': report });
      const result = await review(dir);
      expect(result.review.findings).toEqual([
        {
          rule: 'query-fails',
          severity: 'warning',
          path: 'app/report.ts',
          line: 3,
          source: 'explain',
          message: 'PostgreSQL cannot plan this query on the schema the migrations build: column "nme" does not exist (SQLSTATE 42703).',
        },
      ]);
      const named = result.trace?.queries.find((p) => p.query.line === 2)?.after;
      expect(named).toMatchObject({ kind: 'planned', plan: { 'Node Type': 'Aggregate' } });
    });

    it('plans the queries at the size hints, and measures the index that ends a large scan', async () => {
      const orders = [
        "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_email text NOT NULL CHECK (customer_email <> ''), status text NOT NULL DEFAULT 'new', created_at timestamptz NOT NULL DEFAULT now());",
        'CREATE INDEX orders_created_at_idx ON orders (created_at);',
        // No row is written to a sized table: neither its constraints nor its triggers stand in the way.
        'CREATE TABLE audit_log (id bigint PRIMARY KEY, note text CHECK (note IS NOT NULL));',
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'no writes'; END $$;",
        'CREATE TRIGGER audit_log_refuse BEFORE INSERT OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse();',
        '',
      ].join('\n');
      const code = [
        "import { pool } from './db.ts';",
        "export const byCustomer = (email: string) => pool.query('SELECT id FROM orders WHERE customer_email = $1 AND status = $2', [email, 'open']);",
        "export const recent = (since: Date) => pool.query('SELECT id FROM orders WHERE created_at > $1', [since]);",
        '',
      ].join('\n');
      const dir = repository({ 'db/migrations/1_orders.up.sql': orders }, { 'app/orders.ts': code });
      const config = parseConfig('tables:\n  orders: 50M\n  audit_log: 2M\n', '.github/db-review.yml');
      const result = await reviewSource(gitSource(dir, ['.'], 'main'), config, { shadow: provider });
      expect(result.trace?.tableSizes).toEqual({
        sized: [expect.objectContaining({ name: 'public.audit_log', rows: 2_000_000 }), expect.objectContaining({ name: 'public.orders', rows: 50_000_000 })],
        unsized: [],
      });
      expect(result.review.findings).toEqual([
        {
          rule: 'query-seq-scan',
          severity: 'error',
          path: 'app/orders.ts',
          line: 2,
          column: 58,
          source: 'explain',
          detail: expect.stringMatching(
            /^Plan at the size hints:\n\n```\nSeq Scan on orders  \(cost=0\.\.[\d.]+ rows=1250\)\n  Filter: \(\(customer_email = \$1\) AND \(status = \$2\)\)\n```\n\nWith the index \(`CREATE INDEX CONCURRENTLY orders_customer_email_status_idx ON orders \(customer_email, status\);`\):\n\n```\n(Index|Bitmap Heap) Scan/,
          ),
          message: expect.stringMatching(
            /^PostgreSQL plans a sequential scan of `orders` \(50,000,000 rows by the size hints\) that keeps about 1,250 of them: the query's estimated cost is [\d,.]+\. An index on \(customer_email, status\) brings it to [\d.]+ on the shadow database: `CREATE INDEX CONCURRENTLY orders_customer_email_status_idx ON orders \(customer_email, status\);`$/,
          ),
        },
      ]);
      const scan = result.trace?.queries.find((p) => p.query.line === 2)?.scan;
      expect(scan?.plan['Total Cost']).toBeGreaterThan(500_000);
      expect(scan?.advice?.after).toBeLessThan(1_000);
    });

    it('reports a query that reads a large table whole, to return its rows or to count them, but not one a LIMIT stops early', async () => {
      const code = [
        "import { pool } from './db.ts';",
        "export const total = () => pool.query('SELECT count(*) FROM events');",
        "export const everything = () => pool.query('SELECT id, kind FROM events');",
        "export const sample = () => pool.query('SELECT id FROM events LIMIT 10');",
        "export const latest = () => pool.query('SELECT id FROM events ORDER BY kind LIMIT 10');",
        '',
      ].join('\n');
      const dir = repository({ 'db/migrations/1_events.up.sql': 'CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL);\n' }, { 'app/events.ts': code });
      const config = parseConfig('tables:\n  events: 300000\n', '.github/db-review.yml');
      const result = await reviewSource(gitSource(dir, ['.'], 'main'), config, { shadow: provider });
      expect(result.review.findings.map((f) => [f.rule, f.severity, f.line, f.message.replace(/cost of [\d,.]+/, 'cost of N').replace(/at [\d,.]+ on the shadow/, 'at N on the shadow')])).toEqual([
        [
          'query-reads-whole-table',
          'warning',
          2,
          'This query aggregates all 300,000 rows of `events` (by the size hints) on every call, a sequential scan at an estimated cost of N: keep the figure up to date as rows change (a counter table, a materialized view), read an estimate (`pg_class.reltuples`), or narrow it with a filter an index serves.',
        ],
        ['query-reads-whole-table', 'warning', 3, 'This query reads all 300,000 rows of `events` (by the size hints) on every call, a sequential scan at an estimated cost of N: filter it by an indexed column, or page it with LIMIT and the last key seen.'],
        [
          'query-reads-whole-table',
          'warning',
          5,
          'This query reads all 300,000 rows of `events` (by the size hints) on every call, a sequential scan at an estimated cost of N: an index in the order it wants (kind) reads only the rows it returns, at N on the shadow database: `CREATE INDEX CONCURRENTLY events_kind_idx ON events (kind);`',
        ],
      ]);
    });

    it('measures the index a join key lacks, and reports a sort that goes to disk', async () => {
      const shop = [
        'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL);',
        'CREATE INDEX orders_customer_id_idx ON orders (customer_id);',
        'CREATE TABLE line_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), sku text NOT NULL, quantity int NOT NULL);',
        '',
      ].join('\n');
      const code = [
        "import { pool } from './db.ts';",
        "export const itemsOf = (customer: number) => pool.query('SELECT li.sku, li.quantity FROM orders o JOIN line_items li ON li.order_id = o.id WHERE o.customer_id = $1 AND o.status = $2', [customer, 'open']);",
        "export const since = (at: Date) => pool.query('SELECT id, status FROM orders WHERE created_at > $1 ORDER BY status', [at]);",
        '',
      ].join('\n');
      const dir = repository({ 'db/migrations/1_shop.up.sql': shop }, { 'app/shop.ts': code });
      const config = parseConfig('tables:\n  orders: 5M\n  line_items: 20M\n', '.github/db-review.yml');
      const result = await reviewSource(gitSource(dir, ['.'], 'main'), config, { shadow: provider });
      const costs = (message: string) => message.replace(/cost is [\d,]+(\.\d+)?/, 'cost is C').replace(/at [\d,.]+ on the shadow/, 'at C on the shadow').replace(/about [\d,]+ MB/, 'about N MB');
      expect(result.review.findings.map((f) => [f.rule, f.severity, f.line, costs(f.message)])).toEqual([
        [
          'query-join-without-index',
          'error',
          2,
          "PostgreSQL joins `line_items` by reading all 20,000,000 of its rows (by the size hints) on every call, in a hash join: the query's estimated cost is C. An index on its join key (order_id) lets it look up only the matching rows, at C on the shadow database: `CREATE INDEX CONCURRENTLY line_items_order_id_idx ON line_items (order_id);`",
        ],
        [
          'query-sort-spills',
          'error',
          3,
          "PostgreSQL plans a sort of about 1,666,667 rows of `orders` (about N MB, more than the about 4 MB of work_mem here: the sort goes to disk) on every call: the query's estimated cost is C. No index in that order halves the cost on the shadow database: return fewer rows (LIMIT, and the last key seen for the next page), or sort fewer.",
        ],
      ]);
      const join = result.trace?.queries.find((p) => p.query.line === 2)?.operation;
      expect(join?.advice?.after).toBeLessThan((join?.plan['Total Cost'] ?? 0) / 2);
    });

    it('reports a filter on a function or cast of an indexed column, with the index on the expression when PostgreSQL takes one', async () => {
      const users = [
        'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL);',
        'CREATE INDEX users_email_idx ON users (email);',
        'CREATE INDEX users_created_at_idx ON users (created_at);',
        '',
      ].join('\n');
      const code = [
        "import { pool } from './db.ts';",
        "export const byEmail = (email: string) => pool.query('SELECT id FROM users WHERE lower(email) = $1', [email]);",
        "export const joinedOn = (day: string) => pool.query('SELECT id FROM users WHERE created_at::date = $1', [day]);",
        "export const exact = (email: string) => pool.query('SELECT id FROM users WHERE email = $1', [email]);",
        '',
      ].join('\n');
      const dir = repository({ 'db/migrations/1_users.up.sql': users }, { 'app/users.ts': code });
      const config = parseConfig('tables:\n  users: 3M\n', '.github/db-review.yml');
      const result = await reviewSource(gitSource(dir, ['.'], 'main'), config, { shadow: provider });
      const hidden = result.review.findings.filter((f) => f.rule === 'query-function-hides-index');
      expect(hidden.map((f) => [f.line, f.message.replace(/from [\d,.]+ to [\d,.]+ on/, 'from C to C on')])).toEqual([
        [
          2,
          'The filter `(lower(email) = $1)` compares `lower(email)`, not `email` itself, so the index `users_email_idx` on `email` cannot serve it and PostgreSQL reads `users` with a sequential scan. An index on the expression brings the query from C to C on the shadow database: `CREATE INDEX CONCURRENTLY users_lower_email_idx ON users (lower(email));`',
        ],
        [
          3,
          "The filter `((created_at)::date = $1)` compares `created_at::date`, not `created_at` itself, so the index `users_created_at_idx` on `created_at` cannot serve it and PostgreSQL reads `users` with a sequential scan. Compare the column itself (for a cast or a truncation, a range: `created_at >= $1 AND created_at < $2`), or index the expression if PostgreSQL takes it (its functions must be IMMUTABLE).",
        ],
      ]);
    });

    it('plans an INSERT without running it, and leaves no transaction or prepared statement behind', async () => {
      await loadParser();
      const db = await provider.open();
      try {
        await db.query('CREATE TABLE t (id int)');
        const outcome = await planQuery(db, query('INSERT INTO t VALUES ($1)', ['id']), { refuse, timeoutMs: 5_000 });
        expect(outcome).toMatchObject({ kind: 'planned', plan: { 'Node Type': 'ModifyTable', Operation: 'Insert' } });
        const { rows } = await db.query("SELECT (SELECT count(*) FROM t)::int AS rows, (SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'db_review_plan%')::int AS prepared");
        expect(rows).toEqual([{ rows: 0, prepared: 0 }]);
        expect(await planQuery(db, query('SELECT missing FROM t'), { refuse, timeoutMs: 5_000 })).toEqual({
          kind: 'failed',
          message: 'column "missing" does not exist',
          code: '42703',
          line: 10,
        });
      } finally {
        await db.close();
      }
    });

    it('shows the planner a size on a heap lent for the while, then gives each table back its own rows and figures', async () => {
      await loadParser();
      const db = await provider.open();
      try {
        await db.query("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL); INSERT INTO notes VALUES (1, 'a'), (2, 'b')");
        const figures = "SELECT relfilenode::bigint AS file, relpages, reltuples FROM pg_class WHERE relname IN ('notes', 'notes_pkey') ORDER BY relname";
        const { rows: before } = await db.query(figures);
        const size = { rows: 5_000_000, source: 'production statistics' as const, columns: [{ column: 'body', nullFrac: 0, nDistinct: 4, avgWidth: 12 }] };
        const assumed = await assumeTableSizes(db, (table) => (table === 'public.notes' ? size : undefined));
        expect(assumed).toMatchObject({ sized: [{ name: 'public.notes', rows: 5_000_000, columns: ['body'] }], unsized: [] });
        const outcome = await planQuery(db, query('SELECT id FROM notes WHERE body = $1', ['body']), { refuse, timeoutMs: 5_000 });
        expect(outcome).toMatchObject({ kind: 'planned', plan: { 'Node Type': 'Seq Scan', 'Plan Rows': 1_250_000 } });
        await assumed.undo();
        expect((await db.query(figures)).rows).toEqual(before);
        const { rows } = await db.query("SELECT (SELECT count(*) FROM notes)::int AS notes, (SELECT count(*) FROM pg_namespace WHERE nspname = 'db_review_sizes')::int AS schemas");
        expect(rows).toEqual([{ notes: 2, schemas: 0 }]);
      } finally {
        await db.close();
      }
    });

    it('leaves the tables at their own sizes, and a schema of the change alone, when the name db-review lends heaps from is taken', async () => {
      await loadParser();
      const db = await provider.open();
      try {
        await db.query('CREATE TABLE notes (id int PRIMARY KEY); CREATE SCHEMA db_review_sizes; CREATE TABLE db_review_sizes.mine (id int)');
        const assumed = await assumeTableSizes(db, (table) => (table === 'public.notes' ? { rows: 1_000_000, source: 'size hint' } : undefined));
        expect(assumed).toMatchObject({ sized: [], unsized: [{ name: 'public.notes', reason: 'schema "db_review_sizes" already exists' }] });
        await assumed.undo();
        expect((await db.query('SELECT count(*)::int AS n FROM db_review_sizes.mine')).rows).toEqual([{ n: 0 }]);
      } finally {
        await db.close();
      }
    });

    it("refuses a query the migrations' guard would refuse, without sending it", async () => {
      await loadParser();
      const db = await provider.open();
      try {
        expect(await planQuery(db, query("SELECT pg_read_file('/etc/passwd')"), { refuse, timeoutMs: 5_000 })).toMatchObject({ kind: 'refused' });
      } finally {
        await db.close();
      }
    });
  });
}

describe('a pull request to an app in TypeScript, Python and Go, on the embedded shadow', () => {
  const provider = createEmbeddedProvider({ extensions: DEFAULT_CONFIG.shadow.extensions });
  afterAll(() => provider.dispose());
  const base = {
    'db/migrations/1_shop.up.sql': [
      'CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, country text NOT NULL);',
      'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id), status text NOT NULL, total numeric NOT NULL);',
      'CREATE INDEX orders_customer_id_idx ON orders (customer_id);',
      '',
    ].join('\n'),
    'web/orders.ts': "import { pool } from './db.ts';\nexport const ofCustomer = (id: number) => pool.query('SELECT id FROM orders WHERE customer_id = $1', [id]);\n",
  };
  const change = {
    'web/customers.ts': "import { pool } from './db.ts';\nexport const byEmail = (email: string) => pool.query('SELECT id FROM customers WHERE email = $1', [email]);\n",
    'jobs/report.py': 'def open_orders(cur, status):\n    cur.execute("SELECT id, total FROM orders WHERE status = %s", (status,))\n    return cur.fetchall()\n',
    'api/store.go': 'package api\n\nfunc ByCountry(db *sql.DB, country string) (*sql.Rows, error) {\n\treturn db.Query(`SELECT id FROM customers WHERE country = $1`, country)\n}\n',
  };

  it('finds the unindexed filter on a large table in each language, with the costs of the index that ends it', async () => {
    const dir = repository(base, change);
    const config = parseConfig('tables:\n  customers: 2M\n  orders: 50M\n', '.github/db-review.yml');
    const result = await reviewSource(gitSource(dir, ['.'], 'main'), config, { shadow: provider });
    const scans = result.review.findings.filter((f) => f.rule === 'query-seq-scan');
    expect(scans.map((f) => [f.path, f.line, f.severity])).toEqual([
      ['api/store.go', 4, 'error'],
      ['jobs/report.py', 2, 'error'],
      ['web/customers.ts', 2, 'error'],
    ]);
    expect(scans.map((f) => /`(CREATE INDEX CONCURRENTLY [^`]+)`$/.exec(f.message)?.[1])).toEqual([
      'CREATE INDEX CONCURRENTLY customers_country_idx ON customers (country);',
      'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);',
      'CREATE INDEX CONCURRENTLY customers_email_idx ON customers (email);',
    ]);
    // The unchanged query is served by its index, and was not the change's to report anyway.
    expect(result.review.findings.some((f) => f.path === 'web/orders.ts')).toBe(false);
  });
});

describePlans('embedded', () => createEmbeddedProvider({ extensions: DEFAULT_CONFIG.shadow.extensions }));
if (await serverReachable()) {
  describePlans('server', () => createServerProvider({ url: SERVER_URL, extensions: DEFAULT_CONFIG.shadow.extensions, keepTemplates: false }));
}
