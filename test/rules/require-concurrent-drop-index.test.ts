import { describe, expect, it } from 'vitest';
import { requireConcurrentDropIndex } from '../../rules/require-concurrent-drop-index.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [requireConcurrentDropIndex];

describe('require-concurrent-drop-index', () => {
  it('reports the ACCESS EXCLUSIVE lock on the owning table and fixes to CONCURRENTLY outside a transaction', async () => {
    const findings = await lintSql('SELECT 1;\nDROP INDEX IF EXISTS\n  orders_user_id_idx;', { rules, transaction: 'per-statement' });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'require-concurrent-drop-index', severity: 'warning', line: 2, endLine: 3 });
    expect(findings[0]!.message).toBe(
      'DROP INDEX `orders_user_id_idx` takes an ACCESS EXCLUSIVE lock on `orders` (blocks reads and writes) for the whole statement: the drop is quick once granted, but while it waits for running queries every new query on the table queues behind it. Use DROP INDEX CONCURRENTLY.',
    );
    expect(findings[0]!.fix).toEqual({ startLine: 2, endLine: 3, replacement: 'DROP INDEX CONCURRENTLY IF EXISTS\n  orders_user_id_idx;' });
  });

  it('offers no fix inside the runner\'s transaction, and says how to get out of it for the runner', async () => {
    const findings = await lintSql('DROP INDEX orders_user_id_idx;\nALTER TABLE orders ADD COLUMN x int;', { rules, framework: 'goose' });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.fix).toBeUndefined();
    expect(findings[0]!.message).toContain('until the transaction commits (1 more statement)');
    expect(findings[0]!.message).toContain('Use DROP INDEX CONCURRENTLY, which cannot run inside a transaction block: move it to a migration file of its own marked `-- +goose NO TRANSACTION`.');
  });

  it('fixes in a Flyway script whose only statement it is (Flyway then runs the script without a transaction)', async () => {
    const findings = await lintSql('DROP INDEX orders_user_id_idx;', { rules, framework: 'flyway', transaction: 'per-file' });
    expect(findings[0]!.fix?.replacement).toBe('DROP INDEX CONCURRENTLY orders_user_id_idx;');
  });

  it('still warns for an index it does not know, saying the table is unknown', async () => {
    const findings = await lintSql('DROP INDEX legacy_idx;', { rules, transaction: 'per-statement' });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('an ACCESS EXCLUSIVE lock on the table of `legacy_idx` (blocks reads and writes; db-review does not know that table');
  });

  it('offers no fix for several indexes or CASCADE, which CONCURRENTLY does not support', async () => {
    const many = await lintSql('CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\nDROP INDEX orders_user_id_idx, orders_note_idx;', { rules, transaction: 'per-statement' });
    expect(many).toHaveLength(1);
    expect(many[0]!.line).toBe(2);
    expect(many[0]!.fix).toBeUndefined();
    expect(many[0]!.message).toContain('Use one `DROP INDEX CONCURRENTLY` per index.');
    const cascade = await lintSql('DROP INDEX orders_user_id_idx CASCADE;', { rules, transaction: 'per-statement' });
    expect(cascade[0]!.fix).toBeUndefined();
    expect(cascade[0]!.message).toContain('per index, without CASCADE.');
  });

  it('knows DROP INDEX CONCURRENTLY does not work for partitioned tables', async () => {
    const findings = await lintSql('DROP INDEX events_happened_at_idx;', {
      rules,
      transaction: 'per-statement',
      base: 'CREATE TABLE events (id bigint, happened_at timestamptz NOT NULL) PARTITION BY RANGE (happened_at);\nCREATE INDEX events_happened_at_idx ON events (happened_at);',
    });
    expect(findings[0]!.fix).toBeUndefined();
    expect(findings[0]!.message).toContain('DROP INDEX CONCURRENTLY does not support indexes of partitioned tables: set a short `lock_timeout` and retry instead.');
  });

  it('ignores the concurrent form and indexes of tables created in the same migration', async () => {
    expect(await lintSql('DROP INDEX CONCURRENTLY orders_user_id_idx;', { rules, transaction: 'per-statement' })).toEqual([]);
    expect(await lintSql('CREATE TABLE t (a int);\nCREATE INDEX t_a_idx ON t (a);\nDROP INDEX t_a_idx;', { rules })).toEqual([]);
  });
});
