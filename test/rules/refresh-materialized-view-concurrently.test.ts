import { describe, expect, it } from 'vitest';
import { refreshMaterializedViewConcurrently } from '../../rules/refresh-materialized-view-concurrently.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [refreshMaterializedViewConcurrently];
const base = [
  'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, amount integer);',
  'CREATE MATERIALIZED VIEW totals AS SELECT user_id, sum(amount) AS total FROM orders GROUP BY user_id;',
  'CREATE UNIQUE INDEX totals_user_id_key ON totals (user_id);',
  'CREATE MATERIALIZED VIEW no_key AS SELECT user_id FROM orders;',
  'CREATE UNIQUE INDEX no_key_partial ON no_key (user_id) WHERE user_id > 0;',
  'CREATE UNIQUE INDEX no_key_expr ON no_key ((user_id + 1));',
].join('\n');

describe('refresh-materialized-view-concurrently', () => {
  it('reports the ACCESS EXCLUSIVE lock and fixes it when a suitable unique index exists', async () => {
    const findings = await lintSql('SELECT 1;\nREFRESH MATERIALIZED VIEW totals;', { rules, base });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', line: 2 });
    expect(findings[0]!.message).toBe(
      'REFRESH MATERIALIZED VIEW takes an ACCESS EXCLUSIVE lock on `totals` (blocks reads) for the whole statement: every query reading it waits for the whole refresh. Use REFRESH MATERIALIZED VIEW CONCURRENTLY.',
    );
    expect(findings[0]!.fix).toEqual({ startLine: 2, endLine: 2, replacement: 'REFRESH MATERIALIZED VIEW CONCURRENTLY totals;' });
    expect(findings[0]!.detail).toContain('`totals_user_id_key` qualifies');
  });

  it('offers no fix without a unique index on plain columns and no WHERE', async () => {
    const [finding] = await lintSql('REFRESH MATERIALIZED VIEW no_key;', { rules, base });
    expect(finding!.fix).toBeUndefined();
    expect(finding!.message).toContain('after adding a unique index to the view');
    expect(finding!.detail).toContain('CREATE UNIQUE INDEX CONCURRENTLY ON no_key (<key columns>)');
  });

  it('an index created later in the run does not make the fix correct here', async () => {
    const [finding] = await lintSql('REFRESH MATERIALIZED VIEW no_key;\nCREATE UNIQUE INDEX no_key_user_id ON no_key (user_id);', { rules, base });
    expect(finding!.fix).toBeUndefined();
  });

  it('WITH NO DATA: no CONCURRENTLY fix, and readers fail afterwards', async () => {
    const [finding] = await lintSql('REFRESH MATERIALIZED VIEW totals WITH NO DATA;', { rules, base });
    expect(finding!.fix).toBeUndefined();
    expect(finding!.message).toContain('`materialized view "totals" has not been populated`');
  });

  it('says how long the lock lasts in a transaction', async () => {
    const [finding] = await lintSql('REFRESH MATERIALIZED VIEW totals;\nSELECT 1;', { rules, base });
    expect(finding!.message).toContain('until the transaction commits (1 more statement)');
  });

  it('stays silent on CONCURRENTLY and on a view created in the same migration', async () => {
    const sql = [
      'REFRESH MATERIALIZED VIEW CONCURRENTLY totals;',
      'CREATE MATERIALIZED VIEW fresh AS SELECT 1 AS one WITH NO DATA;',
      'REFRESH MATERIALIZED VIEW fresh;',
    ].join('\n');
    expect(await lintSql(sql, { rules, base })).toEqual([]);
  });
});
