import { describe, expect, it } from 'vitest';
import { attachPartitionWithoutCheck } from '../../rules/attach-partition-without-check.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [attachPartitionWithoutCheck];
const base = [
  'CREATE TABLE events (id bigint NOT NULL, kind text, happened_at timestamptz NOT NULL) PARTITION BY RANGE (happened_at);',
  'CREATE TABLE events_2026 (id bigint NOT NULL, kind text, happened_at timestamptz NOT NULL);',
].join('\n');

describe('attach-partition-without-check', () => {
  it('reports the scan under ACCESS EXCLUSIVE and spells out the CHECK for a range bound', async () => {
    const sql = "SELECT 1;\nALTER TABLE events ATTACH PARTITION events_2026\n  FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');";
    const findings = await lintSql(sql, { rules, base, tableRows: { events_2026: 40_000_000 } });
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({ rule: 'attach-partition-without-check', severity: 'warning', line: 2, endLine: 3 });
    expect(finding!.message).toBe(
      'ATTACH PARTITION scans all of `events_2026` (≈ 40,000,000 rows by the size hints) to check every row against the partition bound, holding an ACCESS EXCLUSIVE lock on `events_2026` (blocks reads and writes) and SHARE UPDATE EXCLUSIVE on `events`. Add a CHECK constraint matching the bound NOT VALID, VALIDATE it, then attach: the scan is skipped.',
    );
    expect(finding!.detail).toContain(
      "ALTER TABLE events_2026 ADD CONSTRAINT events_2026_bound CHECK (<key> IS NOT NULL AND <key> >= '2026-01-01' AND <key> < '2027-01-01') NOT VALID;",
    );
    expect(finding!.detail).toContain("ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');  -- no scan");
    expect(finding!.detail).toContain('ALTER TABLE events_2026 DROP CONSTRAINT events_2026_bound;');
    expect(finding!.detail).toContain('DEFAULT partition, it is scanned too');
    expect(finding!.fix).toBeUndefined();
  });

  it('builds list bounds, with NULL handled', async () => {
    const listBase = 'CREATE TABLE things (kind text) PARTITION BY LIST (kind);\nCREATE TABLE things_ab (kind text);\nCREATE TABLE things_n (kind text);';
    const findings = await lintSql("ALTER TABLE things ATTACH PARTITION things_ab FOR VALUES IN ('a', 'b');\nALTER TABLE things ATTACH PARTITION things_n FOR VALUES IN (NULL, 'n');", { rules, base: listBase });
    expect(findings[0]!.detail).toContain("CHECK (<key> IS NOT NULL AND <key> IN ('a', 'b')) NOT VALID");
    expect(findings[1]!.detail).toContain("CHECK (<key> IS NULL OR <key> IN ('n')) NOT VALID");
  });

  it('leaves out the bound an open range does not have', async () => {
    const findings = await lintSql("ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM (MINVALUE) TO ('2027-01-01');", { rules, base });
    expect(findings[0]!.detail).toContain("CHECK (<key> IS NOT NULL AND <key> < '2027-01-01') NOT VALID");
  });

  it('says the whole partitioned table is blocked before PostgreSQL 12', async () => {
    const findings = await lintSql("ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');", { rules, base, pgVersion: 11 });
    expect(findings[0]!.message).toContain('ACCESS EXCLUSIVE on `events` (before PostgreSQL 12: reads and writes on the whole partitioned table wait too)');
  });

  it('explains that a hash bound cannot be proven by a CHECK', async () => {
    const hashBase = 'CREATE TABLE h (id bigint) PARTITION BY HASH (id);\nCREATE TABLE h0 (id bigint);';
    const findings = await lintSql('ALTER TABLE h ATTACH PARTITION h0 FOR VALUES WITH (MODULUS 4, REMAINDER 0);', { rules, base: hashBase });
    expect(findings[0]!.detail).toContain('A hash bound cannot practically be proven by a CHECK constraint');
  });

  it('stays silent when a validated CHECK exists, even one validated in this migration', async () => {
    const sql = [
      "ALTER TABLE events_2026 ADD CONSTRAINT b CHECK (happened_at >= '2026-01-01' AND happened_at < '2027-01-01') NOT VALID;",
      'ALTER TABLE events_2026 VALIDATE CONSTRAINT b;',
      "ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
    ].join('\n');
    expect(await lintSql(sql, { rules, base, transaction: 'per-statement' })).toEqual([]);
  });

  it('still fires when the CHECK is NOT VALID, or only proves NOT NULL', async () => {
    const notValid = "ALTER TABLE events_2026 ADD CONSTRAINT b CHECK (happened_at >= '2026-01-01') NOT VALID;\nALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');";
    expect((await lintSql(notValid, { rules, base })).map((f) => f.line)).toEqual([2]);
    const notNull = "ALTER TABLE events_2026 ADD CONSTRAINT nn CHECK (kind IS NOT NULL);\nALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');";
    expect((await lintSql(notNull, { rules, base })).map((f) => f.line)).toEqual([2]);
  });

  it('ignores a partition created in the same migration', async () => {
    const sql = "CREATE TABLE events_2027 (LIKE events);\nALTER TABLE events ATTACH PARTITION events_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');";
    expect(await lintSql(sql, { rules, base })).toEqual([]);
  });
});
