import { describe, expect, it } from 'vitest';
import { foreignKeyWithoutIndex } from '../../rules/foreign-key-without-index.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [foreignKeyWithoutIndex];

describe('foreign-key-without-index', () => {
  it('reports each unindexed foreign key of a new table on its own line, with a plain CREATE INDEX', async () => {
    const sql = [
      'CREATE TABLE order_items (',
      '  id bigint PRIMARY KEY,',
      '  order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,',
      '  user_id bigint,',
      '  CONSTRAINT order_items_user_fk FOREIGN KEY (user_id)',
      '    REFERENCES users (id)',
      ');',
    ].join('\n');
    const findings = await lintSql(sql, { rules });
    expect(findings.map((f) => [f.line, f.endLine, f.severity])).toEqual([[3, 3, 'warning'], [6, 6, 'warning']]);
    expect(findings[0]!.message).toBe(
      'No index on `order_items` starts with the foreign key column `order_id`: every DELETE from `orders`, or UPDATE of its key, scans all of `order_items` to find referencing rows (ON DELETE CASCADE deletes through the same scan). Add `CREATE INDEX order_items_order_id_idx ON order_items (order_id);`.',
    );
    expect(findings[1]!.detail).toContain('CREATE INDEX order_items_user_id_idx ON order_items (user_id);');
    expect(findings[1]!.detail).toContain('is created in this migration');
  });

  it('uses CONCURRENTLY for an existing table, and quotes names that need it', async () => {
    const findings = await lintSql('ALTER TABLE orders ADD COLUMN "Order" bigint REFERENCES orders (id);', { rules, tableRows: { orders: 2_000_000 } });
    expect(findings[0]!.message).toContain('(≈ 2,000,000 rows by the size hints)');
    expect(findings[0]!.message).toContain('Add `CREATE INDEX CONCURRENTLY "orders_Order_idx" ON orders ("Order");`');
    expect(findings[0]!.detail).toContain('cannot run inside a transaction block');
  });

  it('is a notice when the size hints call the referencing table small', async () => {
    const findings = await lintSql('ALTER TABLE orders ADD COLUMN approver_id bigint REFERENCES users (id);', { rules, tableRows: { orders: 300 } });
    expect(findings[0]!.severity).toBe('notice');
  });

  it('counts an index created later in the run, a primary key or unique constraint leading with the columns, in any order', async () => {
    const sql = [
      'CREATE TABLE a (x bigint REFERENCES users (id));',
      'CREATE TABLE b (order_id bigint REFERENCES orders (id), line int, PRIMARY KEY (order_id, line));',
      'CREATE TABLE c (p bigint, q bigint, UNIQUE (q, p, id), id int, FOREIGN KEY (p, q) REFERENCES orders (id, user_id));',
      'CREATE INDEX a_x_idx ON a (x);',
    ].join('\n');
    expect(await lintSql(sql, { rules })).toEqual([]);
  });

  it('does not count a partial index, or one whose leading column is another', async () => {
    const sql = [
      'CREATE TABLE a (x bigint REFERENCES users (id), y int);',
      'CREATE INDEX a_x_partial ON a (x) WHERE x IS NOT NULL;',
      'CREATE INDEX a_y_x ON a (y, x);',
    ].join('\n');
    expect((await lintSql(sql, { rules })).map((f) => f.line)).toEqual([1]);
  });

  it('ignores a foreign key dropped later, NOT ENFORCED ones, and tables whose definition it never saw', async () => {
    const sql = [
      'ALTER TABLE orders ADD CONSTRAINT orders_approver_fkey FOREIGN KEY (amount) REFERENCES users (id);',
      'ALTER TABLE orders DROP CONSTRAINT orders_approver_fkey;',
      'ALTER TABLE orders ADD COLUMN approver_id bigint REFERENCES users (id) NOT ENFORCED;',
      'ALTER TABLE legacy ADD CONSTRAINT legacy_user_fkey FOREIGN KEY (user_id) REFERENCES users (id);',
    ].join('\n');
    expect(await lintSql(sql, { rules, pgVersion: 18 })).toEqual([]);
  });

  it('the existing index of the examples base covers orders.user_id', async () => {
    expect(await lintSql('ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey2 FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;', { rules })).toEqual([]);
  });
});
