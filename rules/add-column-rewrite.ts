import type { ColumnDef, Constraint, CreateDomainStmt } from '@pgsql/types';
import { code, heldFor, lockPhrase, sizeHint } from '../src/lint/describe.ts';
import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, formatType, qualifyParts, stringValues } from '../src/sql/names.ts';
import { batchKey, columnsAddedToExistingTable, columnLine, constraintsOf, defaultExpression, earlierStatements, typeOf } from './support/columns.ts';
import { calledFunctions } from './support/volatility.ts';

type Cause =
  | { kind: 'volatile'; fn: string }
  | { kind: 'unknown-function'; fn: string; definedAt?: number }
  | { kind: 'pre11-default' }
  | { kind: 'serial'; type: string }
  | { kind: 'identity' }
  | { kind: 'stored' }
  | { kind: 'domain'; domain: string; line: number };

export const addColumnRewrite: Rule = {
  id: 'add-column-rewrite',
  severity: 'error',
  summary: 'ADD COLUMN with a volatile default, a serial or identity column, or a stored generated column rewrites the whole table under ACCESS EXCLUSIVE.',
  docs: {
    why: 'PostgreSQL docs, ALTER TABLE (Notes): "When a column is added with ADD COLUMN and a non-volatile DEFAULT is specified, the default is evaluated at the time of the statement and the result stored in the table\'s metadata ... Adding a column with a volatile DEFAULT ... will require the entire table and its indexes to be rewritten." Before PostgreSQL 11 every non-null DEFAULT rewrites. serial columns (a nextval() default), identity columns and STORED generated columns compute a value for every existing row, so they rewrite too. The rewrite holds an ACCESS EXCLUSIVE lock: every read and write of the table waits until it is done.',
    safe: 'Add the column without the default (or with a constant default), then SET DEFAULT so new rows get it, and backfill existing rows in batches of a few thousand, each in its own transaction. For ids: add a plain bigint column, backfill, then attach a sequence or ADD GENERATED ... AS IDENTITY. For a STORED generated column: a plain column kept up to date by a trigger and backfilled, or a VIRTUAL generated column on PostgreSQL 18.',
    bad: [
      'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      'ALTER TABLE orders ADD COLUMN seq bigserial;',
      'ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (amount * price) STORED;',
      { sql: "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';", pgVersion: 10 },
      'ALTER TABLE users ADD COLUMN code text DEFAULT make_code();',
    ],
    good: [
      "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';",
      'ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT now();',
      'ALTER TABLE users ADD COLUMN xid bigint DEFAULT txid_current();',
      'ALTER TABLE users ADD COLUMN token uuid;\nALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();',
      { sql: 'ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (amount * price) VIRTUAL;', pgVersion: 18 },
      'CREATE FUNCTION make_code() RETURNS text LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN current_setting(\'app.code\'); END $$;\nALTER TABLE users ADD COLUMN code text DEFAULT make_code();',
      'CREATE TABLE invoices (id bigint PRIMARY KEY);\nALTER TABLE invoices ADD COLUMN token uuid DEFAULT gen_random_uuid(), ADD COLUMN seq bigserial;',
    ],
  },
  check(statement, context) {
    const added = columnsAddedToExistingTable(statement, context);
    return added?.defs.flatMap((def) =>
      causes(def, context).map((cause) => ({ ...columnLine(statement, (site) => site.def === def), ...report(added.table, def, cause, context) })),
    );
  },
};

function causes(def: ColumnDef, context: RuleContext): Cause[] {
  const constraints = constraintsOf(def);
  const type = typeOf(def.typeName);
  if (type.name.startsWith('serial') && !type.array) return [{ kind: 'serial', type: serialSpelling(type.name) }];
  if (constraints.some((c) => c.contype === 'CONSTR_IDENTITY')) return [{ kind: 'identity' }];
  const generated = constraints.find((c) => c.contype === 'CONSTR_GENERATED');
  if (generated) {
    // VIRTUAL (the default from PostgreSQL 18) computes on read and needs no rewrite. (Before 18
    // only STORED exists: a VIRTUAL column is a syntax error there, not a rewrite.)
    return generated.generated_kind === 'v' ? [] : [{ kind: 'stored' }];
  }
  // Through PostgreSQL 18, a domain with CHECK or NOT NULL constraints makes ADD COLUMN coerce
  // (and so write) a value for every row, default or not. (Only domains created in this migration
  // are known here.)
  const domain = context.pgVersion <= 18 ? constrainedDomain(context, def) : undefined;
  if (domain) return [{ kind: 'domain', ...domain }];
  const expr = defaultExpression(def);
  if (!expr) return [];
  if (context.pgVersion < 11) return [{ kind: 'pre11-default' }];
  const functions = calledFunctions(expr, context);
  const volatile = functions.find((f) => f.volatility === 'volatile');
  if (volatile) return [{ kind: 'volatile', fn: volatile.name }];
  const unknown = functions.find((f) => f.volatility === 'unknown');
  if (unknown) return [{ kind: 'unknown-function', fn: unknown.name, definedAt: unknown.definedAt }];
  return [];
}

function constrainedDomain(context: RuleContext, def: ColumnDef): { domain: string; line: number } | undefined {
  const names = stringValues(def.typeName?.names);
  const wanted = names.length > 1 ? qualifyParts(names) : undefined;
  const bare = names.at(-1);
  let found: { domain: string; line: number } | undefined;
  for (const statement of earlierStatements(context)) {
    const create = nodeOf<CreateDomainStmt>(statement, 'CreateDomainStmt');
    if (!create) continue;
    const domainNames = stringValues(create.domainname);
    const matches = wanted ? qualifyParts(domainNames) === wanted : domainNames.at(-1) === bare;
    const constrained = listOf(create.constraints).some((c) => {
      const contype = unwrap<Constraint>(c, 'Constraint')?.contype;
      return contype === 'CONSTR_CHECK' || contype === 'CONSTR_NOTNULL';
    });
    if (matches) found = constrained ? { domain: domainNames.join('.'), line: statement.range.startLine } : undefined;
  }
  return found;
}

function serialSpelling(name: string): string {
  return { serial2: 'smallserial', serial4: 'serial', serial8: 'bigserial' }[name] ?? name;
}

function report(table: string, def: ColumnDef, cause: Cause, context: RuleContext): RuleReport {
  const t = displayName(table);
  const column = def.colname ?? '?';
  const rewrite = `ADD COLUMN \`${column}\` rewrites all of \`${t}\`${sizeHint(context, table)} and rebuilds its indexes, holding an ${lockPhrase('ACCESS EXCLUSIVE', table)} ${heldFor(context)}`;
  const why = reason(cause, context);
  const fix = safeWay(cause, context);
  const message =
    cause.kind === 'unknown-function'
      ? `${rewrite}, unless \`${cause.fn}()\` is declared STABLE or IMMUTABLE: ${why} ${fix}`
      : `${rewrite}: ${why} ${fix}`;
  return {
    message,
    detail: detail(table, def, cause, context),
    severity: cause.kind === 'unknown-function' ? 'warning' : undefined,
  };
}

function reason(cause: Cause, context: RuleContext): string {
  switch (cause.kind) {
    case 'volatile':
      return `its DEFAULT calls \`${cause.fn}()\`, a volatile function, so PostgreSQL computes a value for every existing row.`;
    case 'unknown-function':
      return cause.definedAt
        ? `the function (created on line ${cause.definedAt}) is VOLATILE, the default for functions, and a volatile DEFAULT is computed for every existing row.`
        : `functions are VOLATILE unless declared otherwise, and a volatile DEFAULT is computed for every existing row.`;
    case 'pre11-default':
      return `before PostgreSQL 11 (the target is ${context.pgVersion}) any non-null DEFAULT is written into every existing row.`;
    case 'serial':
      return `a \`${cause.type}\` column defaults to \`nextval()\` of a new sequence, so every existing row gets its own value.`;
    case 'identity':
      return 'an identity column takes a value from its sequence for every existing row.';
    case 'stored':
      return 'a STORED generated column is computed and written for every existing row.';
    case 'domain':
      return `its type \`${cause.domain}\` (line ${cause.line}) is a domain with constraints, and PostgreSQL ${context.pgVersion} checks them by writing the column's value into every existing row.`;
  }
}

function safeWay(cause: Cause, context: RuleContext): string {
  switch (cause.kind) {
    case 'volatile':
    case 'unknown-function':
    case 'pre11-default':
      return 'Add the column without the default, SET DEFAULT afterwards (new rows only), and backfill existing rows in batches.';
    case 'serial':
    case 'identity':
      return 'Add a plain bigint column, backfill it in batches, then attach the sequence or identity.';
    case 'domain':
      return 'Add the column with the domain\'s base type and enforce its rule with a table CHECK constraint added NOT VALID and validated later (changing the type to the domain afterwards would rewrite too).';
    case 'stored':
      return context.pgVersion >= 18
        ? 'Use a VIRTUAL generated column (computed on read, no rewrite), or a plain column kept by a trigger and backfilled in batches.'
        : 'Add a plain column kept up to date by a trigger and backfill it in batches.';
  }
}

function detail(table: string, def: ColumnDef, cause: Cause, context: RuleContext): string {
  const t = displayName(table);
  const column = def.colname ?? 'col';
  const type = formatType(typeOf(def.typeName));
  const key = batchKey(context, table);
  const lines: string[] = [];
  if (cause.kind === 'volatile' || cause.kind === 'unknown-function' || cause.kind === 'pre11-default') {
    const expression = cause.kind === 'pre11-default' ? '<default>' : `${cause.fn}()`;
    lines.push(
      'Add the column in steps that never rewrite the table:',
      '',
      '```sql',
      `ALTER TABLE ${t} ADD COLUMN ${column} ${type};  -- instant: existing rows read NULL`,
      `ALTER TABLE ${t} ALTER COLUMN ${column} SET DEFAULT ${expression};  -- instant: applies to new rows only`,
      '-- backfill in batches, each in its own transaction, until no row is left:',
      `UPDATE ${t} SET ${column} = ${expression} WHERE ${key} IN (SELECT ${key} FROM ${t} WHERE ${column} IS NULL LIMIT 5000);`,
      '```',
      '',
      'If the column must be NOT NULL, add `CHECK (' + column + ' IS NOT NULL) NOT VALID` after the backfill, VALIDATE it in a later migration, then SET NOT NULL (see the `set-not-null` rule).',
    );
    if (cause.kind === 'unknown-function') {
      lines.push(
        '',
        `If \`${cause.fn}\` always returns the same value within a statement, declare it ${code('STABLE')} (or ${code('IMMUTABLE')}): PostgreSQL then evaluates the default once and stores it in the catalog, and ADD COLUMN is instant.`,
      );
    }
    if (cause.kind === 'pre11-default') {
      lines.push('', 'From PostgreSQL 11 on, a non-volatile DEFAULT is stored in the catalog (`pg_attribute.attmissingval`) and ADD COLUMN is instant.');
    }
  } else if (cause.kind === 'domain') {
    lines.push(
      'Since PostgreSQL 11 a plain column is added from the catalog, but a column whose type is a domain with constraints is filled row by row (up to PostgreSQL 18) so that the constraints are checked. Add it with the base type instead, and enforce the rule on the table:',
      '',
      '```sql',
      `ALTER TABLE ${t} ADD COLUMN ${column} <base type>;  -- instant`,
      `ALTER TABLE ${t} ADD CONSTRAINT ${bareTable(table)}_${column}_check CHECK (<the domain's check on ${column}>) NOT VALID;`,
      '-- in a later migration:',
      `ALTER TABLE ${t} VALIDATE CONSTRAINT ${bareTable(table)}_${column}_check;  -- reads and writes go on`,
      '```',
    );
  } else if (cause.kind === 'serial' || cause.kind === 'identity') {
    const b = bareTable(table);
    const seq = `${b}_${column}_seq`;
    const key = batchKey(context, table);
    lines.push(
      'Fill the ids in batches instead of in one rewrite:',
      '',
      '```sql',
      `CREATE SEQUENCE ${seq} AS bigint;`,
      `ALTER TABLE ${t} ADD COLUMN ${column} bigint;  -- instant`,
      `ALTER TABLE ${t} ALTER COLUMN ${column} SET DEFAULT nextval('${seq}');  -- new rows get ids from now on`,
      `ALTER SEQUENCE ${seq} OWNED BY ${t}.${column};`,
      '-- backfill in batches, each in its own transaction, until no row is left:',
      `UPDATE ${t} SET ${column} = nextval('${seq}') WHERE ${key} IN (SELECT ${key} FROM ${t} WHERE ${column} IS NULL LIMIT 5000);`,
      `ALTER TABLE ${t} ADD CONSTRAINT ${b}_${column}_not_null CHECK (${column} IS NOT NULL) NOT VALID;`,
      '-- next migration:',
      `ALTER TABLE ${t} VALIDATE CONSTRAINT ${b}_${column}_not_null;  -- reads and writes go on`,
      `ALTER TABLE ${t} ALTER COLUMN ${column} SET NOT NULL;  -- no scan: the CHECK proves it (PostgreSQL 12+)`,
      '```',
    );
    if (cause.kind === 'identity') {
      lines.push(
        '',
        'Then turn it into an identity column (catalog only, in one short transaction):',
        '',
        '```sql',
        `ALTER TABLE ${t} ALTER COLUMN ${column} DROP DEFAULT,`,
        `  ALTER COLUMN ${column} ADD GENERATED BY DEFAULT AS IDENTITY (START WITH <max(${column}) + 1>);`,
        `DROP SEQUENCE ${seq};`,
        '```',
      );
    }
  } else {
    lines.push(
      context.pgVersion >= 18
        ? 'On PostgreSQL 18, `GENERATED ALWAYS AS (...) VIRTUAL` (the default when neither STORED nor VIRTUAL is written) is computed when read and adds the column instantly. Otherwise:'
        : 'Instead of a STORED generated column:',
      '',
      '```sql',
      `ALTER TABLE ${t} ADD COLUMN ${column} ${type};  -- instant`,
      `-- a BEFORE INSERT OR UPDATE trigger that sets NEW.${column} from the expression`,
      `-- then backfill existing rows in batches, each in its own transaction`,
      '```',
    );
  }
  return lines.join('\n');
}

function bareTable(table: string): string {
  return table.split('.').at(-1) ?? table;
}
