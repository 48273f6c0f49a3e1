import { describe, expect, it } from 'vitest';
import { disableTriggerAll } from '../../rules/disable-trigger-all.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [disableTriggerAll];

describe('disable-trigger-all', () => {
  it('warns that DISABLE TRIGGER ALL turns off foreign keys and that ENABLE does not re-check', async () => {
    const sql = 'SELECT 1;\nALTER TABLE orders DISABLE TRIGGER ALL;\nUPDATE orders SET user_id = 99 WHERE id = 7;\nALTER TABLE orders ENABLE TRIGGER ALL;';
    const findings = await lintSql(sql, { rules });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'disable-trigger-all', severity: 'warning', line: 2 });
    expect(findings[0]!.message).toBe(
      'DISABLE TRIGGER ALL turns off all triggers on `orders`, including the internal ones that enforce its foreign keys (superuser only): rows written before it is re-enabled on line 4 are never checked: ENABLE does not re-check them.',
    );
    expect(findings[0]!.detail).toContain('superuser');
    expect(findings[0]!.detail).toContain('VALIDATE CONSTRAINT');
  });

  it('says when nothing re-enables them', async () => {
    const findings = await lintSql('ALTER TABLE orders DISABLE TRIGGER ALL;', { rules });
    expect(findings[0]!.message).toContain('nothing in this migration re-enables them, so from now on no write to `orders`, by anyone, is checked against its foreign keys');
  });

  it('fires on ALL even for a table created in the same migration: its own rows go unchecked', async () => {
    const sql = 'CREATE TABLE items (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));\nALTER TABLE items DISABLE TRIGGER ALL;\nALTER TABLE items ENABLE TRIGGER ALL;';
    expect((await lintSql(sql, { rules })).map((f) => [f.line, f.severity])).toEqual([[2, 'warning']]);
  });

  it('treats a named internal foreign-key trigger like ALL', async () => {
    const findings = await lintSql('ALTER TABLE orders DISABLE TRIGGER "RI_ConstraintTrigger_c_16412";\nALTER TABLE orders ENABLE TRIGGER USER;', { rules });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.severity).toBe('warning');
    expect(findings[0]!.message).toContain('the foreign-key trigger `RI_ConstraintTrigger_c_16412`');
    // ENABLE TRIGGER USER does not turn internal triggers back on.
    expect(findings[0]!.message).toContain('nothing in this migration re-enables them');
  });

  it('USER re-enabled in the same transaction is only a notice: other writers are locked out meanwhile', async () => {
    const sql = "ALTER TABLE orders DISABLE TRIGGER USER;\nUPDATE orders SET status = 'x' WHERE id = 1;\nALTER TABLE orders ENABLE TRIGGER USER;";
    const findings = await lintSql(sql, { rules, transaction: 'per-file' });
    expect(findings.map((f) => [f.line, f.severity])).toEqual([[1, 'notice']]);
    expect(findings[0]!.message).toContain('for the rows this migration writes before line 3');
  });

  it('a named trigger re-enabled in another transaction leaves a window: warning', async () => {
    const sql = "ALTER TABLE orders DISABLE TRIGGER orders_audit;\nUPDATE orders SET status = 'x' WHERE id = 1;\nALTER TABLE orders ENABLE TRIGGER orders_audit;";
    const findings = await lintSql(sql, { rules, transaction: 'per-statement' });
    expect(findings[0]!.severity).toBe('warning');
    expect(findings[0]!.message).toBe(
      'DISABLE TRIGGER orders_audit turns off trigger `orders_audit` until line 3, which runs in a separate transaction: writes by other sessions in between skip it, and re-enabling does not replay what was skipped.',
    );
  });

  it('a COMMIT between disable and enable also leaves a window', async () => {
    const sql = 'BEGIN;\nALTER TABLE orders DISABLE TRIGGER USER;\nCOMMIT;\nALTER TABLE orders ENABLE TRIGGER USER;';
    const findings = await lintSql(sql, { rules, transaction: 'per-statement' });
    expect(findings[0]!.severity).toBe('warning');
    expect(findings[0]!.message).toContain('until line 4, which runs in a separate transaction');
  });

  it('re-enabling another trigger does not count', async () => {
    const findings = await lintSql('ALTER TABLE orders DISABLE TRIGGER a;\nALTER TABLE orders ENABLE TRIGGER b;', { rules });
    expect(findings[0]!.severity).toBe('warning');
    expect(findings[0]!.message).toContain('nothing in this migration re-enables it');
  });

  it('stays silent on ENABLE, and on USER triggers of a new table re-enabled in the migration', async () => {
    expect(await lintSql('ALTER TABLE orders ENABLE TRIGGER ALL;\nALTER TABLE orders ENABLE ALWAYS TRIGGER t;', { rules })).toEqual([]);
    const sql = 'CREATE TABLE imports (id bigint);\nALTER TABLE imports DISABLE TRIGGER USER;\nALTER TABLE imports ENABLE TRIGGER USER;';
    expect(await lintSql(sql, { rules, transaction: 'per-statement' })).toEqual([]);
  });
});
