import { describe, expect, it } from 'vitest';
import { detachPartitionConcurrently } from '../../rules/detach-partition-concurrently.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [detachPartitionConcurrently];

describe('detach-partition-concurrently', () => {
  it('reports the ACCESS EXCLUSIVE lock on the parent and offers CONCURRENTLY on the right lines', async () => {
    const findings = await lintSql('SELECT 1;\nALTER TABLE events\n  DETACH PARTITION events_2025; -- archive', { rules, transaction: 'per-statement' });
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({ rule: 'detach-partition-concurrently', severity: 'error', line: 2, endLine: 3 });
    expect(finding!.message).toBe(
      'DETACH PARTITION `events_2025` takes an ACCESS EXCLUSIVE lock on `events` (blocks reads and writes) for the whole statement: every query on `events` waits. Use DETACH PARTITION ... CONCURRENTLY.',
    );
    expect(finding!.fix).toEqual({ startLine: 2, endLine: 3, replacement: 'ALTER TABLE events\n  DETACH PARTITION events_2025 CONCURRENTLY; -- archive' });
    expect(finding!.detail).toContain('DEFAULT partition');
    expect(finding!.detail).toContain('ALTER TABLE events DETACH PARTITION events_2025 FINALIZE');
  });

  it('says to leave the transaction block, and how long the lock is held inside one', async () => {
    const findings = await lintSql('ALTER TABLE events DETACH PARTITION events_2025;\nDROP TABLE events_2025;', { rules, tableRows: { events: 5_000_000 } });
    expect(findings[0]!.message).toContain('until the transaction commits (1 more statement)');
    expect(findings[0]!.message).toContain('(≈ 5,000,000 rows by the size hints)');
    expect(findings[0]!.message).toMatch(/CONCURRENTLY, outside a transaction block\.$/);
    expect(findings[0]!.detail).toContain('cannot run inside a transaction block');
  });

  it('is a warning without a fix before PostgreSQL 14, which has no concurrent form', async () => {
    const findings = await lintSql('ALTER TABLE events DETACH PARTITION events_2025;', { rules, pgVersion: 13 });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.severity).toBe('warning');
    expect(findings[0]!.fix).toBeUndefined();
    expect(findings[0]!.message).toContain('PostgreSQL 13 has no concurrent form (DETACH PARTITION ... CONCURRENTLY needs 14)');
    expect(findings[0]!.detail).toContain("SET lock_timeout = '2s'");
  });

  it('is an error from PostgreSQL 14 on', async () => {
    const findings = await lintSql('ALTER TABLE events DETACH PARTITION events_2025;', { rules, pgVersion: 14 });
    expect(findings[0]!.severity).toBe('error');
  });

  it('ignores CONCURRENTLY, FINALIZE, ATTACH and a partitioned table created in the same migration', async () => {
    const sql = [
      'ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY;',
      'ALTER TABLE events DETACH PARTITION events_2025 FINALIZE;',
      "CREATE TABLE logs (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at);",
      "CREATE TABLE logs_2025 PARTITION OF logs FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
      'ALTER TABLE logs DETACH PARTITION logs_2025;',
    ].join('\n');
    expect(await lintSql(sql, { rules, transaction: 'per-statement' })).toEqual([]);
  });

  it('still fires when only the partition is new: the lock is on the existing parent', async () => {
    const sql = "CREATE TABLE events_2030 PARTITION OF events FOR VALUES FROM ('2030-01-01') TO ('2031-01-01');\nALTER TABLE events DETACH PARTITION events_2030;";
    const findings = await lintSql(sql, { rules });
    expect(findings.map((f) => f.line)).toEqual([2]);
  });
});

describe('detach-partition-concurrently with a DEFAULT partition', () => {
  it('offers no CONCURRENTLY fix when the migration gave the parent a DEFAULT partition', async () => {
    const sql = 'CREATE TABLE events_other PARTITION OF events DEFAULT;\nALTER TABLE events DETACH PARTITION events_2025;';
    const findings = await lintSql(sql, { rules, transaction: 'per-statement' });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.fix).toBeUndefined();
    expect(findings[0]!.message).toContain('CONCURRENTLY is refused because `events_other` (line 1) is a DEFAULT partition of `events`');
  });

  it('a DEFAULT partition detached again no longer counts', async () => {
    const sql = 'ALTER TABLE events ATTACH PARTITION users DEFAULT;\nALTER TABLE events DETACH PARTITION users;\nALTER TABLE events DETACH PARTITION events_2025;';
    const findings = await lintSql(sql, { rules, transaction: 'per-statement' });
    expect(findings.map((f) => [f.line, f.fix !== undefined])).toEqual([[2, false], [3, true]]);
  });
});
