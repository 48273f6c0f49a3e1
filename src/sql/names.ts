import type { Node, RangeVar, TypeName } from '@pgsql/types';
import { scanSql } from './libpg.ts';

/** A relation as `schema.name`; unqualified names are taken to live in `public`. */
export function qualify(relation: RangeVar | undefined): string {
  if (!relation) return '';
  return `${relation.schemaname ?? 'public'}.${relation.relname ?? ''}`;
}

export function qualifyParts(names: string[]): string {
  return names.length > 1 ? `${names.at(-2)}.${names.at(-1)}` : `public.${names[0] ?? ''}`;
}

/** `public.orders` becomes `orders`; other schemas stay qualified. */
export function displayName(qualified: string): string {
  return qualified.startsWith('public.') ? qualified.slice('public.'.length) : qualified;
}

export function stringValues(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map((n) => (n as { String?: { sval?: string } }).String?.sval ?? '');
}

/** A column type reduced to what decides rewrites: its base name, modifiers and array-ness. */
export interface ColumnType {
  name: string;
  mods: number[];
  array: boolean;
}

/**
 * Spellings the grammar leaves as written. `char(n)` and `character` already arrive as
 * pg_catalog.bpchar; a bare `"char"` is PostgreSQL's one-byte internal type and stays itself.
 */
const TYPE_ALIASES: Record<string, string> = {
  int: 'int4',
  integer: 'int4',
  int4: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  serial: 'serial4',
  serial4: 'serial4',
  bigserial: 'serial8',
  serial8: 'serial8',
  smallserial: 'serial2',
  serial2: 'serial2',
  boolean: 'bool',
  real: 'float4',
  'double precision': 'float8',
  float: 'float8',
  decimal: 'numeric',
  'character varying': 'varchar',
  timestamptz: 'timestamptz',
  timetz: 'timetz',
};

export function columnType(typeName: TypeName | undefined): ColumnType {
  const names = stringValues(typeName?.names).filter((n) => n !== 'pg_catalog');
  // Unquoted names arrive lowercased from the parser; quoted ones ("ProjectRole") keep their case.
  const raw = names.at(-1) ?? 'unknown';
  const mods = (typeName?.typmods ?? []).flatMap((m) => {
    const value = (m as { A_Const?: { ival?: { ival?: number } } }).A_Const?.ival;
    return value ? [value.ival ?? 0] : [];
  });
  return { name: TYPE_ALIASES[raw] ?? raw, mods, array: (typeName?.arrayBounds?.length ?? 0) > 0 };
}

export function formatType(type: ColumnType): string {
  const shown: Record<string, string> = {
    int2: 'smallint', int4: 'integer', int8: 'bigint', bpchar: 'char', float4: 'real',
    float8: 'double precision', bool: 'boolean', serial4: 'serial', serial8: 'bigserial', serial2: 'smallserial',
  };
  const base = shown[type.name] ?? type.name;
  return `${base}${type.mods.length ? `(${type.mods.join(',')})` : ''}${type.array ? '[]' : ''}`;
}

/** A name as a quoted SQL identifier, safe for any text. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A name as SQL writes it for a reader: bare when PostgreSQL reads it back the same, else quoted. */
export function readableIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) return quoteIdentifier(name);
  const [token, ...rest] = scanSql(name);
  const bare = rest.length === 0 && (token?.keywordName === 'NO_KEYWORD' || token?.keywordName === 'UNRESERVED_KEYWORD');
  return bare ? name : quoteIdentifier(name);
}
