import type { ColumnChange, ColumnDefinition, ConstraintDefinition, EnumChange, IndexDefinition, SchemaChanges, TableChanges, TableShape } from '../shadow/schema-changes.ts';
import { displayName } from '../sql/names.ts';
import { plural } from './common.ts';
import { codeSpan, fencedBlock } from './markdown-syntax.ts';
import { erDiagram, MAX_ENTITIES } from './schema-diagram.ts';

const TIMED_OUT = 'the shadow database stopped at a time limit';

const IDENTIFIER = String.raw`(?:"(?:[^"]|"")*"|[^\s".]+)`;
/** pg_get_indexdef's shape: `CREATE [UNIQUE] INDEX name ON [ONLY] schema.table USING method (columns)...`. */
const INDEX_DEFINITION = new RegExp(String.raw`^CREATE (UNIQUE )?INDEX ${IDENTIFIER} ON (?:ONLY )?${IDENTIFIER}(?:\.${IDENTIFIER})? USING (\S+) (.+)$`);

/** "schema: +2 tables, +5 columns, 1 column changed, +3 indexes": one line for the terminal. */
export function schemaChangesLine(changes: SchemaChanges): string {
  if (changes.status === 'timed-out') return `schema: not known (${TIMED_OUT})`;
  const { tables, enums } = changes;
  const existing = tables.filter((t) => t.change !== 'created');
  const total = (list: TableChanges[], pick: (t: TableChanges) => unknown[]) => list.reduce((n, t) => n + pick(t).length, 0);
  // A new table's columns and constraints are part of it; its indexes are counted.
  const tallies: [number, string, string][] = [
    [tables.filter((t) => t.change === 'created').length, '+', 'table'],
    [tables.filter((t) => t.change === 'dropped').length, '-', 'table'],
    [total(existing, (t) => t.columnsAdded), '+', 'column'],
    [total(existing, (t) => t.columnsChanged), '', 'column changed'],
    [total(existing, (t) => t.columnsDropped), '-', 'column'],
    [total(tables, (t) => t.indexesCreated), '+', 'index'],
    [total(tables, (t) => t.indexesDropped), '-', 'index'],
    [total(existing, (t) => t.constraintsAdded), '+', 'constraint'],
    [total(existing, (t) => t.constraintsValidated), '', 'constraint validated'],
    [total(existing, (t) => t.constraintsDropped), '-', 'constraint'],
    [enums.filter((e) => e.change === 'created').length, '+', 'enum'],
    [enums.filter((e) => e.change === 'changed').length, '', 'enum changed'],
    [enums.filter((e) => e.change === 'dropped').length, '-', 'enum'],
  ];
  const phrases = tallies.filter(([n]) => n > 0).map(([n, sign, noun]) => `${sign}${pluralNoun(n, noun)}`);
  return `schema: ${phrases.length ? phrases.join(', ') : 'no changes'}`;
}

/** "3 indexes", "2 columns changed": the noun's first word takes the plural. */
function pluralNoun(n: number, noun: string): string {
  const [head = noun, ...rest] = noun.split(' ');
  return [plural(n, head, head === 'index' ? 'indexes' : `${head}s`), ...rest].join(' ');
}

/**
 * The "Schema changes" section of a markdown review: per table what was created, changed and
 * dropped, the enums, then an entity-relationship diagram of the tables changed and those they
 * reference.
 */
export function schemaChangesSection(changes: SchemaChanges): string[] {
  const heading = ['### Schema changes', ''];
  if (changes.status === 'timed-out') return [...heading, `Not known: ${TIMED_OUT} before the reviewed migrations ended, so their end state could not be read.`];
  if (changes.tables.length === 0 && changes.enums.length === 0) return [...heading, 'The reviewed migrations leave the schema as it was.'];
  const blocks = [
    ...changes.tables.map(tableBlock),
    ...(changes.enums.length ? [['**Enums**', ...changes.enums.map((e) => `- ${enumText(e)}`)]] : []),
    ...(changes.shapes.length ? [diagramBlock(changes.shapes)] : []),
  ];
  return [...heading, ...blocks.flatMap((block, i) => (i === 0 ? block : ['', ...block]))];
}

function tableBlock(table: TableChanges): string[] {
  const standIn = table.standIn ? ' (a stand-in: no migration creates it, so what it held before is made up)' : '';
  const status = table.change === 'altered' ? '' : ` (${table.change === 'created' ? 'new' : 'dropped'})`;
  const title = `**${codeSpan(displayName(table.table))}**${status}${standIn}`;
  const created = table.change === 'created';
  const verb = (word: string) => (created ? '' : `${word} `);
  const items = [
    ...(created ? [`columns: ${table.columnsAdded.map(columnText).join(', ')}`] : table.columnsAdded.map((c) => `added column ${columnText(c)}`)),
    ...table.columnsChanged.map(changedColumnText),
    ...table.columnsDropped.map((c) => `dropped column ${columnText(c)}`),
    ...table.constraintsAdded.map((c) => `${verb('added')}${constraintText(c)}`),
    ...table.constraintsValidated.map((c) => `validated ${constraintText(c)}`),
    ...table.constraintsDropped.map((c) => `dropped ${constraintText(c)}`),
    ...table.indexesCreated.map((i) => `${verb('created')}${indexText(i)}`),
    ...table.indexesDropped.map((i) => `dropped ${indexText(i)}`),
  ];
  return [title, ...items.map((item) => `- ${item}`)];
}

function columnText(column: ColumnDefinition): string {
  return `${codeSpan(column.name)} ${column.type}${column.notNull ? ' NOT NULL' : ''}${column.default === null ? '' : ` DEFAULT ${codeSpan(column.default)}`}`;
}

function changedColumnText({ name, from, to }: ColumnChange): string {
  const parts = [
    ...(from.type === to.type ? [] : [`type ${from.type} → ${to.type}`]),
    ...(from.notNull === to.notNull ? [] : [to.notNull ? 'NULL → NOT NULL' : 'NOT NULL → NULL']),
    ...(from.default === to.default ? [] : [`DEFAULT ${defaultText(from.default)} → ${defaultText(to.default)}`]),
  ];
  return `changed column ${codeSpan(name)}: ${parts.join(', ')}`;
}

function defaultText(expression: string | null): string {
  return expression === null ? 'none' : codeSpan(expression);
}

function constraintText(constraint: ConstraintDefinition): string {
  return `${constraint.kind} ${codeSpan(constraint.name)}: ${codeSpan(constraint.definition)}`;
}

/** `unique index users_email_idx on (email)`, `index t_tags_idx using gin on (tags)`. */
function indexText(index: IndexDefinition): string {
  const name = codeSpan(displayName(index.name));
  const parts = INDEX_DEFINITION.exec(index.definition);
  if (!parts) return `index ${name}: ${codeSpan(index.definition)}`;
  const [, unique, method, rest = ''] = parts;
  return `${unique ? 'unique ' : ''}index ${name}${method === 'btree' ? '' : ` using ${method}`} on ${codeSpan(rest)}`;
}

function enumText(change: EnumChange): string {
  const name = codeSpan(displayName(change.name));
  const labels = (list: string[]) => list.map((label) => codeSpan(label)).join(', ');
  if (change.change !== 'changed') return `${change.change} ${name}: ${labels(change.labels)}`;
  const added = change.to.filter((label) => !change.from.includes(label));
  const removed = change.from.filter((label) => !change.to.includes(label));
  const parts = [...(added.length ? [`added ${labels(added)}`] : []), ...(removed.length ? [`removed ${labels(removed)}`] : [])];
  return `changed ${name}: ${parts.length ? parts.join('; ') : `reordered to ${labels(change.to)}`}`;
}

function diagramBlock(shapes: TableShape[]): string[] {
  const diagram = erDiagram(shapes);
  const referenced = shapes.some((shape) => !shape.changed) ? ', and the tables they reference (key columns only)' : '';
  const omitted = diagram.omitted.length
    ? [`Not drawn (the diagram stops at ${MAX_ENTITIES} tables): ${diagram.omitted.map((t) => codeSpan(displayName(t))).join(', ')}.`, '']
    : [];
  return [`The tables changed${referenced}:`, '', ...omitted, fencedBlock(diagram.text, 'mermaid')];
}
