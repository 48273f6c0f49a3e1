import { describe, expect, it } from 'vitest';
import { exclusionConstraint } from '../../rules/exclusion-constraint.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [exclusionConstraint];

describe('exclusion-constraint', () => {
  it('reports the index build under ACCESS EXCLUSIVE and says there is no safe form', async () => {
    const sql = 'ALTER TABLE orders ADD CONSTRAINT orders_no_overlap\n  EXCLUDE USING gist (user_id WITH =, tstzrange(created_at, paid_at) WITH &&);\nSELECT 1;';
    const findings = await lintSql(sql, { rules });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'error', line: 1, endLine: 2 });
    expect(findings[0]!.message).toBe(
      'ADD CONSTRAINT `orders_no_overlap` EXCLUDE builds a gist index and checks every row for conflicts under an ACCESS EXCLUSIVE lock on `orders` (blocks reads and writes) until the transaction commits (1 more statement): every query on `orders` waits for the whole build. Exclusion constraints have no NOT VALID or concurrent form: add it in a maintenance window, or build a new table with it and swap.',
    );
    expect(findings[0]!.fix).toBeUndefined();
  });

  it('names an unnamed constraint as PostgreSQL does and defaults to btree', async () => {
    const findings = await lintSql('ALTER TABLE users ADD EXCLUDE (email WITH =);', { rules });
    expect(findings[0]!.message).toContain('ADD CONSTRAINT `users_email_excl` EXCLUDE builds a btree index');
  });

  it('stays silent on new tables', async () => {
    expect(await lintSql('CREATE TABLE b (room int, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&));', { rules })).toEqual([]);
    expect(await lintSql('CREATE TABLE b (room int);\nALTER TABLE b ADD EXCLUDE (room WITH =);', { rules })).toEqual([]);
  });
});
