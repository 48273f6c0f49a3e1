import { describe, expect, it } from 'vitest';
import { setNotNull } from '../../rules/set-not-null.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [setNotNull], ...options });
const BASE = 'CREATE TABLE orders (id bigint PRIMARY KEY, note text, amount integer NOT NULL);';

describe('set-not-null', () => {
  it('reports the scan under ACCESS EXCLUSIVE and the CHECK ... NOT VALID way around it', async () => {
    const findings = await run('ALTER TABLE orders ALTER COLUMN note SET NOT NULL;', { base: BASE, tableRows: { orders: 5_000_000 } });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 1 });
    expect(findings[0]!.message).toBe(
      'SET NOT NULL on `orders.note` scans all of `orders` (≈ 5,000,000 rows by the size hints) for NULLs while holding an ACCESS EXCLUSIVE lock on `orders` (blocks reads and writes) for the whole statement. Add a CHECK (note IS NOT NULL) NOT VALID, VALIDATE it in a later migration, then SET NOT NULL: the scan is skipped.',
    );
    expect(findings[0]!.detail).toContain('ALTER TABLE orders ADD CONSTRAINT orders_note_not_null CHECK (note IS NOT NULL) NOT VALID;  -- instant');
    expect(findings[0]!.detail).not.toContain('PostgreSQL 18');
  });

  it('is silent when a validated CHECK proves the column, and names a NOT VALID one to validate', async () => {
    const validated = `${BASE}\nALTER TABLE orders ADD CONSTRAINT orders_note_nn CHECK (note IS NOT NULL) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_note_nn;`;
    expect(await run('ALTER TABLE orders ALTER COLUMN note SET NOT NULL;', { base: validated })).toEqual([]);

    const pending = `${BASE}\nALTER TABLE orders ADD CONSTRAINT orders_note_nn CHECK (note IS NOT NULL) NOT VALID;`;
    const findings = await run('ALTER TABLE orders ALTER COLUMN note SET NOT NULL;', { base: pending });
    expect(findings[0]!.message).toContain('`orders_note_nn` proves it but is NOT VALID: VALIDATE CONSTRAINT orders_note_nn in an earlier migration first');
    expect(findings[0]!.detail).toContain('ALTER TABLE orders VALIDATE CONSTRAINT orders_note_nn;');
    expect(findings[0]!.detail).not.toContain('ADD CONSTRAINT');

    // Dropping the proving constraint in the same ALTER TABLE voids it.
    const dropped = await run('ALTER TABLE orders DROP CONSTRAINT orders_note_nn, ALTER COLUMN note SET NOT NULL;', { base: validated });
    expect(dropped).toHaveLength(1);
  });

  it('cannot avoid the scan before PostgreSQL 12', async () => {
    const validated = `${BASE}\nALTER TABLE orders ADD CONSTRAINT orders_note_nn CHECK (note IS NOT NULL);`;
    const findings = await run('ALTER TABLE orders ALTER COLUMN note SET NOT NULL;', { base: validated, pgVersion: 11 });
    expect(findings[0]!.message).toContain('Before PostgreSQL 12 (the target is 11) nothing lets it skip the scan');
    expect(await run('ALTER TABLE orders ALTER COLUMN note SET NOT NULL;', { base: validated, pgVersion: 12 })).toEqual([]);
  });

  it('offers NOT NULL ... NOT VALID on PostgreSQL 18 and checks ADD CONSTRAINT ... NOT NULL too', async () => {
    const findings = await run('ALTER TABLE orders ADD CONSTRAINT orders_note_nn NOT NULL note;', { base: BASE, pgVersion: 18 });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('ADD CONSTRAINT orders_note_nn NOT NULL on `orders.note` scans all of `orders`');
    expect(findings[0]!.message).toContain('Add `NOT NULL note` as a constraint NOT VALID and VALIDATE it in a later migration (PostgreSQL 18)');
    expect(findings[0]!.detail).toContain('ALTER TABLE orders ADD CONSTRAINT orders_note_not_null NOT NULL note NOT VALID;  -- instant');

    expect(await run('ALTER TABLE orders ADD CONSTRAINT orders_note_nn NOT NULL note NOT VALID;', { base: BASE, pgVersion: 18 })).toEqual([]);
    const sequence = 'ALTER TABLE orders ADD CONSTRAINT orders_note_nn NOT NULL note NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_note_nn;\nALTER TABLE orders ALTER COLUMN note SET NOT NULL;';
    expect(await run(sequence, { base: BASE, pgVersion: 18, transaction: 'per-statement' })).toEqual([]);
  });

  it('ignores columns already NOT NULL and tables created in the same migration', async () => {
    expect(await run('ALTER TABLE orders ALTER COLUMN amount SET NOT NULL;', { base: BASE })).toEqual([]);
    expect(await run('CREATE TABLE t (id bigint, name text);\nALTER TABLE t ALTER COLUMN name SET NOT NULL;')).toEqual([]);
  });

  it('reports each column of a multi-column ALTER TABLE', async () => {
    const findings = await run('ALTER TABLE users ALTER COLUMN name SET NOT NULL, ALTER COLUMN status SET NOT NULL;');
    expect(findings.map((f) => f.message.slice(0, 30))).toEqual(['SET NOT NULL on `users.name` s', 'SET NOT NULL on `users.status`']);
  });
});
