import type { ForeignKeyShape, TableShape } from '../shadow/schema-changes.ts';
import { displayName } from '../sql/names.ts';

/** More tables than this make a diagram nobody reads (and a comment GitHub may cut). */
export const MAX_ENTITIES = 30;

/**
 * Words Mermaid's erDiagram lexer takes, in any case, as keywords wherever a name could start
 * (`one`, `many`, `to`... are cardinality aliases): a table so named must be quoted.
 */
const KEYWORDS = new Set(['erdiagram', 'style', 'classdef', 'class', 'subgraph', 'end', 'direction', 'acctitle', 'accdescr', 'one', 'only', 'zero', 'many', 'to', 'optionally']);

/** PostgreSQL's multi-word type names, in the single-word spellings PostgreSQL also accepts. */
const SHORT_TYPES: [RegExp, string][] = [
  [/^character varying/, 'varchar'],
  [/^character/, 'char'],
  [/^bit varying/, 'varbit'],
  [/^double precision/, 'float8'],
  [/^(timestamp|time)(\(\d+\))? with time zone/, '$1tz$2'],
  [/^(timestamp|time)(\(\d+\))? without time zone/, '$1$2'],
];

export interface ErDiagram {
  /** Mermaid source, without the code fence. */
  text: string;
  /** Tables left out past `MAX_ENTITIES`. */
  omitted: string[];
}

/**
 * A Mermaid `erDiagram` of the tables, in order, up to `maxEntities`: each with its columns and
 * key markers, and a relationship per foreign key between two drawn tables. The referencing
 * side is "zero or more" (at most one when the key's columns are unique), the referenced side
 * "exactly one" when the key's columns are NOT NULL and "zero or one" when one may be null.
 */
export function erDiagram(shapes: TableShape[], maxEntities = MAX_ENTITIES): ErDiagram {
  const drawn = shapes.slice(0, maxEntities);
  const names = new Set(drawn.map((shape) => shape.table));
  const relationships = drawn.flatMap((shape) =>
    shape.foreignKeys.filter((key) => names.has(key.references)).map((key) => relationship(shape, key)),
  );
  return {
    text: ['erDiagram', ...drawn.flatMap(entity), ...relationships].join('\n'),
    omitted: shapes.slice(maxEntities).map((shape) => shape.table),
  };
}

function entity(shape: TableShape): string[] {
  const name = entityName(shape.table);
  if (shape.columns.length === 0) return [`    ${name}`];
  const keys = keyMarkers(shape);
  const attributes = shape.columns.map((column) => {
    const markers = keys(column.name);
    return `        ${attributeWord(mermaidType(column.type))} ${attributeWord(column.name)}${markers.length ? ` ${markers.join(', ')}` : ''}`;
  });
  return [`    ${name} {`, ...attributes, '    }'];
}

function keyMarkers(shape: TableShape): (column: string) => string[] {
  const primary = new Set(shape.primaryKey);
  const foreign = new Set(shape.foreignKeys.flatMap((key) => key.columns));
  const unique = new Set(
    shape.indexes.filter((i) => i.unique && i.valid && !i.partial && i.columns.length === 1).flatMap((i) => i.columns),
  );
  return (column) => [
    ...(primary.has(column) ? ['PK'] : []),
    ...(foreign.has(column) ? ['FK'] : []),
    ...(unique.has(column) && !primary.has(column) ? ['UK'] : []),
  ];
}

function relationship(shape: TableShape, key: ForeignKeyShape): string {
  const nullable = key.columns.some((name) => !shape.columns.find((column) => column.name === name)?.notNull);
  const referencing = key.unique ? '|o' : '}o';
  const referenced = nullable ? 'o|' : '||';
  const label = key.columns.join(', ').replace(/["%\r\n]/g, '');
  return `    ${entityName(shape.table)} ${referencing}--${referenced} ${entityName(key.references)} : "${label}"`;
}

/** `users` for public.users; anything that is not a plain word, or is a keyword, quoted (`"billing.invoices"`). */
export function entityName(table: string): string {
  const name = displayName(table);
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toLowerCase())) return name;
  // A quoted name may hold neither quotes, `%` nor backslashes; whitespace could read as a `direction` statement.
  return `"${name.replace(/["%\\\s\x00-\x1f]/g, '_')}"`;
}

/** `timestamp(3) without time zone` → `timestamp(3)`, `character varying(255)[]` → `varchar(255)[]`. */
export function mermaidType(type: string): string {
  const short = SHORT_TYPES.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), type);
  return short.replaceAll('"', '');
}

/**
 * One attribute word as Mermaid's erDiagram lexer reads it, old versions included: letters,
 * digits, `_`, `-`, `()` and `[]` (commas and dots are recent additions), not starting with a
 * digit, and not read as a PK, FK or UK marker.
 */
export function attributeWord(text: string): string {
  const word = text.replace(/[^A-Za-z0-9_\-()[\]\u00C0-\uFFFF]/g, '_');
  return /^[A-Za-z_\u00C0-\uFFFF]/.test(word) && !/^(pk|fk|uk)\b/i.test(word) ? word : `_${word}`;
}
