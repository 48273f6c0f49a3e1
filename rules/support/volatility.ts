import type { CreateFunctionStmt, DefElem, FuncCall, Node } from '@pgsql/types';
import type { RuleContext } from '../../src/lint/rule.ts';
import { listOf, nodeOf, unwrap, visit } from '../../src/sql/ast.ts';
import { stringValues } from '../../src/sql/names.ts';
import { earlierStatements } from './columns.ts';

/**
 * Volatility of the functions an expression calls, as far as it decides whether ADD COLUMN ...
 * DEFAULT rewrites the table: PostgreSQL 11+ stores a non-volatile default in the catalog
 * (pg_attribute.attmissingval) and rewrites only for a volatile one.
 */

/** Built-in functions marked VOLATILE in pg_proc (and those of pgcrypto and uuid-ossp). */
const VOLATILE = new Set([
  'random', 'random_normal', 'setseed', 'gen_random_uuid', 'uuidv4', 'uuidv7', 'uuid_generate_v1',
  'uuid_generate_v1mc', 'uuid_generate_v4', 'gen_random_bytes', 'gen_salt', 'clock_timestamp', 'timeofday',
  'nextval', 'currval', 'lastval', 'setval',
]);

/**
 * Built-in functions that are STABLE or IMMUTABLE (now(), txid_current() and current_setting() are
 * STABLE: evaluated once for the ALTER TABLE, so the default stays in the catalog).
 */
const NON_VOLATILE = new Set([
  'now', 'transaction_timestamp', 'statement_timestamp', 'current_setting', 'txid_current', 'pg_current_xact_id',
  'current_database', 'current_schema', 'current_schemas', 'current_user', 'session_user', 'version',
  'pg_backend_pid', 'inet_client_addr', 'inet_server_addr', 'pg_postmaster_start_time',
  'lower', 'upper', 'initcap', 'concat', 'concat_ws', 'format', 'length', 'char_length', 'character_length',
  'octet_length', 'bit_length', 'substr', 'substring', 'replace', 'translate', 'trim', 'btrim', 'ltrim', 'rtrim',
  'left', 'right', 'lpad', 'rpad', 'repeat', 'reverse', 'split_part', 'strpos', 'position', 'overlay', 'quote_ident',
  'quote_literal', 'quote_nullable', 'md5', 'sha224', 'sha256', 'sha384', 'sha512', 'digest', 'hmac', 'crypt',
  'encode', 'decode', 'convert_to', 'convert_from', 'to_char', 'to_date', 'to_timestamp', 'to_number', 'date_trunc',
  'date_part', 'extract', 'date_bin', 'make_date', 'make_time', 'make_timestamp', 'make_timestamptz', 'make_interval',
  'age', 'timezone', 'justify_days', 'justify_hours', 'justify_interval', 'isfinite', 'abs', 'ceil', 'ceiling', 'floor',
  'round', 'trunc', 'mod', 'power', 'pow', 'sqrt', 'cbrt', 'exp', 'ln', 'log', 'log10', 'sign', 'pi', 'div',
  'to_json', 'to_jsonb', 'json_build_object', 'jsonb_build_object', 'json_build_array', 'jsonb_build_array',
  'json_object', 'jsonb_object', 'array_to_json', 'row_to_json', 'jsonb_set', 'jsonb_insert', 'jsonb_strip_nulls',
  'json_strip_nulls', 'array_fill', 'array_length', 'array_append', 'array_prepend', 'array_cat', 'cardinality',
  'string_to_array', 'array_to_string', 'regexp_replace', 'regexp_substr', 'uuid_generate_v3', 'uuid_generate_v5',
  'uuid_nil', 'uuid_ns_dns', 'uuid_ns_url', 'uuid_ns_oid', 'uuid_ns_x500', 'int2', 'int4', 'int8', 'float4',
  'float8', 'numeric', 'text', 'bool', 'date', 'inet', 'point', 'to_tsvector', 'setweight', 'to_tsquery',
  'daterange', 'tstzrange', 'tsrange', 'int4range', 'int8range', 'numrange',
]);

export type Volatility = 'volatile' | 'non-volatile' | 'unknown';

export interface CalledFunction {
  /** As written: `gen_random_uuid`, `app.make_code`. */
  name: string;
  volatility: Volatility;
  /** For functions created earlier in the migration: the line of their CREATE FUNCTION. */
  definedAt?: number;
}

/** Every function the expression calls, with what is known of its volatility. */
export function calledFunctions(expr: Node | undefined, context: RuleContext): CalledFunction[] {
  const out: CalledFunction[] = [];
  visit(expr, (kind, value) => {
    if (kind !== 'FuncCall') return;
    const names = stringValues((value as FuncCall).funcname);
    const name = names.join('.');
    const bare = (names.at(-1) ?? '').toLowerCase();
    const schema = names.length > 1 ? names[0]?.toLowerCase() : undefined;
    const defined = definedInMigration(context, bare, schema);
    if (defined) {
      out.push({ name, volatility: defined.volatility, definedAt: defined.line });
    } else if (schema === undefined || schema === 'pg_catalog' || schema === 'public' || schema === 'extensions') {
      // Extension functions (pgcrypto, uuid-ossp) usually live in public or (Supabase) extensions.
      if (VOLATILE.has(bare)) out.push({ name, volatility: 'volatile' });
      else if (NON_VOLATILE.has(bare) || schema === 'pg_catalog') out.push({ name, volatility: 'non-volatile' });
      else out.push({ name, volatility: 'unknown' });
    } else {
      out.push({ name, volatility: 'unknown' });
    }
  });
  return out;
}

/** A function created earlier in this migration: its declared volatility (VOLATILE when not declared). */
function definedInMigration(
  context: RuleContext,
  name: string,
  schema: string | undefined,
): { volatility: Volatility; line: number } | undefined {
  let found: { volatility: Volatility; line: number } | undefined;
  for (const statement of earlierStatements(context)) {
    const create = nodeOf<CreateFunctionStmt>(statement, 'CreateFunctionStmt');
    if (!create || create.is_procedure) continue;
    const names = stringValues(create.funcname);
    if ((names.at(-1) ?? '').toLowerCase() !== name) continue;
    if (schema !== undefined && names.length > 1 && names[0]?.toLowerCase() !== schema) continue;
    const options = listOf(create.options).flatMap((o) => unwrap<DefElem>(o, 'DefElem') ?? []);
    const declared = unwrap<{ sval?: string }>(options.find((o) => o.defname === 'volatility')?.arg, 'String')?.sval;
    const language = unwrap<{ sval?: string }>(options.find((o) => o.defname === 'language')?.arg, 'String')?.sval;
    const volatility: Volatility =
      declared === 'immutable' || declared === 'stable'
        ? 'non-volatile'
        : // A VOLATILE LANGUAGE sql function whose body is a simple expression can be inlined, and
          // then only the body's own functions count: not certain either way.
          language?.toLowerCase() === 'sql' ? 'unknown' : 'volatile';
    found = { volatility, line: statement.range.startLine };
  }
  return found;
}
