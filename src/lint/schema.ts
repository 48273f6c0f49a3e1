import type {
  AlterEnumStmt,
  AlterTableCmd,
  AlterTableStmt,
  ColumnDef,
  Constraint,
  CreateEnumStmt,
  CreateStmt,
  IndexElem,
  IndexStmt,
  Node,
  NullTest,
  RangeVar,
  RenameStmt,
} from '@pgsql/types';
import { listOf, nodeOf, unwrap } from '../sql/ast.ts';
import { pgConstraintName, type NamesInUse } from './constraint-names.ts';
import { columnType, qualify, qualifyParts, stringValues, type ColumnType } from '../sql/names.ts';
import type { Statement } from '../sql/statement.ts';

export interface ColumnInfo {
  name: string;
  type: ColumnType;
  notNull: boolean;
}

export interface TableInfo {
  name: string;
  columns: Map<string, ColumnInfo>;
  /** Id of the migration that created the table. */
  createdIn: string;
  partitioned: boolean;
}

export interface IndexInfo {
  name: string;
  table: string;
  /** Key columns in order; expressions appear as `(expression)`. */
  columns: string[];
  unique: boolean;
  partial: boolean;
  createdIn: string;
}

export type ConstraintKind = 'check' | 'not-null' | 'foreign' | 'unique' | 'primary' | 'exclusion';

export interface ConstraintInfo {
  name: string;
  table: string;
  kind: ConstraintKind;
  columns: string[];
  validated: boolean;
  /** For `CHECK (col IS NOT NULL)` and NOT NULL constraints: the column it proves non-null. */
  provesNotNull?: string;
  createdIn: string;
}

/**
 * What the statements seen so far have built: enough of the catalog for the rules to know
 * which tables exist, what type a column had and which indexes and constraints cover what.
 */
export class SchemaModel implements NamesInUse {
  readonly tables = new Map<string, TableInfo>();
  readonly indexes = new Map<string, IndexInfo>();
  readonly constraints = new Map<string, ConstraintInfo>();
  readonly enums = new Map<string, string[]>();

  indexOwner = (index: string): string | undefined => this.indexes.get(index)?.table;

  constraint(schema: string, name: string): boolean {
    for (const c of this.constraints.values()) if (c.name === name && c.table.startsWith(`${schema}.`)) return true;
    return false;
  }

  relation(schema: string, name: string): boolean {
    const qualified = `${schema}.${name}`;
    return this.tables.has(qualified) || this.indexes.has(qualified) || this.constraint(schema, name);
  }

  column(table: string, column: string): ColumnInfo | undefined {
    return this.tables.get(table)?.columns.get(column);
  }

  constraintsOf(table: string): ConstraintInfo[] {
    return [...this.constraints.values()].filter((c) => c.table === table);
  }

  indexesOf(table: string): IndexInfo[] {
    return [...this.indexes.values()].filter((i) => i.table === table);
  }

  apply(statement: Statement, migrationId: string): void {
    const create = nodeOf<CreateStmt>(statement, 'CreateStmt');
    if (create) return this.createTable(create, migrationId);
    const into = nodeOf<{ into?: { rel?: RangeVar } }>(statement, 'CreateTableAsStmt')?.into
      ?? nodeOf<{ intoClause?: { rel?: RangeVar } }>(statement, 'SelectStmt')?.intoClause;
    if (into?.rel) return this.createTableFromQuery(into.rel, migrationId);
    const index = nodeOf<IndexStmt>(statement, 'IndexStmt');
    if (index) return this.createIndex(index, migrationId);
    const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
    if (alter) return this.alterTable(alter, migrationId);
    const drop = nodeOf<Record<string, unknown>>(statement, 'DropStmt');
    if (drop) return this.drop(drop);
    const rename = nodeOf<RenameStmt>(statement, 'RenameStmt');
    if (rename) return this.rename(rename);
    const enumType = nodeOf<CreateEnumStmt>(statement, 'CreateEnumStmt');
    if (enumType) {
      this.enums.set(qualifyParts(stringValues(enumType.typeName)), stringValues(enumType.vals));
      return;
    }
    const alterEnum = nodeOf<AlterEnumStmt>(statement, 'AlterEnumStmt');
    if (alterEnum?.newVal && !alterEnum.oldVal) this.addEnumValue(alterEnum);
  }

  private addEnumValue(alter: AlterEnumStmt): void {
    const name = qualifyParts(stringValues(alter.typeName));
    const labels = [...(this.enums.get(name) ?? [])];
    const neighbour = alter.newValNeighbor ? labels.indexOf(alter.newValNeighbor) : -1;
    if (neighbour < 0) labels.push(alter.newVal!);
    else labels.splice(alter.newValIsAfter ? neighbour + 1 : neighbour, 0, alter.newVal!);
    this.enums.set(name, labels);
  }

  private createTable(create: CreateStmt, migrationId: string): void {
    const name = qualify(create.relation);
    const table: TableInfo = { name, columns: new Map(), createdIn: migrationId, partitioned: Boolean(create.partspec) };
    this.tables.set(name, table);
    for (const element of listOf(create.tableElts)) {
      const column = unwrap<ColumnDef>(element, 'ColumnDef');
      if (column) this.addColumn(table, column, migrationId);
      const constraint = unwrap<Constraint>(element, 'Constraint');
      if (constraint) this.addConstraint(name, constraint, [], migrationId);
    }
  }

  /** CREATE TABLE AS, SELECT INTO, CREATE MATERIALIZED VIEW: a new relation whose columns the query decides. */
  private createTableFromQuery(relation: RangeVar, migrationId: string): void {
    const name = qualify(relation);
    this.tables.set(name, { name, columns: new Map(), createdIn: migrationId, partitioned: false });
  }

  private addColumn(table: TableInfo, def: ColumnDef, migrationId: string): void {
    const name = def.colname ?? '';
    const type = columnType(def.typeName);
    const constraints = listOf(def.constraints).flatMap((c) => unwrap<Constraint>(c, 'Constraint') ?? []);
    const notNull =
      type.name.startsWith('serial') ||
      constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_IDENTITY');
    table.columns.set(name, { name, type, notNull });
    for (const constraint of constraints) this.addConstraint(table.name, constraint, [name], migrationId);
  }

  private addConstraint(table: string, c: Constraint, columnScope: string[], migrationId: string): void {
    const kind = constraintKind(c.contype);
    if (!kind) return;
    const scoped = withColumnScope(c, columnScope);
    const columns = constraintColumns(scoped);
    const schema = table.split('.')[0] ?? 'public';
    const name = pgConstraintName(table, scoped, this).name;
    const info: ConstraintInfo = {
      name,
      table,
      kind,
      columns,
      validated: !scoped.skip_validation,
      provesNotNull: provenNotNullColumn(scoped),
      createdIn: migrationId,
    };
    this.constraints.set(`${table}.${name}`, info);
    if (kind === 'primary' || kind === 'unique' || kind === 'exclusion') {
      const indexName = `${schema}.${c.indexname ?? name}`;
      const existing = c.indexname ? this.indexes.get(indexName) : undefined;
      if (existing) this.indexes.delete(indexName);
      this.indexes.set(`${schema}.${name}`, {
        name: `${schema}.${name}`,
        table,
        columns: existing?.columns ?? columns,
        unique: kind !== 'exclusion',
        partial: false,
        createdIn: existing?.createdIn ?? migrationId,
      });
    }
    if (kind === 'primary' || (kind === 'not-null' && info.validated)) {
      for (const column of columns) {
        const info = this.column(table, column);
        if (info) info.notNull = true;
      }
    }
  }

  private createIndex(index: IndexStmt, migrationId: string): void {
    const table = qualify(index.relation);
    const schema = table.split('.')[0] ?? 'public';
    const columns = listOf(index.indexParams).map((p) => {
      const elem = unwrap<IndexElem>(p, 'IndexElem');
      return elem?.name ?? '(expression)';
    });
    const bare = table.split('.').at(-1) ?? table;
    const name = `${schema}.${index.idxname ?? `${bare}_${columns.join('_')}_idx`}`;
    this.indexes.set(name, {
      name,
      table,
      columns,
      unique: Boolean(index.unique),
      partial: Boolean(index.whereClause),
      createdIn: migrationId,
    });
  }

  private alterTable(alter: AlterTableStmt, migrationId: string): void {
    const tableName = qualify(alter.relation);
    for (const item of listOf(alter.cmds)) {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      if (cmd) this.alterTableCmd(tableName, cmd, migrationId);
    }
  }

  private alterTableCmd(tableName: string, cmd: AlterTableCmd, migrationId: string): void {
    const table = this.tables.get(tableName);
    const column = cmd.name ? table?.columns.get(cmd.name) : undefined;
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const def = unwrap<ColumnDef>(cmd.def, 'ColumnDef');
        if (table && def) this.addColumn(table, def, migrationId);
        break;
      }
      case 'AT_DropColumn':
        if (cmd.name) {
          table?.columns.delete(cmd.name);
          for (const [key, index] of this.indexes) if (index.table === tableName && index.columns.includes(cmd.name)) this.indexes.delete(key);
          for (const [key, c] of this.constraints) if (c.table === tableName && c.columns.includes(cmd.name)) this.constraints.delete(key);
        }
        break;
      case 'AT_AlterColumnType': {
        const def = unwrap<ColumnDef>(cmd.def, 'ColumnDef');
        if (column && def) column.type = columnType(def.typeName);
        break;
      }
      case 'AT_SetNotNull':
        if (column) column.notNull = true;
        break;
      case 'AT_DropNotNull':
        if (column) column.notNull = false;
        break;
      case 'AT_AddConstraint': {
        const constraint = unwrap<Constraint>(cmd.def, 'Constraint');
        if (constraint) this.addConstraint(tableName, constraint, [], migrationId);
        break;
      }
      case 'AT_ValidateConstraint': {
        const constraint = this.constraints.get(`${tableName}.${cmd.name}`);
        if (!constraint) break;
        constraint.validated = true;
        const proven = constraint.kind === 'not-null' && constraint.provesNotNull ? table?.columns.get(constraint.provesNotNull) : undefined;
        if (proven) proven.notNull = true;
        break;
      }
      case 'AT_DropConstraint': {
        this.constraints.delete(`${tableName}.${cmd.name}`);
        const schema = tableName.split('.')[0] ?? 'public';
        const index = this.indexes.get(`${schema}.${cmd.name}`);
        if (index?.table === tableName) this.indexes.delete(`${schema}.${cmd.name}`);
        break;
      }
      default:
        break;
    }
  }

  private drop(drop: Record<string, unknown>): void {
    const names = listOf(drop.objects).map((o) => qualifyParts(stringValues(unwrap<{ items?: Node[] }>(o, 'List')?.items)));
    for (const name of names) {
      if (drop.removeType === 'OBJECT_TABLE') {
        this.tables.delete(name);
        for (const [key, index] of this.indexes) if (index.table === name) this.indexes.delete(key);
        for (const [key, c] of this.constraints) if (c.table === name) this.constraints.delete(key);
      } else if (drop.removeType === 'OBJECT_INDEX') {
        this.indexes.delete(name);
      }
    }
  }

  private rename(rename: RenameStmt): void {
    const target = qualify(rename.relation);
    const schema = target.split('.')[0] ?? 'public';
    const newName = rename.newname ?? '';
    if (rename.renameType === 'OBJECT_TABLE') {
      const table = this.tables.get(target);
      if (!table) return;
      this.tables.delete(target);
      table.name = `${schema}.${newName}`;
      this.tables.set(table.name, table);
      for (const index of this.indexes.values()) if (index.table === target) index.table = table.name;
      for (const c of this.constraints.values()) if (c.table === target) c.table = table.name;
    } else if (rename.renameType === 'OBJECT_COLUMN' && rename.subname) {
      const table = this.tables.get(target);
      const column = table?.columns.get(rename.subname);
      if (!table || !column) return;
      table.columns.delete(rename.subname);
      column.name = newName;
      table.columns.set(newName, column);
      for (const index of this.indexes.values()) if (index.table === target) index.columns = index.columns.map((c) => (c === rename.subname ? newName : c));
    } else if (rename.renameType === 'OBJECT_INDEX') {
      const index = this.indexes.get(target);
      if (!index) return;
      this.indexes.delete(target);
      index.name = `${schema}.${newName}`;
      this.indexes.set(index.name, index);
    }
  }
}

function constraintColumns(c: Constraint): string[] {
  const keys = stringValues(c.keys);
  return keys.length ? keys : stringValues(c.fk_attrs);
}

/** A column constraint (`a int REFERENCES b`) names its column only by where it stands: make it explicit. */
export function withColumnScope(c: Constraint, columnScope: string[]): Constraint {
  if (columnScope.length === 0 || constraintColumns(c).length > 0) return c;
  const columns = columnScope.map((name) => ({ String: { sval: name } }));
  if (c.contype === 'CONSTR_FOREIGN') return { ...c, fk_attrs: columns };
  if (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_NOTNULL') return { ...c, keys: columns };
  return c;
}

export function constraintKind(contype: string | undefined): ConstraintKind | undefined {
  switch (contype) {
    case 'CONSTR_CHECK': return 'check';
    case 'CONSTR_NOTNULL': return 'not-null';
    case 'CONSTR_FOREIGN': return 'foreign';
    case 'CONSTR_UNIQUE': return 'unique';
    case 'CONSTR_PRIMARY': return 'primary';
    case 'CONSTR_EXCLUSION': return 'exclusion';
    default: return undefined;
  }
}

function provenNotNullColumn(c: Constraint): string | undefined {
  if (c.contype === 'CONSTR_NOTNULL') return stringValues(c.keys)[0];
  if (c.contype !== 'CONSTR_CHECK') return undefined;
  const test = unwrap<NullTest>(c.raw_expr, 'NullTest');
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = stringValues(unwrap<{ fields?: Node[] }>(test.arg, 'ColumnRef')?.fields);
  return fields.length === 1 ? fields[0] : undefined;
}
