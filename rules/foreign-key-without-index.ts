import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, CreateStmt } from '@pgsql/types';
import { code } from '../src/lint/describe.ts';
import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import { pgConstraintName } from '../src/lint/constraint-names.ts';
import { withColumnScope } from '../src/lint/schema.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';
import type { Statement } from '../src/sql/statement.ts';

/** At or under this many rows (by the size hints) scanning the referencing table is cheap: a notice. */
const SMALL_TABLE_ROWS = 10_000;
const MAX_IDENTIFIER = 63;

interface ForeignKey {
  constraint: Constraint;
  columns: string[];
  /** The column a column-level REFERENCES belongs to. */
  columnScope: string[];
}

export const foreignKeyWithoutIndex: Rule = {
  id: 'foreign-key-without-index',
  severity: 'warning',
  summary: 'A foreign key whose columns no index leads with: every DELETE or key UPDATE on the referenced table scans the referencing table.',
  docs: {
    why: 'PostgreSQL indexes the referenced side of a foreign key (it must be a primary key or unique) but not the referencing columns. Every DELETE of a referenced row, or UPDATE of its key, looks up the referencing rows, as does ON DELETE CASCADE / SET NULL: without an index whose leading columns are the foreign key columns, each lookup is a sequential scan of the referencing table (PostgreSQL docs, "Constraints: Foreign Keys": "it is often a good idea to index the referencing columns too").',
    safe: 'Create an index on the referencing columns (CREATE INDEX CONCURRENTLY on an existing table, in a migration of its own; a plain CREATE INDEX right after CREATE TABLE for a new one). An index whose leading columns are the foreign key columns, in any order, a primary key or a unique constraint starting with them, all count; a partial index does not.',
    bad: [
      'CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), quantity integer NOT NULL);',
      'ALTER TABLE orders ADD COLUMN approved_by bigint REFERENCES users (id);',
      'ALTER TABLE users ADD COLUMN referred_by bigint;\nALTER TABLE users ADD CONSTRAINT users_referred_by_fkey FOREIGN KEY (referred_by) REFERENCES users (id) NOT VALID;',
    ],
    good: [
      'CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id));\nCREATE INDEX order_items_order_id_idx ON order_items (order_id);',
      'CREATE TABLE order_items (order_id bigint REFERENCES orders (id), line integer, PRIMARY KEY (order_id, line));',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey2 FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      'CREATE TABLE tags (a bigint, b bigint, UNIQUE (b, a), FOREIGN KEY (a, b) REFERENCES orders (id, user_id));',
      { sql: 'ALTER TABLE orders ADD COLUMN approved_by bigint REFERENCES users (id);\nCREATE INDEX CONCURRENTLY orders_approved_by_idx ON orders (approved_by);', transaction: 'per-statement' },
      { sql: 'ALTER TABLE orders ADD COLUMN approved_by bigint REFERENCES users (id) NOT ENFORCED;', pgVersion: 18 },
    ],
  },
  check(statement, context) {
    const keys = foreignKeys(statement);
    if (keys.length === 0) return undefined;
    const reports: RuleReport[] = [];
    let referencesSeen = 0;
    const referencesTokens = statement.tokens.filter((t) => t.text.toUpperCase() === 'REFERENCES');
    // The table a CREATE TABLE makes is not in `context.schema` yet: it is new, not "never seen".
    const creating = nodeOf<CreateStmt>(statement, 'CreateStmt') !== undefined;
    for (const { table, key } of keys) {
      const token = referencesTokens[referencesSeen++];
      const report = check(context, table, key, token?.line, !creating && context.isExisting(table));
      if (report) reports.push(report);
    }
    return reports;
  },
};

/** Foreign keys the statement defines, in the order they are written, with the table they are on. */
function foreignKeys(statement: Statement): { table: string; key: ForeignKey }[] {
  const out: { table: string; key: ForeignKey }[] = [];
  const fromColumn = (table: string, def: ColumnDef | undefined) => {
    const constraints = listOf(def?.constraints).map((item) => unwrap<Constraint>(item, 'Constraint'));
    for (const [i, c] of constraints.entries()) {
      if (c?.contype !== 'CONSTR_FOREIGN' || !def?.colname) continue;
      // In a column definition, NOT ENFORCED comes as an attribute node right after the constraint.
      let enforced = c.is_enforced;
      for (const attr of constraints.slice(i + 1)) {
        if (!attr?.contype?.startsWith('CONSTR_ATTR_')) break;
        if (attr.contype === 'CONSTR_ATTR_NOT_ENFORCED') enforced = false;
      }
      out.push({ table, key: { constraint: { ...c, is_enforced: enforced }, columns: [def.colname], columnScope: [def.colname] } });
    }
  };
  const fromConstraint = (table: string, c: Constraint | undefined) => {
    if (c?.contype !== 'CONSTR_FOREIGN') return;
    const columns = listOf(c.fk_attrs).map((n) => unwrap<{ sval?: string }>(n, 'String')?.sval ?? '');
    if (columns.length) out.push({ table, key: { constraint: c, columns, columnScope: [] } });
  };
  const create = nodeOf<CreateStmt>(statement, 'CreateStmt');
  if (create) {
    const table = qualify(create.relation);
    for (const element of listOf(create.tableElts)) {
      fromColumn(table, unwrap<ColumnDef>(element, 'ColumnDef'));
      fromConstraint(table, unwrap<Constraint>(element, 'Constraint'));
    }
  }
  const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
  if (alter) {
    const table = qualify(alter.relation);
    for (const item of listOf(alter.cmds)) {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      if (cmd?.subtype === 'AT_AddColumn') fromColumn(table, unwrap<ColumnDef>(cmd.def, 'ColumnDef'));
      if (cmd?.subtype === 'AT_AddConstraint') fromConstraint(table, unwrap<Constraint>(cmd.def, 'Constraint'));
    }
  }
  return out;
}

function check(context: RuleContext, table: string, key: ForeignKey, line: number | undefined, existing: boolean): RuleReport | undefined {
  // NOT ENFORCED (PostgreSQL 18): no triggers, so no lookups on delete.
  if (!key.constraint.is_enforced) return undefined;
  const final = context.finalSchema;
  // A table whose creation the run never saw: its indexes are unknown, so say nothing.
  if (!final.tables.has(table)) return undefined;
  const name = pgConstraintName(table, withColumnScope(key.constraint, key.columnScope)).name;
  // Dropped again later in the run: nothing to index for.
  if (!final.constraints.has(`${table}.${name}`)) return undefined;
  const wanted = new Set(key.columns);
  const covered = final.indexesOf(table).some((index) => {
    if (index.partial || index.columns.length < wanted.size) return false;
    const leading = index.columns.slice(0, wanted.size);
    return leading.every((c) => wanted.has(c)) && new Set(leading).size === wanted.size;
  });
  if (covered) return undefined;
  const referenced = qualify(key.constraint.pktable);
  const rows = context.tableRows(table);
  const small = rows !== undefined && rows <= SMALL_TABLE_ROWS;
  const t = `\`${displayName(table)}\``;
  const r = `\`${displayName(referenced)}\``;
  const columns = key.columns.map(quoteIdent).join(', ');
  const indexName = quoteIdent(indexNameFor(table, key.columns));
  const create = `CREATE INDEX ${existing ? 'CONCURRENTLY ' : ''}${indexName} ON ${displayName(table)} (${columns});`;
  const cascade = key.constraint.fk_del_action === 'c' ? ' (ON DELETE CASCADE deletes through the same scan)' : key.constraint.fk_del_action === 'n' || key.constraint.fk_del_action === 'd' ? ' (the ON DELETE action updates through the same scan)' : '';
  return {
    line,
    endLine: line,
    severity: small ? 'notice' : undefined,
    message: `No index on ${t} starts with the foreign key column${key.columns.length === 1 ? '' : 's'} ${key.columns.map((c) => `\`${c}\``).join(', ')}: every DELETE from ${r}, or UPDATE of its key, scans all of ${t}${rows === undefined ? '' : ` (≈ ${rows.toLocaleString('en-US')} rows by the size hints)`} to find referencing rows${cascade}. Add ${code(create)}.`,
    detail: [
      `PostgreSQL does not index the referencing side of a foreign key. Each row deleted from ${r} (or whose referenced key changes) runs a lookup on ${t} by ${columns}; without an index leading with ${key.columns.length === 1 ? 'that column' : 'those columns'} it is a sequential scan, repeated for every deleted row, under row locks that block writers of ${r}.${referenced === table ? '' : ` Joins from ${r} to ${t} need the same index.`}`,
      '',
      '```sql',
      create,
      '```',
      '',
      existing
        ? '`CREATE INDEX CONCURRENTLY` keeps reads and writes going but cannot run inside a transaction block: give it a migration of its own.'
        : `${t} is created in this migration, so a plain \`CREATE INDEX\` right after it is instant and can share the transaction.`,
      `Skip the index only if rows of ${r} are never deleted and their key never changes (a static lookup table)${referenced === table ? '' : `, and no query joins from ${r} to ${t}`}.`,
    ].join('\n'),
  };
}

/** `<table>_<cols>_idx`, shortened like PostgreSQL's own names to fit in 63 bytes. */
function indexNameFor(table: string, columns: string[]): string {
  const bare = table.split('.').at(-1) ?? table;
  let base = bare;
  let cols = columns.join('_');
  while (`${base}_${cols}_idx`.length > MAX_IDENTIFIER) {
    if (base.length >= cols.length) base = base.slice(0, -1);
    else cols = cols.slice(0, -1);
  }
  return `${base}_${cols}_idx`;
}

const RESERVED = new Set(
  ('all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create current_catalog ' +
    'current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end except ' +
    'false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp ' +
    'not null offset on only or order placing primary references returning select session_user some symmetric system_user table ' +
    'then to trailing true union unique user using variadic when where window with').split(' '),
);

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
