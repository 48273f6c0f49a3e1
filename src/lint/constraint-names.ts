import type { Constraint, Node } from '@pgsql/types';
import { visit } from '../sql/ast.ts';
import { stringValues } from '../sql/names.ts';

/** What a catalog knows of the names in use, for PostgreSQL's numeric suffixes. */
export interface NamesInUse {
  /** A constraint of that name exists on a table of the schema. */
  constraint(schema: string, name: string): boolean;
  /** A relation (table, index) or constraint of that name exists in the schema. */
  relation(schema: string, name: string): boolean;
}

const NAMEDATALEN = 64;

/** Cuts a string to at most `bytes` UTF-8 bytes without splitting a character (pg_mbcliplen). */
function clipBytes(text: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (used + size > bytes) break;
    out += ch;
    used += size;
  }
  return out;
}

/** PostgreSQL's makeObjectName: `name1_name2_label`, truncating the longer name to fit NAMEDATALEN. */
export function makeObjectName(name1: string, name2: string | undefined, label: string): string {
  let name1chars = Buffer.byteLength(name1, 'utf8');
  let name2chars = name2 === undefined ? 0 : Buffer.byteLength(name2, 'utf8');
  const overhead = (name2 === undefined ? 0 : 1) + label.length + 1;
  const available = NAMEDATALEN - 1 - overhead;
  while (name1chars + name2chars > available) {
    if (name1chars > name2chars) name1chars--;
    else name2chars--;
  }
  const parts = [clipBytes(name1, name1chars)];
  if (name2 !== undefined) parts.push(clipBytes(name2, name2chars));
  parts.push(label);
  return parts.join('_');
}

/** ChooseForeignKeyConstraintNameAddition / ChooseIndexNameAddition: column names joined by `_`, capped. */
function nameAddition(columns: string[]): string {
  let buf = '';
  for (const column of columns) {
    if (buf.length > 0) buf += '_';
    buf += column;
    if (Buffer.byteLength(buf, 'utf8') >= NAMEDATALEN) break;
  }
  return buf;
}

/** Distinct columns a CHECK expression references (what PostgreSQL's pull_var_clause finds). */
function checkColumns(c: Constraint): string[] {
  const columns = new Set<string>();
  visit(c.raw_expr, (kind, value) => {
    if (kind !== 'ColumnRef') return;
    const fields = value.fields as Node[] | undefined;
    const name = stringValues(fields).at(-1);
    if (name) columns.add(name);
  });
  return [...columns];
}

export interface ConstraintNaming {
  name: string;
  /** PostgreSQL chose the name (the statement gave none). */
  generated: boolean;
}

/**
 * The name PostgreSQL gives the constraint: its own, or the one ChooseConstraintName /
 * ChooseIndexName would choose (`orders_amount_check`, `orders_user_id_fkey`, `orders_note_key`,
 * `orders_pkey`), with the numeric suffix PostgreSQL adds when `names` (the catalog before the
 * statement) shows the name is taken.
 */
export function pgConstraintName(table: string, c: Constraint, names?: NamesInUse): ConstraintNaming {
  if (c.conname) return { name: c.conname, generated: false };
  const dot = table.indexOf('.');
  const namespace = dot < 0 ? 'public' : table.slice(0, dot);
  const bare = dot < 0 ? table : table.slice(dot + 1);
  let name2: string | undefined;
  let label: string;
  let taken: (name: string) => boolean;
  const constraintTaken = (name: string): boolean => names?.constraint(namespace, name) ?? false;
  const relationTaken = (name: string): boolean => names?.relation(namespace, name) ?? false;
  switch (c.contype) {
    case 'CONSTR_CHECK': {
      const columns = checkColumns(c);
      name2 = columns.length === 1 ? columns[0] : undefined;
      label = 'check';
      taken = constraintTaken;
      break;
    }
    case 'CONSTR_FOREIGN':
      name2 = nameAddition(stringValues(c.fk_attrs));
      label = 'fkey';
      taken = constraintTaken;
      break;
    case 'CONSTR_PRIMARY':
      label = 'pkey';
      taken = relationTaken;
      break;
    case 'CONSTR_UNIQUE':
      name2 = nameAddition(stringValues(c.keys));
      label = 'key';
      taken = relationTaken;
      break;
    case 'CONSTR_EXCLUSION': {
      const columns: string[] = [];
      for (const item of c.exclusions ?? []) {
        const first = (item as { List?: { items?: Node[] } }).List?.items?.[0] as { IndexElem?: { name?: string } } | undefined;
        columns.push(first?.IndexElem?.name ?? 'expr');
      }
      name2 = nameAddition(columns);
      label = 'excl';
      taken = relationTaken;
      break;
    }
    case 'CONSTR_NOTNULL':
      name2 = stringValues(c.keys)[0];
      label = 'not_null';
      taken = constraintTaken;
      break;
    default:
      label = 'check';
      taken = constraintTaken;
  }
  if (name2 === '') name2 = undefined;
  let name = makeObjectName(bare, name2, label);
  for (let pass = 1; taken(name) && pass < 100; pass++) name = makeObjectName(bare, name2, `${label}${pass}`);
  return { name, generated: true };
}
