import type { DropStmt, Node, RangeVar, TruncateStmt } from '@pgsql/types';
import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualify, qualifyParts, stringValues } from '../src/sql/names.ts';
import type { Statement } from '../src/sql/statement.ts';
import { alterTable } from './support/columns.ts';

export const cascade: Rule = {
  id: 'cascade',
  severity: 'warning',
  summary: 'DROP ... CASCADE and TRUNCATE ... CASCADE silently remove objects and rows the migration does not name.',
  docs: {
    why: 'With CASCADE, PostgreSQL drops every object that depends on the dropped one (views, foreign key constraints of other tables, defaults using a function or sequence, ...) and TRUNCATE empties every table with a foreign key to the truncated one, recursively (PostgreSQL docs, "Dependency Tracking" and TRUNCATE). What goes depends on the production catalog, not on the migration text: a view or table someone added outside the code base disappears without a trace in the review.',
    safe: 'Drop or truncate the dependent objects explicitly, by name, and leave CASCADE out: the default RESTRICT makes the migration fail if something unexpected still depends on the object, which is what you want.',
    bad: ['DROP TABLE orders CASCADE;', 'TRUNCATE users CASCADE;', 'ALTER TABLE orders DROP COLUMN user_id CASCADE;', 'DROP FUNCTION IF EXISTS order_total(bigint) CASCADE;'],
    good: [
      'DROP VIEW IF EXISTS order_totals;\nDROP TABLE orders;',
      'CREATE TABLE import_tmp (id bigint);\nDROP TABLE import_tmp CASCADE;',
    ],
  },
  check(statement, context) {
    const what = cascaded(statement, context);
    if (!what) return undefined;
    return report(what);
  },
};

interface Cascaded {
  verb: 'DROP' | 'TRUNCATE';
  target: string;
  plural?: boolean;
  schema?: boolean;
}

function cascaded(statement: Statement, context: RuleContext): Cascaded | undefined {
  const drop = nodeOf<DropStmt>(statement, 'DropStmt');
  if (drop) {
    if (drop.behavior !== 'DROP_CASCADE') return undefined;
    const kind = objectKind(drop.removeType);
    if (drop.removeType === 'OBJECT_TABLE') {
      const tables = listOf(drop.objects).map((o) => qualifyParts(stringValues(unwrap<{ items?: Node[] }>(o, 'List')?.items)));
      const existing = tables.filter((t) => context.isExisting(t));
      if (!existing.length) return undefined;
      return { verb: 'DROP', target: `${kind} ${existing.map((t) => `\`${displayName(t)}\``).join(', ')}`, plural: existing.length > 1 };
    }
    return {
      verb: 'DROP',
      target: `${kind}${objectNames(drop)}`,
      plural: listOf(drop.objects).length > 1,
      schema: drop.removeType === 'OBJECT_SCHEMA',
    };
  }
  const trunc = nodeOf<TruncateStmt>(statement, 'TruncateStmt');
  if (trunc) {
    if (trunc.behavior !== 'DROP_CASCADE') return undefined;
    const tables = listOf(trunc.relations).map((r) => qualify(unwrap<RangeVar>(r, 'RangeVar'))).filter((t) => context.isExisting(t));
    if (!tables.length) return undefined;
    return { verb: 'TRUNCATE', target: tables.map((t) => `\`${displayName(t)}\``).join(', '), plural: tables.length > 1 };
  }
  const alter = alterTable(statement);
  if (alter && context.isExisting(alter.table)) {
    const cmd = alter.cmds.find((c) => (c.subtype === 'AT_DropColumn' || c.subtype === 'AT_DropConstraint') && c.behavior === 'DROP_CASCADE');
    if (!cmd) return undefined;
    const kind = cmd.subtype === 'AT_DropColumn' ? 'COLUMN' : 'CONSTRAINT';
    return { verb: 'DROP', target: `${kind} \`${displayName(alter.table)}.${cmd.name ?? '?'}\`` };
  }
  const owned = nodeOf<{ behavior?: string; roles?: Node[] }>(statement, 'DropOwnedStmt');
  if (owned?.behavior === 'DROP_CASCADE') {
    const roles = listOf(owned.roles).map((r) => unwrap<{ rolename?: string }>(r, 'RoleSpec')?.rolename ?? '?');
    return { verb: 'DROP', target: `OWNED BY ${roles.map((r) => `\`${r}\``).join(', ')}` };
  }
  return undefined;
}

function objectKind(removeType: string | undefined): string {
  return (removeType ?? 'OBJECT_OBJECT').replace(/^OBJECT_/, '').replace(/_/g, ' ').replace('MATVIEW', 'MATERIALIZED VIEW');
}

/** ` \`name\`` for the common object kinds whose names are lists of strings. */
function objectNames(drop: DropStmt): string {
  const names = listOf(drop.objects).flatMap((o) => {
    const parts = stringValues(unwrap<{ items?: Node[] }>(o, 'List')?.items).filter(Boolean);
    if (parts.length) return [parts.join('.')];
    const single = unwrap<{ sval?: string }>(o, 'String')?.sval;
    if (single) return [single];
    const fn = unwrap<{ objname?: Node[] }>(o, 'ObjectWithArgs');
    if (fn) return [stringValues(fn.objname).join('.')];
    const type = unwrap<{ names?: Node[] }>(o, 'TypeName');
    if (type) return [stringValues(type.names).join('.')];
    return [];
  });
  return names.length ? ` ${names.map((n) => `\`${n}\``).join(', ')}` : '';
}

function report({ verb, target, plural, schema }: Cascaded): RuleReport {
  const it = plural ? 'them' : 'it';
  if (verb === 'TRUNCATE') {
    return {
      message: `TRUNCATE ${target} CASCADE also empties every table with a foreign key to ${it}, and the tables referencing those, none of which the migration names. Truncate the tables you mean by name, without CASCADE, so an unexpected reference makes it fail instead.`,
      detail: 'List every table to empty in the TRUNCATE itself (`TRUNCATE a, b, c;`): PostgreSQL then accepts the foreign keys between them, and fails with a clear error if a table outside the list still references one of them.',
    };
  }
  const what = schema
    ? 'every object in the schema (tables and their data included) and whatever depends on those elsewhere'
    : `whatever depends on ${it} in the production catalog (views, other tables' foreign keys, defaults and triggers using ${it})`;
  return {
    message: `DROP ${target} CASCADE also drops ${what}, without naming any of it. Drop the dependent objects explicitly and leave CASCADE out, so an unexpected dependency makes the migration fail instead.`,
    detail: [
      'Find what depends on the object before the migration, e.g. for a table:',
      '',
      '```sql',
      "SELECT DISTINCT pg_describe_object(classid, objid, objsubid) FROM pg_depend",
      "WHERE refclassid = 'pg_class'::regclass AND refobjid = '<table>'::regclass AND deptype = 'n';",
      '```',
      '',
      'Then drop those objects by name in the migration, and drop this one without CASCADE (RESTRICT is the default).',
    ].join('\n'),
  };
}
