import { describe, expect, it } from 'vitest';
import { validateInSameTransaction } from '../../rules/validate-in-same-transaction.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [validateInSameTransaction];
const ADD = 'ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;';
const VALIDATE = 'ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;';

describe('validate-in-same-transaction', () => {
  it('reports the ADD\'s lock still held during the validation, with the lines', async () => {
    const findings = await lintSql(`${ADD}\nSELECT 1;\n${VALIDATE}`, { rules, tableRows: { orders: 800 } });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 3 });
    expect(findings[0]!.message).toBe(
      'VALIDATE CONSTRAINT `orders_amount_positive` runs in the same transaction that added it NOT VALID on line 1, so the transaction still holds the ACCESS EXCLUSIVE lock on `orders` (blocks reads and writes; taken on line 1) during the validation scan (≈ 800 rows by the size hints): NOT VALID gains nothing. Move it to a later migration.',
    );
    expect(findings[0]!.fix).toBeUndefined();
  });

  it('names both tables a foreign key locked', async () => {
    const findings = await lintSql(
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;',
      { rules, transaction: 'implicit', framework: 'prisma' },
    );
    expect(findings[0]!.message).toContain('the SHARE ROW EXCLUSIVE lock on `orders` (blocks writes; taken on line 1) and the SHARE ROW EXCLUSIVE lock on `users` (blocks writes; taken on line 1)');
  });

  it('matches an unnamed CHECK by the name PostgreSQL gives it', async () => {
    const findings = await lintSql('ALTER TABLE orders ADD CHECK (amount > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_amount_check;', { rules });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('added it NOT VALID on line 1');
  });

  it('suggests a COMMIT when the file manages its own transaction', async () => {
    const findings = await lintSql(`BEGIN;\n${ADD}\n${VALIDATE}\nCOMMIT;`, { rules, transaction: 'per-statement' });
    expect(findings[0]!.message).toContain('COMMIT before it, or move it to a later migration.');
  });

  it('stays silent when the statements run separately, after a COMMIT, or on a new table', async () => {
    expect(await lintSql(`${ADD}\n${VALIDATE}`, { rules, transaction: 'per-statement' })).toEqual([]);
    expect(await lintSql(`BEGIN;\n${ADD}\nCOMMIT;\n${VALIDATE}`, { rules, transaction: 'per-statement' })).toEqual([]);
    expect(await lintSql(VALIDATE, { rules })).toEqual([]);
    expect(await lintSql('CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;', { rules })).toEqual([]);
    // A constraint of the same name on another table is a different constraint.
    expect(await lintSql(`${ADD}\nALTER TABLE users VALIDATE CONSTRAINT orders_amount_positive;`, { rules })).toEqual([]);
  });
});
