import type { CatalogSnapshot, ColumnSnapshot, ConstraintSnapshot, IndexSnapshot } from './catalog.ts';
import { diffCatalog, type CatalogChange } from './catalog-diff.ts';

/**
 * The net effect of the reviewed migrations on the schema: the catalog before the first of them
 * against the catalog after the last, so what one migration adds and a later one takes away is
 * not in it. `timed-out`: the shadow database stopped at a time limit, so the end state is unknown.
 */
export type SchemaChanges =
  | { status: 'complete'; tables: TableChanges[]; enums: EnumChange[]; shapes: TableShape[] }
  | { status: 'timed-out' };

export interface ColumnDefinition {
  name: string;
  /** As PostgreSQL spells it (format_type): `character varying(255)`, `timestamp(3) without time zone`. */
  type: string;
  notNull: boolean;
  default: string | null;
}

export interface ColumnChange {
  name: string;
  from: ColumnSnapshot;
  to: ColumnSnapshot;
}

export type ConstraintKind = 'primary key' | 'unique' | 'foreign key' | 'check' | 'exclusion' | 'constraint trigger';

export interface ConstraintDefinition {
  /** Unique within its table. */
  name: string;
  kind: ConstraintKind;
  /** pg_get_constraintdef: `FOREIGN KEY (user_id) REFERENCES users(id) NOT VALID`. */
  definition: string;
}

export interface IndexDefinition {
  /** `schema.name`. */
  name: string;
  /** pg_get_indexdef: `CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)`. */
  definition: string;
}

/**
 * What happened to one table. A created table lists all its columns, constraints and indexes as
 * added; a dropped one lists nothing else (its constraints and indexes went with it).
 */
export interface TableChanges {
  /** `schema.name`. */
  table: string;
  change: 'created' | 'altered' | 'dropped';
  /** A stand-in made for the review because no migration creates it: its columns before the change are guesses. */
  standIn: boolean;
  columnsAdded: ColumnDefinition[];
  columnsChanged: ColumnChange[];
  columnsDropped: ColumnDefinition[];
  constraintsAdded: ConstraintDefinition[];
  constraintsValidated: ConstraintDefinition[];
  constraintsDropped: ConstraintDefinition[];
  indexesCreated: IndexDefinition[];
  indexesDropped: IndexDefinition[];
}

export type EnumChange =
  | { name: string; change: 'created' | 'dropped'; labels: string[] }
  | { name: string; change: 'changed'; from: string[]; to: string[] };

/** A table as the reviewed migrations leave it: what an entity-relationship diagram draws. */
export interface TableShape {
  table: string;
  /**
   * False for a table drawn only because a changed one references it: then it holds only its key
   * columns (primary key and referenced ones), and no foreign keys or indexes.
   */
  changed: boolean;
  columns: ColumnDefinition[];
  primaryKey: string[];
  foreignKeys: ForeignKeyShape[];
  indexes: IndexShape[];
}

export interface ForeignKeyShape {
  name: string;
  columns: string[];
  /** `schema.name` of the referenced table. */
  references: string;
  referencedColumns: string[];
  /** A unique index covers the columns: at most one referencing row per referenced row. */
  unique: boolean;
  /** False for NOT ENFORCED (PostgreSQL 18): no trigger checks it or looks up referencing rows. */
  enforced: boolean;
}

export interface IndexShape {
  name: string;
  /** Key columns in order (not INCLUDE ones); null for an expression. */
  columns: (string | null)[];
  unique: boolean;
  partial: boolean;
  valid: boolean;
}

const CONSTRAINT_KINDS: Record<string, ConstraintKind> = {
  p: 'primary key',
  u: 'unique',
  f: 'foreign key',
  c: 'check',
  x: 'exclusion',
  t: 'constraint trigger',
};

/** Constraints that own an index of the same name: the index is listed through the constraint. */
const INDEX_BACKED = new Set<ConstraintKind>(['primary key', 'unique', 'exclusion']);

/**
 * The changes between the catalog before the reviewed migrations (stand-ins already made, so
 * they are not counted as added) and after them, grouped by table, with the end shape of every
 * table that changed and of the tables those reference.
 */
export function netSchemaChanges(before: CatalogSnapshot, after: CatalogSnapshot, standIns: readonly string[]): SchemaChanges {
  const changes = diffCatalog(before, after);
  const tables = tableChanges(changes, before, after, new Set(standIns));
  return { status: 'complete', tables, enums: enumChanges(changes), shapes: tableShapes(tables, after) };
}

/** Whether a valid, non-partial index leads with the foreign key's columns, in any order. */
export function isIndexed(foreignKey: ForeignKeyShape, indexes: IndexShape[]): boolean {
  const wanted = new Set(foreignKey.columns);
  return indexes.some((index) => {
    if (!index.valid || index.partial) return false;
    const leading = index.columns.slice(0, wanted.size);
    return leading.length === wanted.size && new Set(leading).size === wanted.size && leading.every((c) => c !== null && wanted.has(c));
  });
}

function tableChanges(changes: CatalogChange[], before: CatalogSnapshot, after: CatalogSnapshot, standIns: Set<string>): TableChanges[] {
  const created = new Set(changes.flatMap((c) => (c.kind === 'table-created' ? [c.table] : [])));
  const dropped = new Set(changes.flatMap((c) => (c.kind === 'table-dropped' ? [c.table] : [])));
  const byTable = new Map<string, TableChanges>();
  const entry = (table: string): TableChanges => {
    let found = byTable.get(table);
    if (!found) {
      found = emptyTableChanges(table, created.has(table) ? 'created' : dropped.has(table) ? 'dropped' : 'altered', standIns.has(table));
      byTable.set(table, found);
    }
    return found;
  };
  for (const change of changes) {
    switch (change.kind) {
      case 'table-created':
        entry(change.table).columnsAdded.push(...columnsOf(after, change.table));
        break;
      case 'table-dropped':
        entry(change.table);
        break;
      case 'column-added':
        entry(change.table).columnsAdded.push(...columnsOf(after, change.table, [change.column]));
        break;
      case 'column-dropped':
        entry(change.table).columnsDropped.push(...columnsOf(before, change.table, [change.column]));
        break;
      case 'column-changed':
        entry(change.table).columnsChanged.push({ name: change.column, from: change.from, to: change.to });
        break;
      case 'constraint-added':
      case 'constraint-validated':
      case 'constraint-dropped': {
        const { table } = change.constraint;
        const kind = CONSTRAINT_KINDS[change.constraint.type];
        // NOT NULL constraints (PostgreSQL 18) repeat the column's nullability; a dropped table took its constraints along.
        if (!kind || (change.kind === 'constraint-dropped' && dropped.has(table))) break;
        const definition = { name: change.name.slice(table.length + 1), kind, definition: change.constraint.definition };
        const list = change.kind === 'constraint-added' ? 'constraintsAdded' : change.kind === 'constraint-validated' ? 'constraintsValidated' : 'constraintsDropped';
        entry(table)[list].push(definition);
        break;
      }
      case 'index-created':
      case 'index-dropped':
        if (change.kind === 'index-dropped' && dropped.has(change.index.table)) break;
        entry(change.index.table)[change.kind === 'index-created' ? 'indexesCreated' : 'indexesDropped'].push({ name: change.name, definition: change.index.definition });
        break;
      default:
        break;
    }
  }
  const all = [...byTable.values()].map(withoutConstraintIndexes);
  const order = { created: 0, altered: 1, dropped: 2 };
  return all.sort((a, b) => order[a.change] - order[b.change] || a.table.localeCompare(b.table));
}

/** A table's entry with nothing in its lists yet. */
export function emptyTableChanges(table: string, change: TableChanges['change'], standIn: boolean): TableChanges {
  return {
    table,
    change,
    standIn,
    columnsAdded: [],
    columnsChanged: [],
    columnsDropped: [],
    constraintsAdded: [],
    constraintsValidated: [],
    constraintsDropped: [],
    indexesCreated: [],
    indexesDropped: [],
  };
}

/** A primary key, unique or exclusion constraint comes with its index: list the constraint only. */
function withoutConstraintIndexes(changes: TableChanges): TableChanges {
  const schema = changes.table.slice(0, changes.table.indexOf('.'));
  const owned = (constraints: ConstraintDefinition[]) =>
    new Set(constraints.filter((c) => INDEX_BACKED.has(c.kind)).map((c) => `${schema}.${c.name}`));
  const added = owned(changes.constraintsAdded);
  const dropped = owned(changes.constraintsDropped);
  return {
    ...changes,
    indexesCreated: changes.indexesCreated.filter((i) => !added.has(i.name)),
    indexesDropped: changes.indexesDropped.filter((i) => !dropped.has(i.name)),
  };
}

function columnsOf(catalog: CatalogSnapshot, table: string, only?: string[]): ColumnDefinition[] {
  const columns = [...(catalog.tables.get(table) ?? [])];
  return columns
    .filter(([name]) => !only || only.includes(name))
    .map(([name, column]) => ({ name, type: column.type, notNull: column.notNull, default: column.default }));
}

function enumChanges(changes: CatalogChange[]): EnumChange[] {
  return changes.flatMap((change): EnumChange[] => {
    if (change.kind === 'enum-created') return [{ name: change.name, change: 'created', labels: change.labels }];
    if (change.kind === 'enum-dropped') return [{ name: change.name, change: 'dropped', labels: change.labels }];
    if (change.kind === 'enum-changed') return [{ name: change.name, change: 'changed', from: change.from, to: change.to }];
    return [];
  });
}

/** The changed tables that still exist, whole, then the tables they reference, with their key columns only. */
function tableShapes(tables: TableChanges[], after: CatalogSnapshot): TableShape[] {
  const changed = tables.filter((t) => t.change !== 'dropped').map((t) => fullShape(t.table, after));
  const drawn = new Set(changed.map((shape) => shape.table));
  const referenced = new Map<string, Set<string>>();
  for (const foreignKey of changed.flatMap((shape) => shape.foreignKeys)) {
    if (drawn.has(foreignKey.references)) continue;
    const columns = referenced.get(foreignKey.references) ?? new Set<string>();
    for (const column of foreignKey.referencedColumns) columns.add(column);
    referenced.set(foreignKey.references, columns);
  }
  const keyOnly = [...referenced]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([table, columns]) => keyShape(table, columns, after));
  return [...changed, ...keyOnly];
}

function fullShape(table: string, after: CatalogSnapshot): TableShape {
  const indexes = indexesOn(table, after);
  const shapes = indexes.map(([name, index]) => indexShape(name, index));
  return {
    table,
    changed: true,
    columns: columnsOf(after, table),
    primaryKey: primaryKeyOf(indexes),
    foreignKeys: [...after.constraints]
      .filter(([, constraint]) => constraint.table === table)
      // The snapshot keys constraints by `table.name`.
      .flatMap(([key, constraint]) => foreignKeyShape(key.slice(table.length + 1), constraint, shapes)),
    indexes: shapes,
  };
}

function keyShape(table: string, referencedColumns: Set<string>, after: CatalogSnapshot): TableShape {
  const primaryKey = primaryKeyOf(indexesOn(table, after));
  const keys = new Set([...primaryKey, ...referencedColumns]);
  return { table, changed: false, columns: columnsOf(after, table).filter((c) => keys.has(c.name)), primaryKey, foreignKeys: [], indexes: [] };
}

function indexesOn(table: string, after: CatalogSnapshot): [string, IndexSnapshot][] {
  return [...after.indexes].filter(([, index]) => index.table === table);
}

function primaryKeyOf(indexes: [string, IndexSnapshot][]): string[] {
  return (indexes.find(([, index]) => index.primary)?.[1].columns ?? []).filter((column) => column !== null);
}

function indexShape(name: string, index: IndexSnapshot): IndexShape {
  return { name, columns: index.columns, unique: index.unique, partial: index.partial, valid: index.valid };
}

function foreignKeyShape(name: string, constraint: ConstraintSnapshot, indexes: IndexShape[]): ForeignKeyShape[] {
  if (!constraint.foreignKey) return [];
  const { columns, references, referencedColumns } = constraint.foreignKey;
  const unique = indexes.some((i) => i.unique && i.valid && !i.partial && i.columns.every((c) => c !== null && columns.includes(c)));
  return [{
    name,
    columns,
    references,
    referencedColumns,
    unique,
    // PostgreSQL prints NOT ENFORCED last, and only for such keys.
    enforced: !constraint.definition.endsWith(' NOT ENFORCED'),
  }];
}
