import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, DEFAULT_SHADOW_EXTENSIONS, parseConfig } from '../../src/config/index.ts';
import type { Config } from '../../src/config/index.ts';

const FILE = '.github/db-review.yml';

/** The ConfigError thrown by parsing `text`; fails the test when nothing is thrown. */
function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected parseConfig to throw for:\n${text}`);
}

/** The single-problem message thrown by parsing `text`. */
function messageOf(text: string): string {
  return errorOf(text).message;
}

const DEFAULTS: Config = {
  migrations: { paths: [], framework: 'auto' },
  queries: { paths: [] },
  postgres: { version: 16 },
  rules: {},
  fail_on: 'error',
  tables: {},
  shadow: {
    extensions: [
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
    ],
  },
  llm: { mode: 'auto', model: 'claude-sonnet-5-5', review_tokens: 60_000, daily_tokens: 2_000_000 },
};

describe('defaults', () => {
  it('DEFAULT_CONFIG holds every documented default', () => {
    expect(DEFAULT_CONFIG).toEqual(DEFAULTS);
    expect(DEFAULT_SHADOW_EXTENSIONS).toEqual(DEFAULTS.shadow.extensions);
  });

  it('DEFAULT_CONFIG is frozen so no caller can change it for everyone', () => {
    expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
    expect(Object.isFrozen(DEFAULT_CONFIG.shadow.extensions)).toBe(true);
    expect(() => {
      (DEFAULT_CONFIG.rules as Record<string, string>)['x'] = 'off';
    }).toThrow(TypeError);
  });

  it.each([
    ['an empty file', ''],
    ['only blanks', '\n   \n'],
    ['only comments', '# db-review config\n# nothing here yet\n'],
    ['a bare document marker', '---\n'],
    ['a document marker and a comment', '---\n# later\n'],
    ['an empty mapping', '{}\n'],
  ])('%s gives the defaults', (_name, text) => {
    expect(parseConfig(text, FILE)).toEqual(DEFAULTS);
  });

  it('sections with nothing under them give their defaults', () => {
    const text = 'migrations:\nqueries:\npostgres:\nrules:\ntables:\nshadow:\n';
    expect(parseConfig(text, FILE)).toEqual(DEFAULTS);
  });

  it('a partly filled section keeps the defaults of its other keys', () => {
    const config = parseConfig('migrations:\n  framework: goose\n', FILE);
    expect(config.migrations).toEqual({ paths: [], framework: 'goose' });
    expect(config.shadow.extensions).toEqual(DEFAULTS.shadow.extensions);
  });

  it('each parse returns fresh objects, not shared defaults', () => {
    const a = parseConfig('', FILE);
    a.rules['x'] = 'off';
    a.shadow.extensions.push('postgis');
    expect(parseConfig('', FILE)).toEqual(DEFAULTS);
  });
});

describe('a full valid file', () => {
  it('parses every key, normalising size hints to numbers', async () => {
    const text = await readFile(new URL('../fixtures/config/full.yml', import.meta.url), 'utf8');
    expect(parseConfig(text, FILE)).toEqual({
      migrations: {
        paths: ['db/migrations/**/*.sql', 'prisma/migrations/*/migration.sql'],
        framework: 'golang-migrate',
      },
      queries: { paths: ['src/**/*.ts', 'queries/*.sql'] },
      postgres: { version: 15 },
      rules: { 'require-concurrent-index': 'warning', 'ban-char-type': 'off', 'prefer-bigint': 'notice' },
      fail_on: 'warning',
      tables: { orders: 50_000_000, users: 12_000, 'billing.invoices': 1_500_000_000, events: 50_000_000 },
      shadow: { extensions: ['citext', 'postgis'] },
      llm: { mode: 'on-demand', model: 'claude-opus-5-5', review_tokens: 30_000, daily_tokens: 500_000 },
    } satisfies Config);
  });

  it.each(['auto', 'prisma', 'flyway', 'golang-migrate', 'goose', 'dbmate', 'supabase', 'plain'])(
    'accepts framework %s',
    (framework) => {
      expect(parseConfig(`migrations:\n  framework: ${framework}\n`, FILE).migrations.framework).toBe(framework);
    },
  );

  it.each(['error', 'warning', 'notice', 'never'])('accepts fail_on %s', (value) => {
    expect(parseConfig(`fail_on: ${value}\n`, FILE).fail_on).toBe(value);
  });

  it('accepts the postgres versions 10 and 18 at the ends of the range', () => {
    expect(parseConfig('postgres: { version: 10 }', FILE).postgres.version).toBe(10);
    expect(parseConfig('postgres: { version: 18 }', FILE).postgres.version).toBe(18);
  });

  it('reads "off" in rules as the string off (YAML 1.2), not as false', () => {
    expect(parseConfig('rules:\n  ban-char-type: off\n', FILE).rules).toEqual({ 'ban-char-type': 'off' });
  });

  it('accepts an empty extension allowlist', () => {
    expect(parseConfig('shadow:\n  extensions: []\n', FILE).shadow.extensions).toEqual([]);
  });
});

describe('ConfigError', () => {
  it('is an Error carrying the file and the problems without the file prefix', () => {
    const error = errorOf('postgres:\n  version: sixteen\nfail_on: sometimes\n');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.source).toBe(FILE);
    expect(error.problems).toEqual([
      'postgres.version: expected an integer from 10 to 18, got "sixteen"',
      'fail_on: expected one of error, warning, notice, never, got "sometimes"',
    ]);
    expect(error.message).toBe(
      '.github/db-review.yml: postgres.version: expected an integer from 10 to 18, got "sixteen"\n' +
        '.github/db-review.yml: fail_on: expected one of error, warning, notice, never, got "sometimes"',
    );
  });

  it('names the file it was given', () => {
    expect(() => parseConfig('fail_on: sometimes\n', 'config/review.yaml')).toThrow(
      /^config\/review\.yaml: fail_on: /,
    );
  });
});

describe('wrong values', () => {
  it.each([
    ['postgres:\n  version: sixteen\n', 'postgres.version: expected an integer from 10 to 18, got "sixteen"'],
    ['postgres:\n  version: 9\n', 'postgres.version: expected an integer from 10 to 18, got 9'],
    ['postgres:\n  version: 19\n', 'postgres.version: expected an integer from 10 to 18, got 19'],
    ['postgres:\n  version: 16.2\n', 'postgres.version: expected an integer from 10 to 18, got 16.2'],
    [
      'postgres:\n  version: "16"\n',
      'postgres.version: expected an integer from 10 to 18, got "16" (a string: remove the quotes)',
    ],
    ['postgres:\n  version:\n', 'postgres.version: expected an integer from 10 to 18, got an empty value'],
    ['fail_on: sometimes\n', 'fail_on: expected one of error, warning, notice, never, got "sometimes"'],
    [
      'fail_on: warn\n',
      'fail_on: expected one of error, warning, notice, never, got "warn" (did you mean "warning"?)',
    ],
    [
      'fail_on: false\n',
      'fail_on: expected one of error, warning, notice, never, got false (write never to never fail the check)',
    ],
    [
      'migrations:\n  framework: prisma2\n',
      'migrations.framework: expected one of auto, prisma, flyway, golang-migrate, goose, dbmate, supabase, plain, got "prisma2" (did you mean "prisma"?)',
    ],
    [
      'rules:\n  require-concurrent-index: warn\n',
      'rules.require-concurrent-index: expected one of error, warning, notice, off, got "warn" (did you mean "warning"?)',
    ],
    [
      'rules:\n  require-concurrent-index: false\n',
      'rules.require-concurrent-index: expected one of error, warning, notice, off, got false (write off to turn a rule off)',
    ],
    ['rules: [a, b]\n', 'rules: expected a mapping, got a list'],
    ['tables: 5\n', 'tables: expected a mapping, got 5'],
    ['postgres: 16\n', 'postgres: expected a mapping of settings, got 16'],
    ['migrations: [db]\n', 'migrations: expected a mapping of settings, got a list'],
    ['llm:\n  mode: true\n', 'llm.mode: expected one of auto, on-demand, off, got true (write off to turn it off)'],
    ['llm:\n  mode: ondemand\n', 'llm.mode: expected one of auto, on-demand, off, got "ondemand" (did you mean "on-demand"?)'],
    ['llm:\n  review_tokens: 500\n', 'llm.review_tokens: expected a whole number of tokens of at least 1000, got 500'],
    ['llm:\n  daily_tokens: 1.5\n', 'llm.daily_tokens: expected a whole number of tokens of at least 1000, got 1.5'],
    ['llm:\n  model: "claude sonnet"\n', 'llm.model: expected a model name such as "claude-sonnet-5-5", got "claude sonnet"'],
  ])('%j', (text, problem) => {
    expect(messageOf(text)).toBe(`${FILE}: ${problem}`);
  });
});

describe('globs and lists', () => {
  it('rejects a single string where a list is expected, showing the list to write', () => {
    expect(messageOf('migrations:\n  paths: db/*.sql\n')).toBe(
      `${FILE}: migrations.paths: expected a list of globs, got "db/*.sql" (write it as a list: ["db/*.sql"])`,
    );
  });

  it('reports each bad glob at its index', () => {
    expect(errorOf('queries:\n  paths: ["/db/*.sql", "", "a/{b", 3, "ok/**"]\n').problems).toEqual([
      'queries.paths[0]: globs are matched against paths relative to the repository root, so "/db/*.sql" can never match (remove the leading "/")',
      'queries.paths[1]: expected a glob such as "db/migrations/*.sql", got ""',
      'queries.paths[2]: "a/{b" is not a valid glob (check its brackets and braces)',
      'queries.paths[3]: expected a glob string, got 3',
    ]);
  });

  it('rejects an empty list key rather than guessing between [] and the default', () => {
    expect(messageOf('shadow:\n  extensions:\n')).toBe(
      `${FILE}: shadow.extensions: expected a list of extension names, got an empty value`,
    );
  });

  it('rejects a malformed extension name', () => {
    expect(messageOf('shadow:\n  extensions: [citext, "pg trgm"]\n')).toBe(
      `${FILE}: shadow.extensions[1]: expected an extension name such as "pg_trgm", got "pg trgm"`,
    );
  });
});

describe('table size hints', () => {
  it('normalises numbers and size strings', () => {
    const text = 'tables:\n  a: 50M\n  b: 1.5B\n  c: 12k\n  d: 0\n  public.e: "7"\n  f: 2.5m\n  g: "1,000,000"\n';
    expect(parseConfig(text, FILE).tables).toEqual({
      a: 50_000_000,
      b: 1_500_000_000,
      c: 12_000,
      d: 0,
      'public.e': 7,
      f: 2_500_000,
      g: 1_000_000,
    });
  });

  it('reports a bad size with its suffix problem', () => {
    expect(messageOf('tables:\n  orders: 12q\n')).toBe(
      `${FILE}: tables.orders: expected a row count: a non-negative integer or a string like "50M", "12k", "1.5B", got "12q": unknown suffix "q" (use k = thousand, M = million, B = billion)`,
    );
  });

  it('reports negative, fractional and non-scalar sizes', () => {
    const expected = 'expected a row count: a non-negative integer or a string like "50M", "12k", "1.5B", got';
    expect(errorOf('tables:\n  a: -1\n  b: 1.5\n  c: [1]\n  d:\n').problems).toEqual([
      `tables.a: ${expected} -1 (negative)`,
      `tables.b: ${expected} 1.5 (not a whole number)`,
      `tables.c: ${expected} a list`,
      `tables.d: ${expected} an empty value`,
    ]);
  });

  it('quotes a schema-qualified key in the path and rejects names with too many dots', () => {
    expect(errorOf('tables:\n  billing.invoices: lots\n  a.b.c: 1\n').problems).toEqual([
      'tables["billing.invoices"]: expected a row count: a non-negative integer or a string like "50M", "12k", "1.5B", got "lots"',
      'tables["a.b.c"]: invalid table name "a.b.c": expected "table" or "schema.table"',
    ]);
  });
});

describe('unknown keys', () => {
  it.each([
    ['fail_onn: error\n', 'unknown key "fail_onn" (did you mean "fail_on"?)'],
    ['fial_on: error\n', 'unknown key "fial_on" (did you mean "fail_on"?)'],
    ['fail-on: error\n', 'unknown key "fail-on" (did you mean "fail_on"?)'],
    ['rule:\n  x: off\n', 'unknown key "rule" (did you mean "rules"?)'],
    ['colour: blue\n', 'unknown key "colour" (valid keys: migrations, queries, postgres, rules, fail_on, tables, shadow, llm)'],
    ['postgres:\n  verison: 15\n', 'postgres: unknown key "verison" (did you mean "version"?)'],
    ['migrations:\n  path: [db]\n', 'migrations: unknown key "path" (did you mean "paths"?)'],
    ['migrations:\n  dialect: pg\n', 'migrations: unknown key "dialect" (valid keys: paths, framework)'],
    ['shadow:\n  extension: [citext]\n', 'shadow: unknown key "extension" (did you mean "extensions"?)'],
    ['queries:\n  paths: []\n  glob: x\n', 'queries: unknown key "glob" (valid keys: paths)'],
  ])('%j', (text, problem) => {
    expect(messageOf(text)).toBe(`${FILE}: ${problem}`);
  });

  it('reports every unknown key, each on its own line', () => {
    expect(errorOf('fail_onn: error\npostgress: {}\n').problems).toEqual([
      'unknown key "fail_onn" (did you mean "fail_on"?)',
      'unknown key "postgress" (did you mean "postgres"?)',
    ]);
  });

  it('rejects a __proto__ key in a map rather than dropping it', () => {
    expect(errorOf('rules:\n  __proto__: off\ntables:\n  __proto__: 5\n').problems).toEqual([
      'rules.__proto__: "__proto__" is not allowed as a key',
      'tables.__proto__: "__proto__" is not allowed as a key',
    ]);
  });

  it('allows any key inside rules and tables (they are maps)', () => {
    const config = parseConfig('rules:\n  anything-goes: off\ntables:\n  whatever: 1\n', FILE);
    expect(config.rules).toEqual({ 'anything-goes': 'off' });
    expect(config.tables).toEqual({ whatever: 1 });
  });
});

describe('top level that is not a mapping', () => {
  it.each([
    ['- migrations\n- rules\n', 'a list'],
    ['hello\n', '"hello"'],
    ['42\n', '42'],
    ['~\n', 'an empty value'],
  ])('%j', (text, got) => {
    expect(messageOf(text)).toBe(`${FILE}: the top level must be a mapping of settings (key: value), got ${got}`);
  });
});

describe('YAML syntax errors', () => {
  it('gives the line and column of a duplicate key, naming it', () => {
    expect(messageOf('rules:\n  ban-char-type: off\n  ban-char-type: error\n')).toBe(
      `${FILE}: line 3, column 3: invalid YAML: duplicate key "ban-char-type" (each key may appear only once in a mapping)`,
    );
  });

  it('gives the line and column of a tab used for indentation', () => {
    expect(messageOf('postgres:\n\tversion: 15\n')).toBe(
      `${FILE}: line 2, column 1: invalid YAML: Tabs are not allowed as indentation`,
    );
  });

  it('gives the line and column of an unterminated quote', () => {
    expect(messageOf('fail_on: error\nmigrations:\n  paths: ["db/*.sql]\n')).toMatch(
      /^\.github\/db-review\.yml: line \d+, column \d+: invalid YAML: /,
    );
    expect(errorOf('fail_on: "error\n').problems).toEqual([
      'line 2, column 1: invalid YAML: Missing closing "quote',
    ]);
  });

  it('gives the line and column of a mapping nested on one line', () => {
    expect(messageOf('postgres: version: 15\n')).toBe(
      `${FILE}: line 1, column 11: invalid YAML: Nested mappings are not allowed in compact mappings`,
    );
  });

  it('rejects an unknown tag instead of ignoring it', () => {
    expect(messageOf('fail_on: !severity error\n')).toBe(
      `${FILE}: line 1, column 10: invalid YAML: Unresolved tag: !severity`,
    );
  });

  it('rejects an alias to a missing anchor', () => {
    expect(messageOf('rules:\n  ban-char-type: *off\n')).toBe(
      `${FILE}: invalid YAML: Unresolved alias (the anchor must be set before the alias): off`,
    );
  });

  it('rejects more than one document', () => {
    expect(messageOf('fail_on: error\n---\nfail_on: never\n')).toBe(
      `${FILE}: line 2, column 1: invalid YAML: the file holds more than one YAML document; remove the "---" separator and merge them`,
    );
  });
});
