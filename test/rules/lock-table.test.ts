import { describe, expect, it } from 'vitest';
import { lockTable } from '../../rules/lock-table.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [lockTable];

describe('lock-table', () => {
  it('the default mode is ACCESS EXCLUSIVE: reads wait too, until commit', async () => {
    const findings = await lintSql('LOCK TABLE orders;\nUPDATE orders SET status = NULL WHERE id = 1;\nSELECT 1;', { rules });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'lock-table', severity: 'warning', line: 1 });
    expect(findings[0]!.message).toBe(
      'LOCK TABLE takes an ACCESS EXCLUSIVE lock (the default when no mode is given) on `orders`, blocking every read and write until the transaction commits (2 more statements); while it waits for the lock, new reads and writes on the table queue behind it.',
    );
    expect(findings[0]!.detail).toContain("SET LOCAL lock_timeout = '2s'");
  });

  it('names the mode and what it blocks', async () => {
    const [share] = await lintSql('LOCK TABLE orders IN SHARE MODE;\nSELECT 1;', { rules });
    expect(share!.message).toContain('takes a SHARE lock on `orders`, blocking every INSERT, UPDATE and DELETE (reads go on)');
    const [exclusive] = await lintSql('LOCK TABLE orders, users IN EXCLUSIVE MODE;\nSELECT 1;', { rules });
    expect(exclusive!.message).toContain('takes an EXCLUSIVE lock on `orders`, `users`, blocking every INSERT, UPDATE, DELETE and SELECT FOR UPDATE/SHARE (plain reads go on)');
    const [sre] = await lintSql('LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE;', { rules });
    expect(sre!.message).toContain('SHARE ROW EXCLUSIVE lock on `orders`, blocking every INSERT, UPDATE and DELETE');
    expect(sre!.message).toContain('until the transaction commits;');
  });

  it('drops the queueing warning when a lock_timeout or NOWAIT is set', async () => {
    const [timeout] = await lintSql("SET lock_timeout = '2s';\nLOCK TABLE orders;", { rules });
    expect(timeout!.message).not.toContain('queue behind it');
    const [nowait] = await lintSql('LOCK TABLE orders NOWAIT;', { rules });
    expect(nowait!.message).not.toContain('queue behind it');
    expect(nowait!.detail).toContain('A lock timeout or NOWAIT is set');
  });

  it('outside a transaction block LOCK TABLE fails: an error', async () => {
    const [finding] = await lintSql('LOCK TABLE orders IN ACCESS SHARE MODE;', { rules, transaction: 'per-statement' });
    expect(finding).toMatchObject({ severity: 'error' });
    expect(finding!.message).toContain('`LOCK TABLE can only be used in transaction blocks`');
    // Inside a DO block it runs in the block's own transaction.
    expect(await lintSql('DO $$ BEGIN LOCK TABLE orders IN ACCESS SHARE MODE; END $$;', { rules, transaction: 'per-statement' })).toEqual([]);
  });

  it('skips modes that block neither reads nor writes, and new tables', async () => {
    const sql = [
      'LOCK TABLE orders IN ACCESS SHARE MODE;',
      'LOCK TABLE orders IN ROW SHARE MODE;',
      'LOCK TABLE orders IN ROW EXCLUSIVE MODE;',
      'LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE;',
      'CREATE TABLE staging (id int);',
      'LOCK TABLE staging;',
    ].join('\n');
    expect(await lintSql(sql, { rules })).toEqual([]);
  });
});
