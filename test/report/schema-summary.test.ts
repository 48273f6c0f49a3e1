import { describe, expect, it } from 'vitest';
import { formatJson, formatMarkdown, formatText } from '../../src/report/index.ts';
import { schemaChangesLine } from '../../src/report/schema-summary.ts';
import { emptyTableChanges, type SchemaChanges, type TableChanges } from '../../src/shadow/schema-changes.ts';
import { makeReview, OPTIONS } from './fixture.ts';

function changes(table: string, change: TableChanges['change'], lists: Partial<TableChanges> = {}): TableChanges {
  return { ...emptyTableChanges(table, change, false), ...lists };
}

const SCHEMA: SchemaChanges = {
  status: 'complete',
  tables: [
    changes('public.invoices', 'altered', {
      columnsAdded: [{ name: 'paid_at', type: 'timestamp with time zone', notNull: false, default: null }],
      columnsChanged: [
        { name: 'amount', from: { type: 'integer', notNull: false, default: '0' }, to: { type: 'bigint', notNull: true, default: null } },
      ],
      constraintsValidated: [{ name: 'invoices_customer_fkey', kind: 'foreign key', definition: 'FOREIGN KEY (customer_id) REFERENCES customers(id)' }],
      constraintsDropped: [{ name: 'invoices_amount_check', kind: 'check', definition: 'CHECK ((amount > 0))' }],
      indexesCreated: [
        { name: 'public.invoices_tags_idx', definition: 'CREATE INDEX invoices_tags_idx ON public.invoices USING gin (tags)' },
        { name: 'public.Invoices Paid', definition: 'CREATE UNIQUE INDEX "Invoices Paid" ON ONLY public.invoices USING btree (paid_at) WHERE (paid_at IS NOT NULL)' },
      ],
      indexesDropped: [{ name: 'public.invoices_old_idx', definition: 'CREATE INDEX invoices_old_idx ON public.invoices USING btree (customer_id)' }],
    }),
    changes('audit.events', 'dropped'),
  ],
  enums: [
    { name: 'public.status', change: 'changed', from: ['draft', 'sent'], to: ['draft', 'sent', 'paid'] },
    { name: 'public.legacy', change: 'dropped', labels: ['a'] },
  ],
  shapes: [],
};

describe('the schema changes section', () => {
  it('lists each table’s changes from → to, the dropped tables and the enums', () => {
    const out = formatMarkdown(makeReview({ findings: [], conclusion: 'success', schemaChanges: SCHEMA }), OPTIONS);
    expect(out.slice(out.indexOf('### Schema changes'))).toBe(
      [
        '### Schema changes',
        '',
        '**`invoices`**',
        '- added column `paid_at` timestamp with time zone',
        '- changed column `amount`: type integer → bigint, NULL → NOT NULL, DEFAULT `0` → none',
        '- validated foreign key `invoices_customer_fkey`: `FOREIGN KEY (customer_id) REFERENCES customers(id)`',
        '- dropped check `invoices_amount_check`: `CHECK ((amount > 0))`',
        '- created index `invoices_tags_idx` using gin on `(tags)`',
        '- created unique index `Invoices Paid` on `(paid_at) WHERE (paid_at IS NOT NULL)`',
        '- dropped index `invoices_old_idx` on `(customer_id)`',
        '',
        '**`audit.events`** (dropped)',
        '',
        '**Enums**',
        '- changed `status`: added `paid`',
        '- dropped `legacy`: `a`',
        '',
      ].join('\n'),
    );
  });

  it('comes after the findings, and says when the end state is unknown or unchanged', () => {
    const timedOut = formatMarkdown(makeReview({ schemaChanges: { status: 'timed-out' } }), OPTIONS);
    expect(timedOut.endsWith(
      '</details>\n\n### Schema changes\n\nNot known: the shadow database stopped at a time limit before the reviewed migrations ended, so their end state could not be read.\n',
    )).toBe(true);
    const none = formatMarkdown(makeReview({ findings: [], schemaChanges: { status: 'complete', tables: [], enums: [], shapes: [] } }), OPTIONS);
    expect(none.endsWith('with db-review 0.1.0.\n\n### Schema changes\n\nThe reviewed migrations leave the schema as it was.\n')).toBe(true);
  });
});

describe('the schema changes line', () => {
  it('counts by kind, a new table’s columns and constraints inside it', () => {
    const created = changes('public.orders', 'created', {
      columnsAdded: [{ name: 'id', type: 'bigint', notNull: true, default: null }],
      constraintsAdded: [{ name: 'orders_pkey', kind: 'primary key', definition: 'PRIMARY KEY (id)' }],
      indexesCreated: [{ name: 'public.orders_x_idx', definition: 'CREATE INDEX orders_x_idx ON public.orders USING btree (x)' }],
    });
    const schema: SchemaChanges = { ...SCHEMA, tables: [created, ...(SCHEMA.status === 'complete' ? SCHEMA.tables : [])] };
    expect(schemaChangesLine(schema)).toBe(
      'schema: +1 table, -1 table, +1 column, 1 column changed, +3 indexes, -1 index, 1 constraint validated, -1 constraint, 1 enum changed, -1 enum',
    );
    expect(schemaChangesLine({ status: 'complete', tables: [], enums: [], shapes: [] })).toBe('schema: no changes');
    expect(schemaChangesLine({ status: 'timed-out' })).toBe('schema: not known (the shadow database stopped at a time limit)');
  });

  it('sits between the findings and the summary line of the terminal report', () => {
    const lines = formatText(makeReview({ schemaChanges: SCHEMA }), OPTIONS).split('\n');
    expect(lines.slice(-4)).toEqual([
      '',
      'schema: -1 table, +1 column, 1 column changed, +2 indexes, -1 index, 1 constraint validated, -1 constraint, 1 enum changed, -1 enum',
      '✖ 2 errors, 2 warnings, 1 notice (fails on error)',
      '',
    ]);
  });

  it('is in the JSON report as data', () => {
    const parsed = JSON.parse(formatJson(makeReview({ schemaChanges: SCHEMA }), OPTIONS)) as { schemaChanges: unknown };
    expect(parsed.schemaChanges).toEqual(SCHEMA);
  });
});
