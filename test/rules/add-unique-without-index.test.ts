import { describe, expect, it } from 'vitest';
import { addUniqueWithoutIndex } from '../../rules/add-unique-without-index.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [addUniqueWithoutIndex];

describe('add-unique-without-index', () => {
  it('reports the index build under ACCESS EXCLUSIVE and the USING INDEX route', async () => {
    const findings = await lintSql('SELECT 1;\nALTER TABLE orders ADD CONSTRAINT orders_note_key UNIQUE (note);', { rules, tableRows: { orders: 2_000_000 } });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 2 });
    expect(findings[0]!.message).toBe(
      'ADD CONSTRAINT `orders_note_key` UNIQUE builds its index under an ACCESS EXCLUSIVE lock on `orders` (blocks reads and writes) for the whole statement: every query on `orders` waits for the whole build (≈ 2,000,000 rows by the size hints). Build the index with CREATE UNIQUE INDEX CONCURRENTLY first, then add the constraint with `UNIQUE USING INDEX`.',
    );
    expect(findings[0]!.detail).toContain('CREATE UNIQUE INDEX CONCURRENTLY orders_note_key ON orders (note);\n-- 2.');
    expect(findings[0]!.detail).toContain('ALTER TABLE orders ADD CONSTRAINT orders_note_key UNIQUE USING INDEX orders_note_key;');
    // Inside the runner's transaction the two-step rewrite would fail: no fix.
    expect(findings[0]!.fix).toBeUndefined();
  });

  it('rewrites into the two steps when each statement runs on its own', async () => {
    const findings = await lintSql('  ALTER TABLE public.users ADD UNIQUE NULLS NOT DISTINCT (email, "Name"); -- unique emails', {
      rules,
      transaction: 'per-statement',
    });
    expect(findings[0]!.message).toContain('ADD CONSTRAINT `users_email_Name_key` UNIQUE');
    expect(findings[0]!.fix).toEqual({
      startLine: 1,
      endLine: 1,
      replacement:
        '  CREATE UNIQUE INDEX CONCURRENTLY "users_email_Name_key" ON public.users (email, "Name") NULLS NOT DISTINCT;\n  ALTER TABLE public.users ADD CONSTRAINT "users_email_Name_key" UNIQUE USING INDEX "users_email_Name_key"; -- unique emails',
    });
  });

  it('for a primary key on nullable columns, mentions the SET NOT NULL scan and the CHECK NOT VALID route', async () => {
    const base = 'CREATE TABLE legacy (id bigint, code text NOT NULL);';
    const findings = await lintSql('ALTER TABLE legacy ADD PRIMARY KEY (id);', { rules, base, transaction: 'per-statement' });
    expect(findings[0]!.message).toContain('ADD CONSTRAINT `legacy_pkey` PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock on `legacy` (blocks reads and writes) for the whole statement, and first scans the table to set NOT NULL on `id`');
    expect(findings[0]!.fix).toBeUndefined();
    expect(findings[0]!.detail).toContain('ADD CONSTRAINT legacy_id_not_null CHECK (id IS NOT NULL) NOT VALID;');
    const notNull = await lintSql('ALTER TABLE legacy ADD PRIMARY KEY (code);', { rules, base, transaction: 'per-statement' });
    expect(notNull[0]!.fix?.replacement).toBe('CREATE UNIQUE INDEX CONCURRENTLY legacy_pkey ON legacy (code);\nALTER TABLE legacy ADD CONSTRAINT legacy_pkey PRIMARY KEY USING INDEX legacy_pkey;');
    const before12 = await lintSql('ALTER TABLE legacy ADD PRIMARY KEY (id);', { rules, base, pgVersion: 11 });
    expect(before12[0]!.detail).toContain('Before PostgreSQL 12, SET NOT NULL always scans the table');
  });

  it('gives the per-partition route for partitioned tables', async () => {
    const findings = await lintSql('ALTER TABLE events ADD PRIMARY KEY (id, happened_at);', { rules, transaction: 'per-statement' });
    expect(findings[0]!.fix).toBeUndefined();
    expect(findings[0]!.message).toContain('Build a matching unique index CONCURRENTLY on each partition first');
    expect(findings[0]!.detail).toContain('CREATE INDEX CONCURRENTLY cannot build an index on a partitioned table');
  });

  it('stays silent for USING INDEX and for tables created in the same migration', async () => {
    expect(await lintSql('ALTER TABLE orders ADD CONSTRAINT orders_note_key UNIQUE USING INDEX orders_note_idx;', { rules })).toEqual([]);
    expect(await lintSql('CREATE TABLE t (id bigint, code text);\nALTER TABLE t ADD PRIMARY KEY (id), ADD UNIQUE (code);', { rules })).toEqual([]);
  });
});
