import type { CreateTableAsStmt, RefreshMatViewStmt } from '@pgsql/types';
import { code, heldFor } from '../src/lint/describe.ts';
import { findToken, fixStatement, insertAfter } from '../src/lint/fix.ts';
import type { Rule, RuleContext } from '../src/lint/rule.ts';
import { nodeOf } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';

export const refreshMaterializedViewConcurrently: Rule = {
  id: 'refresh-materialized-view-concurrently',
  severity: 'warning',
  summary: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks every read of the view until the refresh finishes.',
  docs: {
    why: 'REFRESH MATERIALIZED VIEW takes an ACCESS EXCLUSIVE lock on the view, so every query reading it waits for the whole refresh; with CONCURRENTLY it takes EXCLUSIVE, which lets reads go on. CONCURRENTLY "is only allowed if there is at least one UNIQUE index on the materialized view which uses only column names and includes all rows" and "may not be used when the materialized view is not already populated" (PostgreSQL docs, REFRESH MATERIALIZED VIEW; "Explicit Locking", Table 13.2).',
    safe: 'Create a unique index on column names only, with no WHERE clause, on the view (once), then use REFRESH MATERIALIZED VIEW CONCURRENTLY: it computes the new contents alongside and applies only the differences, while queries keep reading the old contents. It can run inside a transaction block.',
    bad: [
      {
        sql: 'REFRESH MATERIALIZED VIEW order_totals;',
        base: 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, amount integer);\nCREATE MATERIALIZED VIEW order_totals AS SELECT user_id, sum(amount) AS total FROM orders GROUP BY user_id;\nCREATE UNIQUE INDEX order_totals_user_id_key ON order_totals (user_id);',
      },
      'REFRESH MATERIALIZED VIEW order_totals WITH NO DATA;',
    ],
    good: [
      'REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;',
      'CREATE MATERIALIZED VIEW user_counts AS SELECT status, count(*) AS n FROM users GROUP BY status WITH NO DATA;\nREFRESH MATERIALIZED VIEW user_counts;',
    ],
  },
  check(statement, context) {
    const refresh = nodeOf<RefreshMatViewStmt>(statement, 'RefreshMatViewStmt');
    if (!refresh || refresh.concurrent) return undefined;
    const view = qualify(refresh.relation);
    // A view created earlier in this migration (or change) is new: nobody reads it yet.
    if (!context.isExisting(view) || createdInThisMigration(context, view)) return undefined;
    const name = `\`${displayName(view)}\``;
    const duration = heldFor(context);
    if (refresh.skipData) {
      return {
        message: `REFRESH MATERIALIZED VIEW ... WITH NO DATA takes an ACCESS EXCLUSIVE lock on ${name} (blocks reads) ${duration} and leaves it unpopulated: every query on it then fails with \`materialized view "${displayName(view).split('.').at(-1)}" has not been populated\` until a full REFRESH.`,
        detail: 'CONCURRENTLY cannot be combined with WITH NO DATA. If the view is being retired, stop reading it first and then drop it; if it is meant to stay readable, refresh it with data (CONCURRENTLY, given a unique index) instead.',
      };
    }
    const index = uniqueIndex(context, view);
    const keyword = findToken(statement, 'VIEW');
    return {
      message: `REFRESH MATERIALIZED VIEW takes an ACCESS EXCLUSIVE lock on ${name} (blocks reads) ${duration}: every query reading it waits for the whole refresh. Use REFRESH MATERIALIZED VIEW CONCURRENTLY${index ? '' : ', after adding a unique index to the view'}.`,
      detail: [
        `${code('REFRESH MATERIALIZED VIEW CONCURRENTLY')} takes an EXCLUSIVE lock instead: queries keep reading the old contents while the new ones are computed and the differences applied. It needs:`,
        '',
        index
          ? `- a unique index on column names only, without WHERE: \`${displayName(index)}\` qualifies;`
          : `- a unique index on column names only, without WHERE, covering all rows: none is known on ${name}. Create one first, e.g. ${code(`CREATE UNIQUE INDEX CONCURRENTLY ON ${displayName(view)} (<key columns>)`)};`,
        '- a view that is already populated (not created or last refreshed WITH NO DATA).',
        '',
        'It is slower than a plain refresh when most rows change, and leaves dead rows in the view for VACUUM; when few rows change it is also faster.',
      ].join('\n'),
      // Offered only when the unique index is known to exist: otherwise the rewrite fails as-is.
      fix: index && keyword ? fixStatement(statement, [insertAfter(keyword, 'CONCURRENTLY')]) : undefined,
    };
  },
};

function createdInThisMigration(context: RuleContext, view: string): boolean {
  return context.statements.slice(0, context.index).some((statement) => {
    const create = nodeOf<CreateTableAsStmt>(statement, 'CreateTableAsStmt');
    return create?.objtype === 'OBJECT_MATVIEW' && qualify(create.into?.rel) === view;
  });
}

/** A unique index that REFRESH ... CONCURRENTLY accepts: column names only, no WHERE. */
function uniqueIndex(context: RuleContext, view: string): string | undefined {
  return context.schema.indexesOf(view).find((i) => i.unique && !i.partial && !i.columns.includes('(expression)'))?.name;
}
