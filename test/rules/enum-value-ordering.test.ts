import { describe, expect, it } from 'vitest';
import { enumValueOrdering } from '../../rules/enum-value-ordering.ts';
import { lintSql, type LintSqlOptions } from '../helpers/lint.ts';

const run = (sql: string, options: LintSqlOptions = {}) => lintSql(sql, { rules: [enumValueOrdering], ...options });

describe('enum-value-ordering', () => {
  it('says between which labels the new one sorts and which comparison now matches it', async () => {
    const findings = await run("ALTER TYPE order_state ADD VALUE 'packed' BEFORE 'shipped';");
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'notice', line: 1 });
    expect(findings[0]!.message).toBe(
      "ALTER TYPE `order_state` ADD VALUE 'packed' sorts between 'paid' and 'shipped': ORDER BY, <, > and range checks on `order_state` columns now place it there (`< 'shipped'` matches it too), and comparisons involving it may need a catalog lookup and run slower. Check the queries that compare or sort this enum.",
    );
    const after = await run("ALTER TYPE order_state ADD VALUE 'authorized' AFTER 'pending';");
    expect(after[0]!.message).toContain("sorts between 'pending' and 'paid'");
    expect(after[0]!.message).toContain("(`< 'paid'` matches it too)");
    const first = await run("ALTER TYPE order_state ADD VALUE 'draft' BEFORE 'pending';");
    expect(first[0]!.message).toContain("sorts before every existing label");
  });

  it('is silent for values added at the end, AFTER the last label, or to a type created in the migration', async () => {
    expect(await run("ALTER TYPE order_state ADD VALUE 'refunded';")).toEqual([]);
    expect(await run("ALTER TYPE order_state ADD VALUE IF NOT EXISTS 'refunded' AFTER 'shipped';")).toEqual([]);
    expect(await run("CREATE TYPE t AS ENUM ('a', 'c');\nALTER TYPE t ADD VALUE 'b' BEFORE 'c';")).toEqual([]);
  });

  it('follows labels placed earlier in the same migration', async () => {
    const sql = "ALTER TYPE order_state ADD VALUE 'packed' BEFORE 'shipped';\nALTER TYPE order_state ADD VALUE 'weighed' AFTER 'packed';\nALTER TYPE order_state ADD VALUE 'returned' AFTER 'shipped';";
    const findings = await run(sql);
    expect(findings.map((f) => [f.line, f.message.match(/sorts (between '\w+' and '\w+')/)?.[1]])).toEqual([
      [1, "between 'paid' and 'shipped'"],
      [2, "between 'packed' and 'shipped'"],
    ]);
  });

  it('still reports when the enum is not in the schema, naming the neighbor', async () => {
    const findings = await run("ALTER TYPE app.mood ADD VALUE 'meh' AFTER 'ok';");
    expect(findings[0]!.message).toContain("ADD VALUE 'meh' sorts after 'ok'");
    expect(findings[0]!.message).toContain("(`> 'ok'` matches it too)");
  });
});
