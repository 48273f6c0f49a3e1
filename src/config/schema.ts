import picomatch from 'picomatch';
import * as z from 'zod';
import type { Severity } from '../findings.ts';
import type { Framework } from '../migrations/types.ts';
import { describeValue } from './describe.ts';
import { parseRowCount } from './size.ts';
import { didYouMean } from './suggest.ts';

export type { Severity };

export const SEVERITIES = ['error', 'warning', 'notice'] as const satisfies readonly Severity[];

/** A per-rule override in `rules:`. */
export type RuleSetting = Severity | 'off';
export const RULE_SETTINGS = [...SEVERITIES, 'off'] as const satisfies readonly RuleSetting[];

/** `fail_on:` the lowest severity that fails the check, or `never`. */
export type FailOn = Severity | 'never';
export const FAIL_ON_VALUES = [...SEVERITIES, 'never'] as const satisfies readonly FailOn[];

/** `migrations.framework:` a migration tool, or `auto` to detect it from the files. */
export type FrameworkSetting = 'auto' | Framework;
export const FRAMEWORK_SETTINGS = [
  'auto',
  'prisma',
  'flyway',
  'golang-migrate',
  'goose',
  'dbmate',
  'supabase',
  'plain',
] as const satisfies readonly FrameworkSetting[];
// Fails to compile when a framework is added to src/migrations/types.ts but not listed above.
const _allFrameworksListed: Exclude<FrameworkSetting, (typeof FRAMEWORK_SETTINGS)[number]> extends never
  ? true
  : never = true;
void _allFrameworksListed;

export const MIN_POSTGRES_VERSION = 10;
export const MAX_POSTGRES_VERSION = 18;
export const DEFAULT_POSTGRES_VERSION = 16;

/** Extensions that `CREATE EXTENSION` may install on the shadow database unless configured otherwise. */
export const DEFAULT_SHADOW_EXTENSIONS: readonly string[] = [
  'citext',
  'pg_trgm',
  'btree_gin',
  'btree_gist',
  'uuid-ossp',
  'pgcrypto',
  'hstore',
  'ltree',
  'unaccent',
  'fuzzystrmatch',
  'intarray',
  'cube',
  'earthdistance',
  'tablefunc',
  'pg_stat_statements',
  'vector',
];

/** The parsed `.github/db-review.yml`, with every default filled in. */
export interface Config {
  migrations: {
    /** picomatch globs over repository-relative paths; empty = auto-detect. */
    paths: string[];
    framework: FrameworkSetting;
  };
  queries: {
    /** Globs of application code and `.sql` query files to review. */
    paths: string[];
  };
  postgres: {
    /** Target major version, 10..18. */
    version: number;
  };
  /** Per-rule severity override, or `off`; keys are rule ids (check them with `validateRuleIds`). */
  rules: Record<string, RuleSetting>;
  fail_on: FailOn;
  /** Estimated production row counts, keyed by `table` or `schema.table` (look up with `tableRows`). */
  tables: Record<string, number>;
  shadow: {
    /** Allowlist for `CREATE EXTENSION` on the shadow database. */
    extensions: string[];
  };
  /** Explanations and rewrites from Claude; used only when the app's environment has ANTHROPIC_API_KEY. */
  llm: {
    /** `auto`: every review; `on-demand`: only on `/db-review explain` (or `--explain`); `off`: never. */
    mode: LlmMode;
    model: string;
    /** Most tokens one review may use, its input and its answer together. */
    review_tokens: number;
    /** Most tokens this repository's reviews may use in one day (UTC). */
    daily_tokens: number;
  };
}

export type LlmMode = 'auto' | 'on-demand' | 'off';
export const LLM_MODES = ['auto', 'on-demand', 'off'] as const satisfies readonly LlmMode[];
/** A current Claude model that reads SQL and plans well at a moderate price. */
export const DEFAULT_LLM_MODEL = 'claude-sonnet-5-5';

// ---------------------------------------------------------------------------------------------
// Building blocks. Every schema carries its own message, phrased "expected ..., got <value>",
// so the formatter only has to prefix the key path.

type ErrorFn = (issue: { input?: unknown }) => string;

function expected(what: string, hint?: (input: unknown) => string): { error: ErrorFn } {
  return { error: (issue) => `expected ${what}, got ${describeValue(issue.input)}${hint?.(issue.input) ?? ''}` };
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, ifBoolean = '') {
  return z.enum(
    values,
    expected(`one of ${values.join(', ')}`, (input) =>
      typeof input === 'string' ? didYouMean(input, values) : typeof input === 'boolean' ? ifBoolean : '',
    ),
  );
}

/** A mapping section: unknown keys are errors, and a key with nothing under it means all defaults. */
function section<const Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return z.preprocess(
    (value) => value ?? {},
    z.strictObject(shape, expected('a mapping of settings')),
  );
}

const glob = z.string(expected('a glob string')).superRefine((value, ctx) => {
  const problem = globProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: value });
});

function globProblem(value: string): string | undefined {
  const got = describeValue(value);
  if (value.trim() === '') return `expected a glob such as "db/migrations/*.sql", got ${got}`;
  if (value.startsWith('/')) {
    return `globs are matched against paths relative to the repository root, so ${got} can never match (remove the leading "/")`;
  }
  let source: string;
  try {
    source = picomatch.makeRe(value).source;
  } catch (error) {
    return `${got} is not a valid glob: ${(error as Error).message}`;
  }
  if (source === '$^') return `${got} is not a valid glob (check its brackets and braces)`;
  return undefined;
}

const globList = z
  .array(
    glob,
    expected('a list of globs', (input) =>
      typeof input === 'string' ? ` (write it as a list: [${JSON.stringify(input)}])` : '',
    ),
  )
  .prefault([]);

const postgresVersion = z
  .int(
    expected(`an integer from ${MIN_POSTGRES_VERSION} to ${MAX_POSTGRES_VERSION}`, (input) =>
      typeof input === 'string' && /^\s*\d+\s*$/.test(input) ? ' (a string: remove the quotes)' : '',
    ),
  )
  .min(MIN_POSTGRES_VERSION)
  .max(MAX_POSTGRES_VERSION)
  .default(DEFAULT_POSTGRES_VERSION);

const rowCount = z.unknown().transform((value, ctx): number => {
  const result = parseRowCount(value);
  if (result.ok) return result.value;
  ctx.addIssue({ code: 'custom', message: result.problem, input: value });
  return z.NEVER;
});

const tableName = z
  .string()
  .regex(/^[^.\s]+(?:\.[^.\s]+)?$/, {
    error: (issue) => `invalid table name ${describeValue(issue.input)}: expected "table" or "schema.table"`,
  });

function tokenCount(fallback: number) {
  const what = expected('a whole number of tokens of at least 1000');
  return z.int(what).min(1000, what).default(fallback);
}

const extensionName = z
  .string(expected('an extension name such as "pg_trgm"'))
  .regex(/^[A-Za-z0-9_-]+$/, expected('an extension name such as "pg_trgm"'));

/** A free-form mapping (`rules:`, `tables:`); a key with nothing under it means an empty map. */
function map<V extends z.ZodType>(key: z.ZodString, value: V) {
  return z.preprocess((input, ctx) => {
    // zod skips a "__proto__" key in records without a word; refuse it rather than lose it.
    if (typeof input === 'object' && input !== null && Object.hasOwn(input, '__proto__')) {
      ctx.addIssue({ code: 'custom', message: '"__proto__" is not allowed as a key', path: ['__proto__'], input });
    }
    return input ?? {};
  }, z.record(key, value, expected('a mapping')));
}

/** Shapes of the strict mappings, used to suggest the right key for an unknown one. */
export const SECTION_SHAPES = {
  migrations: {
    paths: globList,
    framework: oneOf(FRAMEWORK_SETTINGS).default('auto'),
  },
  queries: {
    paths: globList,
  },
  postgres: {
    version: postgresVersion,
  },
  shadow: {
    extensions: z
      .array(
        extensionName,
        expected('a list of extension names', (input) =>
          typeof input === 'string' ? ` (write it as a list: [${JSON.stringify(input)}])` : '',
        ),
      )
      .prefault([...DEFAULT_SHADOW_EXTENSIONS]),
  },
  llm: {
    mode: oneOf(LLM_MODES, ' (write off to turn it off)').default('auto'),
    model: z.string(expected('a model name such as "claude-sonnet-5-5"')).regex(/^[A-Za-z0-9._:-]+$/, expected('a model name such as "claude-sonnet-5-5"')).default(DEFAULT_LLM_MODEL),
    review_tokens: tokenCount(60_000),
    daily_tokens: tokenCount(2_000_000),
  },
};

const TOP_SHAPE = {
  migrations: section(SECTION_SHAPES.migrations),
  queries: section(SECTION_SHAPES.queries),
  postgres: section(SECTION_SHAPES.postgres),
  rules: map(z.string(), oneOf(RULE_SETTINGS, ' (write off to turn a rule off)')),
  fail_on: oneOf(FAIL_ON_VALUES, ' (write never to never fail the check)').default('error'),
  tables: map(tableName, rowCount),
  shadow: section(SECTION_SHAPES.shadow),
  llm: section(SECTION_SHAPES.llm),
};

export const configSchema = z.strictObject(TOP_SHAPE, {
  error: (issue) => `the top level must be a mapping of settings (key: value), got ${describeValue(issue.input)}`,
});

/** Keys allowed in each strict mapping, by key path ('' = top level). */
export const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(TOP_SHAPE),
  migrations: Object.keys(SECTION_SHAPES.migrations),
  queries: Object.keys(SECTION_SHAPES.queries),
  postgres: Object.keys(SECTION_SHAPES.postgres),
  shadow: Object.keys(SECTION_SHAPES.shadow),
  llm: Object.keys(SECTION_SHAPES.llm),
};

// The schema's output and the hand-written Config must agree exactly.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const _schemaMatchesConfig: Equals<z.output<typeof configSchema>, Config> = true;
void _schemaMatchesConfig;
