import type { RenameStmt, ViewStmt } from '@pgsql/types';
import type { Rule } from '../src/lint/rule.ts';
import { nodeOf } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';

export const renameTable: Rule = {
  id: 'rename-table',
  severity: 'warning',
  summary: 'Renaming a table breaks the application version still running during the deploy: its queries use the old name.',
  docs: {
    why: 'ALTER TABLE ... RENAME TO is instant (a catalog change under a brief ACCESS EXCLUSIVE lock), but from the moment it commits every query that names the old table fails with `relation "..." does not exist`: the previous application version keeps serving traffic while the migration runs and until the new one is deployed. A simple view (one table, no aggregates) is automatically updatable (PostgreSQL docs, CREATE VIEW: "Updatable Views"), so a view under the old name keeps old code working for SELECT, INSERT, UPDATE and DELETE.',
    safe: 'Rename the table and, in the same transaction, create a view with the old name (`CREATE VIEW old AS SELECT * FROM new`); deploy the code that uses the new name; drop the view in a later migration.',
    bad: ['ALTER TABLE orders RENAME TO purchases;'],
    good: [
      'CREATE TABLE invoice (id bigint PRIMARY KEY);\nALTER TABLE invoice RENAME TO invoices;',
      'ALTER INDEX orders_user_id_idx RENAME TO orders_user_idx;',
      'ALTER TABLE orders RENAME TO purchases;\nCREATE VIEW orders AS SELECT * FROM purchases;',
    ],
  },
  check(statement, context) {
    const rename = nodeOf<RenameStmt>(statement, 'RenameStmt');
    if (rename?.renameType !== 'OBJECT_TABLE' || !rename.relation || !rename.newname) return undefined;
    const table = qualify(rename.relation);
    if (!context.isExisting(table)) return undefined;
    // The safe pattern itself: a view keeps the old name working.
    const keptByView = context.statements.slice(context.index + 1).some((s) => {
      const view = nodeOf<ViewStmt>(s, 'ViewStmt');
      return view !== undefined && qualify(view.view) === table;
    });
    if (keptByView) return undefined;
    const from = displayName(table);
    const schema = table.split('.')[0] ?? 'public';
    const to = displayName(`${schema}.${rename.newname}`);
    return {
      message: `Renaming \`${from}\` to \`${to}\` breaks the application version still running during the deploy: its queries name \`${from}\` and fail from the moment this commits until the new code is out. Create a view named \`${from}\` over \`${to}\` in the same transaction, and drop it once the new code is deployed.`,
      detail: [
        'Keep the old name working during the transition:',
        '',
        '```sql',
        `ALTER TABLE ${from} RENAME TO ${rename.newname};`,
        `CREATE VIEW ${from} AS SELECT * FROM ${to};  -- a simple view: SELECT, INSERT, UPDATE and DELETE go through`,
        '-- deploy code that uses the new name; then, in a later migration:',
        `DROP VIEW ${from};`,
        '```',
        '',
        `The view's column list is fixed when it is created, so add columns to \`${to}\` only after it is dropped (or recreate it). Sequences, indexes and constraints keep their old names; rename them separately if it matters.`,
      ].join('\n'),
    };
  },
};
