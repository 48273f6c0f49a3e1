import { afterAll, describe, expect, it } from 'vitest';
import type { ParsedMigration } from '../../src/lint/engine.ts';
import type { ShadowProvider } from '../../src/shadow/provider.ts';
import { runShadow } from '../../src/shadow/run.ts';
import type { StatementTrace } from '../../src/shadow/trace-types.ts';
import { loadParser } from '../../src/sql/libpg.ts';
import { DEFAULT_LIMITS } from '../../src/shadow/provider.ts';
import { migration, parsed } from '../helpers/lint.ts';

/** Existing tables with rows and indexes, as production would have them. */
const BASE = `
CREATE TABLE users (id bigint PRIMARY KEY, email text);
INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 200) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, amount integer, note varchar(50), status text NOT NULL DEFAULT 'new');
INSERT INTO orders SELECT g, 1 + g % 200, g, 'n' || g, 'new' FROM generate_series(1, 1000) g;
CREATE INDEX orders_note_idx ON orders (note);
CREATE UNIQUE INDEX orders_id_note_key ON orders (id, note);
ALTER TABLE orders ADD CONSTRAINT orders_amount_check CHECK (amount > 0) NOT VALID;
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 (id bigint NOT NULL, at date NOT NULL);
INSERT INTO events_2025 VALUES (1, '2025-02-01');
CREATE MATERIALIZED VIEW order_totals AS SELECT user_id, count(*) AS orders FROM orders GROUP BY user_id;
`;

interface Form {
  sql: string;
  /** Strongest lock observed on each table itself (indexes aside). */
  locks: Record<string, string>;
  rewrite?: string[];
  scan?: string[];
}

/** Each form the rules reason about, with the lock PostgreSQL's documentation gives it. */
export const FORMS: Form[] = [
  { sql: 'ALTER TABLE orders ADD COLUMN x int', locks: { orders: 'ACCESS EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders ADD COLUMN x int NOT NULL DEFAULT 0', locks: { orders: 'ACCESS EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders ADD COLUMN x float8 DEFAULT random()', locks: { orders: 'ACCESS EXCLUSIVE' }, rewrite: ['orders'] },
  { sql: 'ALTER TABLE orders ADD COLUMN x bigserial', locks: { orders: 'ACCESS EXCLUSIVE' }, rewrite: ['orders'] },
  { sql: 'ALTER TABLE orders ADD COLUMN x bigint GENERATED ALWAYS AS (amount * 2) STORED', locks: { orders: 'ACCESS EXCLUSIVE' }, rewrite: ['orders'] },
  { sql: 'ALTER TABLE orders DROP COLUMN note', locks: { orders: 'ACCESS EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders ALTER COLUMN amount TYPE bigint', locks: { orders: 'ACCESS EXCLUSIVE' }, rewrite: ['orders'] },
  { sql: 'ALTER TABLE orders ALTER COLUMN note TYPE varchar(100)', locks: { orders: 'ACCESS EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders ALTER COLUMN note TYPE text', locks: { orders: 'ACCESS EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders ALTER COLUMN note TYPE varchar(20)', locks: { orders: 'ACCESS EXCLUSIVE' }, rewrite: ['orders'] },
  { sql: 'ALTER TABLE orders ALTER COLUMN note SET NOT NULL', locks: { orders: 'ACCESS EXCLUSIVE' }, scan: ['orders'] },
  { sql: 'ALTER TABLE orders ALTER COLUMN status DROP NOT NULL', locks: { orders: 'ACCESS EXCLUSIVE' } },
  { sql: "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'open'", locks: { orders: 'ACCESS EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders ADD CONSTRAINT amount_small CHECK (amount < 1000000)', locks: { orders: 'ACCESS EXCLUSIVE' }, scan: ['orders'] },
  { sql: 'ALTER TABLE orders ADD CONSTRAINT amount_small CHECK (amount < 1000000) NOT VALID', locks: { orders: 'ACCESS EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_check', locks: { orders: 'SHARE UPDATE EXCLUSIVE' }, scan: ['orders'] },
  { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)', locks: { orders: 'SHARE ROW EXCLUSIVE', users: 'SHARE ROW EXCLUSIVE' }, scan: ['orders', 'users'] },
  { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID', locks: { orders: 'SHARE ROW EXCLUSIVE', users: 'SHARE ROW EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_note_key UNIQUE (note)', locks: { orders: 'ACCESS EXCLUSIVE' }, scan: ['orders'] },
  { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_id_note_uq UNIQUE USING INDEX orders_id_note_key', locks: { orders: 'ACCESS EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders ALTER COLUMN amount SET STATISTICS 500', locks: { orders: 'SHARE UPDATE EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders SET (fillfactor = 70)', locks: { orders: 'SHARE UPDATE EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders CLUSTER ON orders_note_idx', locks: { orders: 'SHARE UPDATE EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders DISABLE TRIGGER ALL', locks: { orders: 'SHARE ROW EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders REPLICA IDENTITY FULL', locks: { orders: 'ACCESS EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders RENAME COLUMN note TO remark', locks: { orders: 'ACCESS EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders RENAME TO purchases', locks: { purchases: 'ACCESS EXCLUSIVE' } },
  { sql: 'ALTER TABLE orders SET UNLOGGED', locks: { orders: 'ACCESS EXCLUSIVE' }, rewrite: ['orders'] },
  { sql: 'ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM (\'2025-01-01\') TO (\'2026-01-01\')', locks: { events: 'SHARE UPDATE EXCLUSIVE', events_2025: 'ACCESS EXCLUSIVE' }, scan: ['events_2025'] },
  { sql: 'ALTER TABLE events DETACH PARTITION events_2024', locks: { events: 'ACCESS EXCLUSIVE', events_2024: 'ACCESS EXCLUSIVE' } },
  { sql: 'CREATE INDEX orders_amount_idx ON orders (amount)', locks: { orders: 'SHARE' }, scan: ['orders'] },
  { sql: 'DROP INDEX orders_note_idx', locks: { orders: 'ACCESS EXCLUSIVE' } },
  { sql: 'REINDEX INDEX orders_note_idx', locks: { orders: 'SHARE' }, scan: ['orders'] },
  { sql: 'TRUNCATE orders', locks: { orders: 'ACCESS EXCLUSIVE' }, rewrite: ['orders'] },
  { sql: 'CLUSTER orders USING orders_note_idx', locks: { orders: 'ACCESS EXCLUSIVE' }, rewrite: ['orders'] },
  { sql: 'LOCK TABLE orders IN SHARE MODE', locks: { orders: 'SHARE' } },
  { sql: 'UPDATE orders SET amount = amount + 1', locks: { orders: 'ROW EXCLUSIVE' }, scan: ['orders'] },
  { sql: 'REFRESH MATERIALIZED VIEW order_totals', locks: { order_totals: 'ACCESS EXCLUSIVE', orders: 'ACCESS SHARE' }, rewrite: ['order_totals'], scan: ['orders'] },
  { sql: 'CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id))', locks: { orders: 'SHARE ROW EXCLUSIVE' } },
];

function tableLocks(trace: StatementTrace): Record<string, string> {
  return Object.fromEntries(trace.locks.filter((l) => !l.relation).map((l) => [l.table.replace(/^public\./, ''), l.mode]));
}

const bare = (relations: string[]) => relations.filter((r) => !r.includes('_idx') && !r.endsWith('_pkey') && !r.endsWith('_key')).map((r) => r.replace(/^public\./, ''));

/** Traces every form on a fresh copy of BASE and compares with what PostgreSQL documents. */
export function describeLockForms(name: string, makeProvider: () => Promise<ShadowProvider>): void {
  describe(`observed locks, rewrites and scans of each ALTER TABLE form: ${name}`, () => {
    let provider: ShadowProvider | undefined;
    afterAll(async () => provider?.dispose());
    const base = parsed(migration('000_base', BASE), false);

    it.each(FORMS.map((form) => [form.sql, form] as const))('%s', async (_sql, form) => {
      await loadParser();
      provider ??= await makeProvider();
      const change: ParsedMigration = parsed(migration('001_change', `${form.sql};`), true);
      const trace = await runShadow([base, change], { provider, limits: DEFAULT_LIMITS, refuse: () => undefined });
      const statement = trace.migrations[0]!.statements[0]!;
      expect(statement.error).toBeUndefined();
      expect(tableLocks(statement)).toEqual(form.locks);
      expect(bare(statement.rewrites)).toEqual(form.rewrite ?? []);
      expect(bare(statement.scans)).toEqual(form.scan ?? []);
    });
  });
}

/** Both providers point at the same place in a statement with characters outside the BMP. */
export function describeErrorPosition(name: string, makeProvider: () => Promise<ShadowProvider>): void {
  it(`${name}: places an error after an emoji at the right column`, async () => {
    await loadParser();
    const provider = await makeProvider();
    try {
      const change = parsed(migration('001_change', "SELECT '😀😀' AS smile, nope FROM pg_class;"), true);
      const trace = await runShadow([change], { provider, limits: DEFAULT_LIMITS, refuse: () => undefined });
      expect(trace.migrations[0]!.statements[0]!.error).toMatchObject({ message: 'column "nope" does not exist', line: 1, col: 25 });
    } finally {
      await provider.dispose();
    }
  });
}
