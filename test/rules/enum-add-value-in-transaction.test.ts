import { describe, expect, it } from 'vitest';
import { enumAddValueInTransaction } from '../../rules/enum-add-value-in-transaction.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [enumAddValueInTransaction], ...options });

const BASE = "CREATE TYPE shipment_state AS ENUM ('pending', 'sent');\nCREATE TABLE shipments (id bigint PRIMARY KEY, state shipment_state NOT NULL, note text);";

describe('enum-add-value-in-transaction', () => {
  it('reports the later statement that uses the new value, naming the line that added it', async () => {
    const sql = "ALTER TYPE shipment_state ADD VALUE 'returned';\n\nUPDATE shipments SET state = 'returned' WHERE id = 42;";
    const findings = await run(sql, { base: BASE });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 3 });
    expect(findings[0]!.message).toBe(
      'This statement uses the enum value \'returned\' added on line 1 in the same transaction: PostgreSQL refuses with `unsafe use of new value "returned" of enum type shipment_state` until that transaction commits. Commit after the ADD VALUE (a migration of its own) and use the value in a later migration.',
    );
  });

  it('is sure when the statement casts to the enum or sets a default on an enum column, and only warns otherwise', async () => {
    const sql = [
      "ALTER TYPE shipment_state ADD VALUE 'returned';",
      "SELECT 'returned'::shipment_state;",
      "ALTER TABLE shipments ALTER COLUMN state SET DEFAULT 'returned';",
      "UPDATE orders SET status = 'returned';",
    ].join('\n');
    const findings = await run(sql, { base: BASE });
    expect(findings.map((f) => [f.line, f.severity])).toEqual([[2, 'error'], [3, 'error'], [4, 'warning']]);
    expect(findings[2]!.message.startsWith('If this string becomes a value of `shipment_state`, this statement uses')).toBe(true);
  });

  it('is silent once the transaction that added the value has committed', async () => {
    const use = "ALTER TYPE shipment_state ADD VALUE 'returned';\nUPDATE shipments SET state = 'returned';";
    expect(await run(use, { base: BASE, transaction: 'per-statement' })).toEqual([]);
    expect(await run("ALTER TYPE shipment_state ADD VALUE 'returned';\nCOMMIT;\nBEGIN;\nUPDATE shipments SET state = 'returned';", { base: BASE })).toEqual([]);
    // A single statement sent alone runs outside a transaction block.
    expect(await run("ALTER TYPE shipment_state ADD VALUE 'returned';", { base: BASE, transaction: 'implicit' })).toEqual([]);
  });

  it('knows PostgreSQL 17+ lets a type created in the same transaction use its new values', async () => {
    const sql = "CREATE TYPE ticket_state AS ENUM ('open');\nALTER TYPE ticket_state ADD VALUE 'closed';\nSELECT 'closed'::ticket_state;";
    expect(await run(sql, { pgVersion: 17 })).toEqual([]);
    expect((await run(sql, { pgVersion: 16 })).map((f) => f.line)).toEqual([3]);
  });

  it('before PostgreSQL 12, reports the ADD VALUE itself inside a transaction block', async () => {
    const perFile = await run("ALTER TYPE shipment_state ADD VALUE 'returned';", { base: BASE, pgVersion: 11 });
    expect(perFile).toHaveLength(1);
    expect(perFile[0]!.message).toBe(
      'ALTER TYPE `shipment_state` ADD VALUE fails on PostgreSQL 11 with `ALTER TYPE ... ADD cannot run inside a transaction block`, and this statement runs inside one: the runner wraps the migration in one. Put it in a migration that runs outside a transaction, or upgrade to PostgreSQL 12+, where it is allowed.',
    );
    const implicit = await run("ALTER TYPE shipment_state ADD VALUE 'returned';\nSELECT 1;", { base: BASE, pgVersion: 11, transaction: 'implicit' });
    expect(implicit[0]!.message).toContain('the runner sends the file as one multi-statement query, which PostgreSQL runs as an implicit transaction');
    const explicit = await run("BEGIN;\nALTER TYPE shipment_state ADD VALUE 'returned';\nCOMMIT;", { base: BASE, pgVersion: 11, transaction: 'per-statement' });
    expect(explicit.map((f) => f.line)).toEqual([2]);
    expect(explicit[0]!.message).toContain('the BEGIN earlier in the file opened it');
    // Outside a transaction, or on a type created in the same transaction: allowed.
    expect(await run("ALTER TYPE shipment_state ADD VALUE 'returned';", { base: BASE, pgVersion: 11, transaction: 'per-statement' })).toEqual([]);
    expect(await run("CREATE TYPE t AS ENUM ('a');\nALTER TYPE t ADD VALUE 'b';", { pgVersion: 11 })).toEqual([]);
    // The later use is not reported again: the ADD VALUE already failed.
    expect(await run("ALTER TYPE shipment_state ADD VALUE 'returned';\nUPDATE shipments SET state = 'returned';", { base: BASE, pgVersion: 11 })).toHaveLength(1);
  });
});
