import type { AlterTableCmd, AlterTableStmt, Constraint, IndexElem, IndexStmt, Node, RangeVar } from '@pgsql/types';
import { listOf, nodeOf, unwrap, visit } from '../sql/ast.ts';
import { columnType, qualify, quoteIdentifier, stringValues } from '../sql/names.ts';
import type { Statement } from '../sql/statement.ts';
import type { ShadowDatabase } from './provider.ts';

/** Columns a stand-in table needs, with the type each should have. */
type Needs = Map<string, Map<string, string>>;

const STAND_IN_ROWS = 3;

/**
 * Creates tables the reviewed statements use but no migration made (a lone migration checked
 * without its history, or a base that failed part-way): each with the columns the statements
 * name and a few rows, so that scans and rewrites are real. Returns their names.
 */
export async function createStandIns(db: ShadowDatabase, statements: Statement[]): Promise<string[]> {
  const needs = neededTables(statements);
  if (needs.size === 0) return [];
  const existing = await existingTables(db, [...needs.keys()]);
  const created: string[] = [];
  for (const [table, columns] of needs) {
    if (existing.has(table)) continue;
    const [schema, name] = table.split('.') as [string, string];
    if (!columns.has('id')) columns.set('id', 'bigint');
    const definitions = [...columns].map(([column, type]) => `${quoteIdentifier(column)} ${type}`);
    const values = [...columns].map(([, type]) => sampleValue(type));
    await db.query(
      `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}; CREATE TABLE ${quoteIdentifier(schema)}.${quoteIdentifier(name)} (${definitions.join(', ')}); ` +
        `INSERT INTO ${quoteIdentifier(schema)}.${quoteIdentifier(name)} SELECT ${values.join(', ')} FROM generate_series(1, ${STAND_IN_ROWS}) AS g`,
    );
    created.push(table);
  }
  return created;
}

function neededTables(statements: Statement[]): Needs {
  const needs: Needs = new Map();
  const createdHere = new Set<string>();
  const need = (table: string, column?: string, type = 'text') => {
    if (!table || table.endsWith('.') || createdHere.has(table)) return;
    const columns = needs.get(table) ?? new Map<string, string>();
    if (column && !columns.has(column)) columns.set(column, /(^id$|_id$|Id$)/.test(column) && type === 'text' ? 'bigint' : type);
    needs.set(table, columns);
  };
  for (const statement of statements) {
    const created = nodeOf<{ relation?: RangeVar }>(statement, 'CreateStmt')?.relation
      ?? nodeOf<{ into?: { rel?: RangeVar } }>(statement, 'CreateTableAsStmt')?.into?.rel;
    if (created) {
      // First: a table may reference itself (parent_id REFERENCES the same table).
      createdHere.add(qualify(created));
      foreignKeyTargets(statement, need);
      continue;
    }
    const rename = nodeOf<{ renameType?: string; relation?: RangeVar; newname?: string }>(statement, 'RenameStmt');
    if (rename?.renameType === 'OBJECT_TABLE' && rename.newname) {
      need(qualify(rename.relation));
      createdHere.add(`${rename.relation?.schemaname ?? 'public'}.${rename.newname}`);
      continue;
    }
    const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
    if (alter && (alter.objtype ?? 'OBJECT_TABLE') === 'OBJECT_TABLE') {
      const table = qualify(alter.relation);
      need(table);
      for (const item of listOf(alter.cmds)) alterNeeds(table, unwrap<AlterTableCmd>(item, 'AlterTableCmd'), need);
    }
    const index = nodeOf<IndexStmt>(statement, 'IndexStmt');
    if (index) {
      const table = qualify(index.relation);
      for (const param of listOf(index.indexParams)) need(table, unwrap<IndexElem>(param, 'IndexElem')?.name);
      need(table);
    }
    for (const kind of ['UpdateStmt', 'DeleteStmt', 'InsertStmt']) {
      const dml = nodeOf<{ relation?: RangeVar; targetList?: Node[]; cols?: Node[] }>(statement, kind);
      if (!dml) continue;
      const table = qualify(dml.relation);
      for (const target of listOf(dml.targetList ?? dml.cols)) need(table, unwrap<{ name?: string }>(target, 'ResTarget')?.name);
      need(table);
    }
    foreignKeyTargets(statement, need);
  }
  return needs;
}

function alterNeeds(table: string, cmd: AlterTableCmd | undefined, need: (table: string, column?: string, type?: string) => void): void {
  if (!cmd) return;
  switch (cmd.subtype) {
    case 'AT_AddColumn':
      return;
    case 'AT_AlterColumnType': {
      const target = columnType(unwrap<{ typeName?: never }>(cmd.def, 'ColumnDef')?.typeName);
      need(table, cmd.name, standInTypeFor(target.name));
      return;
    }
    case 'AT_AddConstraint': {
      const constraint = unwrap<Constraint>(cmd.def, 'Constraint');
      for (const column of [...stringValues(constraint?.keys), ...stringValues(constraint?.fk_attrs)]) need(table, column);
      visit(constraint?.raw_expr, (kind, value) => {
        if (kind === 'ColumnRef') need(table, stringValues(value.fields as Node[]).at(-1));
      });
      return;
    }
    default:
      if (cmd.name) need(table, cmd.name);
  }
}

function foreignKeyTargets(statement: Statement, need: (table: string, column?: string, type?: string) => void): void {
  visit(statement.ast, (kind, value) => {
    if (kind !== 'Constraint' || value.contype !== 'CONSTR_FOREIGN' || !value.pktable) return;
    const target = qualify(value.pktable as RangeVar);
    const columns = stringValues(value.pk_attrs as Node[]);
    for (const column of columns.length ? columns : ['id']) need(target, column, 'bigint');
  });
}

/** A type the target converts from without a USING clause, so the change itself is what runs. */
function standInTypeFor(target: string): string {
  if (['int8', 'numeric', 'float8', 'float4'].includes(target)) return 'integer';
  if (['int4', 'int2'].includes(target)) return 'smallint';
  if (['text', 'varchar', 'bpchar', 'citext'].includes(target)) return 'varchar(20)';
  if (target === 'timestamptz') return 'timestamp';
  if (target === 'jsonb') return 'json';
  return 'text';
}

function sampleValue(type: string): string {
  if (['bigint', 'integer', 'smallint'].includes(type)) return 'g';
  if (type === 'timestamp') return "'2024-01-01'::timestamp + g * interval '1 day'";
  if (type === 'json') return "json_build_object('n', g)";
  return "'x' || g";
}

/**
 * The tables that resolve as PostgreSQL would resolve them: a name the statements wrote without a
 * schema (kept here as `public.x`) is also looked up bare, along the search path (pg_catalog's
 * views, say).
 */
async function existingTables(db: ShadowDatabase, tables: string[]): Promise<Set<string>> {
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const quoted = (table: string) => table.split('.').map(quoteIdentifier).join('.');
  const probes = tables.map((t) => `(${literal(t)}, to_regclass(${literal(quoted(t))}) IS NOT NULL OR to_regclass(${literal(quoteIdentifier(t.split('.').at(-1)!))}) IS NOT NULL)`);
  const { rows } = await db.query(`SELECT name FROM (VALUES ${probes.join(', ')}) AS probe (name, found) WHERE found`);
  return new Set(rows.map((r) => String(r.name)));
}

