import type { AlterTableCmd, ColumnDef, ColumnRef, Constraint, CreateDomainStmt, Node, TypeCast, TypeName } from '@pgsql/types';
import { heldFor, lockPhrase, sizeHint } from '../src/lint/describe.ts';
import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualifyParts, stringValues, type ColumnType } from '../src/sql/names.ts';
import { alterTable, batchKey, BUILTIN_TYPES, columnLine, earlierStatements, sameType, sessionTimeZone, showType, typeOf } from './support/columns.ts';

/** How PostgreSQL carries out a column type change (ATColumnChangeRequiresRewrite, CheckIndexCompatible). */
type Change =
  | { kind: 'same' }
  /** Binary-compatible: no rewrite, indexes kept (varchar(n) → varchar(m ≥ n), varchar → text, ...). */
  | { kind: 'relabel' }
  /** No table rewrite, but the indexes on the column are rebuilt (different operator class). */
  | { kind: 'reindex' }
  /** timestamp ↔ timestamptz: free only when the session TimeZone is UTC (PostgreSQL 12+). */
  | { kind: 'timezone' }
  | { kind: 'rewrite'; narrowing?: string; note?: string }
  /** A type the review cannot judge (domain, extension type): depends on the cast between them. */
  | { kind: 'unknown' };

export const columnTypeRewrite: Rule = {
  id: 'column-type-rewrite',
  severity: 'error',
  summary: 'ALTER COLUMN ... TYPE rewrites the whole table and rebuilds its indexes under ACCESS EXCLUSIVE unless the change is binary-compatible.',
  docs: {
    why: 'PostgreSQL docs, ALTER TABLE (Notes): "changing the type of an existing column will require the entire table and its indexes to be rewritten. As an exception, when changing the type of an existing column, if the USING clause does not change the column contents and the old type is either binary coercible to the new type or an unconstrained domain over the new type, a table rewrite is not needed." The length and precision support functions (varchar_support, numeric_support, timestamp_support, interval_support, varbit_support) make widening varchar(n), numeric(p,s) with the same scale, time/timestamp/interval precision and varbit(n) binary-compatible; varchar → text, text → varchar and cidr → inet are binary coercible. Everything else (integer → bigint, text → varchar(n), char(n) widening, any narrowing, any USING that computes a value) rewrites under an ACCESS EXCLUSIVE lock: every read and write waits. Since PostgreSQL 12, timestamp ↔ timestamptz skips the rewrite only when the session TimeZone is UTC.',
    safe: 'Expand and contract: add a new column of the new type, keep it in sync with a trigger, backfill it in batches, build its indexes CONCURRENTLY, then swap the names in one short transaction and drop the old column later. Widening varchar(n), numeric precision or timestamp precision is instant and needs none of this.',
    bad: [
      'ALTER TABLE orders ALTER COLUMN amount TYPE bigint;',
      'ALTER TABLE orders ALTER COLUMN note TYPE varchar(20);',
      'ALTER TABLE users ALTER COLUMN name TYPE varchar(200);',
      "ALTER TABLE orders ALTER COLUMN status TYPE text USING lower(status);",
      {
        sql: 'ALTER TABLE logs ALTER COLUMN logged_at TYPE timestamptz;',
        base: 'CREATE TABLE logs (id bigint PRIMARY KEY, logged_at timestamp);',
      },
    ],
    good: [
      'ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);',
      'ALTER TABLE orders ALTER COLUMN note TYPE text;',
      'ALTER TABLE users ALTER COLUMN email TYPE varchar(255);',
      'ALTER TABLE orders ALTER COLUMN price TYPE numeric(12, 2);',
      'ALTER TABLE orders ALTER COLUMN note TYPE varchar(100) USING note::varchar(100);',
      {
        sql: "SET TimeZone = 'UTC';\nALTER TABLE logs ALTER COLUMN logged_at TYPE timestamptz;",
        base: 'CREATE TABLE logs (id bigint PRIMARY KEY, logged_at timestamp);',
      },
      'CREATE TABLE invoices (id bigint PRIMARY KEY, total integer);\nALTER TABLE invoices ALTER COLUMN total TYPE bigint;',
    ],
  },
  check(statement, context) {
    const alter = alterTable(statement);
    if (!alter || !context.isExisting(alter.table)) return undefined;
    const reports: RuleReport[] = [];
    for (const cmd of alter.cmds) {
      if (cmd.subtype !== 'AT_AlterColumnType' || !cmd.name) continue;
      const report = checkColumn(alter.table, cmd, context);
      const column = cmd.name;
      if (report) reports.push({ ...columnLine(statement, (site) => site.place === 'alter-type' && site.def.colname === column), ...report });
    }
    return reports;
  },
};

function checkColumn(table: string, cmd: AlterTableCmd, context: RuleContext): RuleReport | undefined {
  const def = unwrap<ColumnDef>(cmd.def, 'ColumnDef');
  if (!def?.typeName || !cmd.name) return undefined;
  const column = cmd.name;
  const target = typeOf(def.typeName);
  const known = context.schema.column(table, column)?.type;
  // A serial column is an integer column with a default: that is the type it has.
  const old = known && SERIALS[known.name] ? { ...known, name: SERIALS[known.name] ?? known.name } : known;
  const using = def.raw_default;
  const computes = using !== undefined && !isJustTheColumn(using, column, target);
  const indexes = context.schema.indexesOf(table).filter((i) => i.columns.includes(column)).map((i) => displayName(i.name));
  const subject = `ALTER COLUMN \`${column}\` TYPE ${showType(target)}${old ? ` (from ${showType(old)})` : ''}`;
  const rewrite = `rewrites all of \`${displayName(table)}\`${sizeHint(context, table)} and rebuilds its indexes, holding an ${lockPhrase('ACCESS EXCLUSIVE', table)} ${heldFor(context)}`;
  const expand = 'Add a new column, keep it in sync with a trigger, backfill it in batches, then switch over.';
  const detailText = detail(table, column, target, Boolean(using), context);

  if (computes) {
    return {
      message: `${subject} ${rewrite}: its USING expression computes every value anew. ${expand}`,
      detail: detailText,
    };
  }
  if (!old) {
    const need = compatibleSources(target, context);
    return {
      severity: 'warning',
      message: `${subject} ${rewrite}, ${need ? `unless the change is binary-compatible, which needs the column to be ${need} now` : `unless the column already is ${showType(target)} (no other type converts to it without a rewrite)`}; the review does not know its current type. ${expand}`,
      detail: detailText,
    };
  }
  const domain = domainInMigration(context, def.typeName);
  const change: Change = domain
    ? domain.constrained
      ? { kind: 'rewrite', note: `\`${showType(target)}\` is a domain with constraints (line ${domain.line}): converting to it checks every value by rewriting the table.` }
      : classify(old, domain.base, context)
    : classify(old, target, context);
  const collation = def.collClause ? stringValues(def.collClause.collname).join('.') : undefined;
  switch (change.kind) {
    case 'same':
    case 'relabel':
      if (collation && indexes.length) return reindexReport(subject, table, indexes, context, `if \`${collation}\` is not the column's current collation, `);
      return undefined;
    case 'reindex':
      return indexes.length ? reindexReport(subject, table, indexes, context, '') : undefined;
    case 'timezone':
      return timezoneReport(subject, rewrite, expand, table, indexes, detailText, context);
    case 'unknown':
      return {
        severity: 'warning',
        message: `${subject} ${rewrite}, unless ${showType(old)} is binary coercible to ${showType(target)} (a domain over the same type, or a cast declared WITHOUT FUNCTION); even then indexes whose operator class changes are rebuilt. ${expand}`,
        detail: detailText,
      };
    case 'rewrite': {
      const extra = [change.narrowing, change.note].filter(Boolean).join(' ');
      return {
        message: `${subject} ${rewrite}.${extra ? ` ${extra}` : ''} ${expand}`,
        detail: detailText,
      };
    }
  }
}

function reindexReport(subject: string, table: string, indexes: string[], context: RuleContext, condition: string): RuleReport {
  const list = indexes.map((i) => `\`${i}\``).join(', ');
  return {
    severity: 'warning',
    message: `${subject} does not rewrite \`${displayName(table)}\`, but ${condition}it rebuilds ${indexes.length === 1 ? 'the index' : 'the indexes'} on the column (${list})${sizeHint(context, table)} while holding an ${lockPhrase('ACCESS EXCLUSIVE', table)} ${heldFor(context)}.`,
    detail: [
      'PostgreSQL keeps an index only when its operator class and collation stay the same; otherwise it rebuilds it inside the ALTER TABLE, under the ACCESS EXCLUSIVE lock.',
      'To avoid the blocking rebuild, create the replacement index CONCURRENTLY on a new column (expand and contract), or accept the rebuild time if the index is small.',
    ].join('\n'),
  };
}

function timezoneReport(
  subject: string,
  rewrite: string,
  expand: string,
  table: string,
  indexes: string[],
  detailText: string,
  context: RuleContext,
): RuleReport | undefined {
  const zone = sessionTimeZone(context);
  if (zone === 'utc') return indexes.length ? reindexReport(subject, table, indexes, context, '') : undefined;
  const set = context.tx.inTransaction ? "SET LOCAL TimeZone = 'UTC';" : "SET TimeZone = 'UTC';";
  if (zone === 'other') {
    return {
      message: `${subject} ${rewrite}: the migration sets TimeZone to a zone other than UTC, and since PostgreSQL 12 the conversion skips the rewrite only in a session whose TimeZone is UTC. ${expand}`,
      detail: detailText,
    };
  }
  return {
    severity: 'warning',
    message: `${subject} ${rewrite} unless the session TimeZone is UTC: since PostgreSQL 12 timestamp ↔ timestamptz is free only then${indexes.length ? ', and even then its indexes are rebuilt' : ''}. Put \`${set}\` right before it to make sure.`,
    detail: [
      `With the session TimeZone set to UTC (a zone with a fixed offset of zero), PostgreSQL knows the conversion does not change any stored value and skips the rewrite; with any other zone, \`Europe/London\` included, it rewrites the table.`,
      '',
      '```sql',
      set,
      `ALTER TABLE ${displayName(table)} ALTER COLUMN ... TYPE ...;`,
      '```',
      '',
      'The conversion reads existing `timestamp` values as UTC. If they were stored in another zone, they need `USING col AT TIME ZONE \'<zone>\'`, which does rewrite: use expand and contract then.',
      '',
      detailText,
    ].join('\n'),
  };
}

/** `USING col` or `USING col::<the new type>`: PostgreSQL sees through it (binary coercion). */
function isJustTheColumn(using: Node, column: string, target: ColumnType): boolean {
  const ref = unwrap<ColumnRef>(using, 'ColumnRef');
  if (ref) return stringValues(ref.fields).at(-1) === column;
  const cast = unwrap<TypeCast>(using, 'TypeCast');
  if (cast?.arg && cast.typeName) return sameType(typeOf(cast.typeName), target) && isJustTheColumn(cast.arg, column, target);
  return false;
}

const SERIALS: Record<string, string> = { serial2: 'int2', serial4: 'int4', serial8: 'int8' };
const TEMPORAL = new Set(['timestamp', 'timestamptz', 'time', 'timetz']);
/** MAX_TIMESTAMP_PRECISION / MAX_TIME_PRECISION / MAX_INTERVAL_PRECISION. */
const MAX_PRECISION = 6;

export function classify(old: ColumnType, target: ColumnType, context: RuleContext): Change {
  if (sameType(old, target)) return { kind: 'same' };
  const known = (t: ColumnType) => BUILTIN_TYPES.has(t.name) || isEnum(t, context);
  if (!known(old) || !known(target)) return { kind: 'unknown' };
  if (old.array || target.array) return { kind: 'rewrite' };
  const o = old.name;
  const n = target.name;
  const [om0, om1] = old.mods;
  const [nm0, nm1] = target.mods;
  const fits = (what: string) => `It fails if an existing value does not fit ${what}.`;

  if ((o === 'varchar' && n === 'varchar') || (o === 'varbit' && n === 'varbit')) {
    if (nm0 === undefined) return { kind: 'relabel' };
    if (om0 !== undefined && nm0 >= om0) return { kind: 'relabel' };
    return { kind: 'rewrite', narrowing: fits(showType(target)) };
  }
  if (o === 'varchar' && n === 'text') return { kind: 'relabel' };
  if ((o === 'text' || o === 'xml') && n === 'varchar' && nm0 === undefined) return { kind: 'relabel' };
  if (o === 'xml' && n === 'text') return { kind: 'relabel' };
  if ((o === 'varchar' || o === 'text') && n === 'bpchar' && nm0 === undefined) return { kind: 'reindex' };
  if (o === 'text' && n === 'varchar') return { kind: 'rewrite', narrowing: `Every value is checked against the limit, and it fails if one does not fit ${showType(target)}.` };
  if (o === 'bpchar' && n === 'bpchar') {
    if (nm0 === undefined) return { kind: 'relabel' };
    return nm0 < (om0 ?? 1)
      ? { kind: 'rewrite', narrowing: fits(showType(target)) }
      : { kind: 'rewrite', note: 'char(n) values are blank-padded to the new length, so widening char(n) rewrites too.' };
  }
  if (o === 'bit' && n === 'varbit' && nm0 === undefined) return { kind: 'reindex' };
  if (o === 'numeric' && n === 'numeric') {
    if (nm0 === undefined) return { kind: 'relabel' };
    if (om0 !== undefined && (om1 ?? 0) === (nm1 ?? 0) && nm0 >= om0) return { kind: 'relabel' };
    if (om0 === undefined || nm0 < om0 || (nm1 ?? 0) < (om1 ?? 0)) {
      return { kind: 'rewrite', narrowing: `It fails if an existing value overflows ${showType(target)}${(nm1 ?? 0) < (om1 ?? 0) ? ', and rounds the others' : ''}.` };
    }
    return { kind: 'rewrite', note: 'A change of scale rewrites every value, even when it widens.' };
  }
  if (TEMPORAL.has(o) && o === n) {
    const newPrecision = nm0 ?? -1;
    const oldPrecision = om0 ?? -1;
    if (newPrecision < 0 || newPrecision === MAX_PRECISION || (oldPrecision >= 0 && newPrecision >= oldPrecision)) return { kind: 'relabel' };
    return { kind: 'rewrite', note: 'Lowering the precision rounds every value.' };
  }
  if ((o === 'timestamp' && n === 'timestamptz') || (o === 'timestamptz' && n === 'timestamp')) {
    if (context.pgVersion < 12) return { kind: 'rewrite', note: `Before PostgreSQL 12 (the target is ${context.pgVersion}) the conversion always rewrites.` };
    const newPrecision = nm0 ?? -1;
    if (newPrecision < 0 || newPrecision === MAX_PRECISION) return { kind: 'timezone' };
    return {
      kind: 'rewrite',
      note: `A precision other than 6 is applied after the time zone conversion, so ${showType(target)} rewrites even with the session TimeZone in UTC; \`${n}\` (or \`${n}(6)\`) would not.`,
    };
  }
  if (o === 'interval' && n === 'interval') return intervalChange(old, target);
  if (o === 'cidr' && n === 'inet') return { kind: 'relabel' };
  if ((o === 'int4' && n === 'oid') || (o === 'oid' && n === 'int4')) return { kind: 'reindex' };
  const widths: Record<string, number> = { int2: 2, int4: 4, int8: 8 };
  if (widths[o] !== undefined && widths[n] !== undefined && widths[n] < widths[o]) {
    return { kind: 'rewrite', narrowing: `It fails if an existing value is out of range for ${showType(target)}.` };
  }
  return { kind: 'rewrite' };
}

function isEnum(type: ColumnType, context: RuleContext): boolean {
  return [...context.schema.enums.keys()].some((name) => name.split('.').at(-1) === type.name);
}

/** interval_support: the typmod packs a field mask (YEAR ... SECOND) and a precision. */
function intervalChange(old: ColumnType, target: ColumnType): Change {
  if (target.mods.length === 0) return { kind: 'relabel' };
  const decode = (t: ColumnType) =>
    t.mods.length === 0
      ? { least: 0, precision: MAX_PRECISION }
      : { least: leastField(t.mods[0] ?? 0x7fff), precision: t.mods[1] ?? 0xffff };
  const o = decode(old);
  const n = decode(target);
  const noop = n.least <= o.least && (o.least > 0 || n.precision >= MAX_PRECISION || n.precision >= o.precision);
  return noop ? { kind: 'relabel' } : { kind: 'rewrite', note: 'Values are truncated to the new fields or precision.' };
}

/** intervaltypmodleastfield: 0 SECOND, 1 MINUTE, 2 HOUR, 3 DAY, 4 MONTH, 5 YEAR. */
function leastField(mask: number): number {
  const SECOND = 1 << 12, MINUTE = 1 << 11, HOUR = 1 << 10, DAY = 1 << 3, MONTH = 1 << 1, YEAR = 1 << 2;
  if (mask & SECOND) return 0;
  if (mask & MINUTE) return 1;
  if (mask & HOUR) return 2;
  if (mask & DAY) return 3;
  if (mask & MONTH) return 4;
  if (mask & YEAR) return 5;
  return 0;
}

/** The current types from which changing to `target` would not rewrite, or undefined if none but itself. */
function compatibleSources(target: ColumnType, context: RuleContext): string | undefined {
  if (target.array) return undefined;
  const [m0, m1] = target.mods;
  switch (target.name) {
    case 'varchar':
      return m0 === undefined ? '`varchar(n)` or `text`' : `\`varchar(n)\` with n ≤ ${m0}`;
    case 'text':
      return '`varchar` or `varchar(n)`';
    case 'numeric':
      return m0 === undefined ? '`numeric(p, s)`' : `\`numeric(p, ${m1 ?? 0})\` with p ≤ ${m0}`;
    case 'varbit':
      return m0 === undefined ? '`varbit(n)` or `bit(n)`' : `\`varbit(n)\` with n ≤ ${m0}`;
    case 'timestamp':
    case 'timestamptz':
    case 'time':
    case 'timetz': {
      const other = target.name === 'timestamptz' ? 'timestamp' : target.name === 'timestamp' ? 'timestamptz' : undefined;
      const any = m0 === undefined || m0 === MAX_PRECISION;
      const same = any ? `\`${target.name}(p)\` of any precision` : `\`${target.name}(p)\` with p ≤ ${m0}`;
      return other && any && context.pgVersion >= 12 ? `${same} (or \`${other}\` with the session TimeZone in UTC)` : same;
    }
    case 'interval':
      return m0 === undefined ? '`interval` with a field list or precision' : '`interval` with no more fields and no more precision';
    case 'inet':
      return '`cidr`';
    default:
      return undefined;
  }
}

function detail(table: string, column: string, target: ColumnType, hasUsing: boolean, context: RuleContext): string {
  const t = displayName(table);
  const bare = table.split('.').at(-1) ?? table;
  const next = `${column}_new`;
  const key = batchKey(context, table);
  const value = hasUsing ? `<the USING expression, on NEW.${column}>` : `NEW.${column}`;
  const execute = context.pgVersion >= 11 ? 'EXECUTE FUNCTION' : 'EXECUTE PROCEDURE';
  const notNull = context.schema.column(table, column)?.notNull ?? false;
  return [
    'Change the type without a long ACCESS EXCLUSIVE lock (expand and contract):',
    '',
    '```sql',
    `ALTER TABLE ${t} ADD COLUMN ${next} ${showType(target)};  -- instant`,
    `CREATE FUNCTION ${bare}_${column}_sync() RETURNS trigger LANGUAGE plpgsql AS $$`,
    `BEGIN NEW.${next} := ${value}; RETURN NEW; END $$;`,
    `CREATE TRIGGER ${bare}_${column}_sync BEFORE INSERT OR UPDATE ON ${t}`,
    `  FOR EACH ROW ${execute} ${bare}_${column}_sync();`,
    '-- backfill in batches, each in its own transaction, until no row is left:',
    `UPDATE ${t} SET ${next} = ${hasUsing ? '<expression>' : column} WHERE ${key} IN (SELECT ${key} FROM ${t} WHERE ${next} IS NULL AND ${column} IS NOT NULL LIMIT 5000);`,
    `-- CREATE INDEX CONCURRENTLY the indexes ${column} has, on ${next}; constraints as NOT VALID + VALIDATE`,
    ...(notNull ? [`-- NOT NULL: ADD CONSTRAINT ... CHECK (${next} IS NOT NULL) NOT VALID, then VALIDATE it`] : []),
    '-- then swap in one short transaction:',
    `ALTER TABLE ${t} RENAME COLUMN ${column} TO ${column}_old;`,
    `ALTER TABLE ${t} RENAME COLUMN ${next} TO ${column};`,
    ...(notNull
      ? [
          `ALTER TABLE ${t} ALTER COLUMN ${column}_old DROP NOT NULL;  -- new code no longer writes it`,
          `ALTER TABLE ${t} ALTER COLUMN ${column} SET NOT NULL;  -- no scan: the validated CHECK proves it`,
        ]
      : []),
    `DROP TRIGGER ${bare}_${column}_sync ON ${t};`,
    `DROP FUNCTION ${bare}_${column}_sync();`,
    `-- move the column's DEFAULT too, if it has one; once no code reads ${column}_old, drop it in a later migration`,
    '```',
  ].join('\n');
}

/** A domain created earlier in this migration: its base type and whether it has CHECK / NOT NULL constraints. */
function domainInMigration(context: RuleContext, typeName: TypeName | undefined): { base: ColumnType; constrained: boolean; line: number } | undefined {
  const names = stringValues(typeName?.names);
  if (!names.length || typeName?.arrayBounds?.length) return undefined;
  let found: { base: ColumnType; constrained: boolean; line: number } | undefined;
  for (const statement of earlierStatements(context)) {
    const create = nodeOf<CreateDomainStmt>(statement, 'CreateDomainStmt');
    if (!create) continue;
    const domainNames = stringValues(create.domainname);
    const matches = names.length > 1 ? qualifyParts(domainNames) === qualifyParts(names) : domainNames.at(-1) === names.at(-1);
    if (!matches) continue;
    const constrained = listOf(create.constraints).some((c) => {
      const contype = unwrap<Constraint>(c, 'Constraint')?.contype;
      return contype === 'CONSTR_CHECK' || contype === 'CONSTR_NOTNULL';
    });
    found = { base: typeOf(create.typeName), constrained, line: statement.range.startLine };
  }
  return found;
}
