import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { allRules } from '../rules/index.ts';
import { ConfigError, FAIL_ON_VALUES, loadConfig, validateRuleIds, type Config } from './config/index.ts';
import { ENGINE_FINDINGS } from './lint/engine-findings.ts';
import { reviewSource } from './pipeline.ts';
import { createShadowProvider, defaultCacheDir } from './shadow/index.ts';
import { DEFAULT_LIMITS } from './shadow/provider.ts';
import { formatReview, REPORT_FORMATS, shouldColor, type ReportFormat, type RuleMeta } from './report/index.ts';
import { directorySource, SourceError } from './source/directory.ts';
import { gitSource } from './source/git.ts';

const USAGE = `Usage: db-review check [paths...] [options]

Reviews PostgreSQL migrations: parses them with PostgreSQL's own parser and reports
statements that lock, rewrite or lose data on existing tables, with the safe way.

Arguments:
  paths                  directories or files to review (default: the current directory)

Options:
  --base <git-ref>       review only migrations changed since this ref; earlier ones form the base
  --config <file>        config file (default: .github/db-review.yml if present)
  --pg-version <N>       target PostgreSQL major version (default: config postgres.version, 16)
  --format <format>      text | json | markdown | sarif (default: text)
  --fail-on <level>      error | warning | notice | never: lowest severity that fails (default: config fail_on, error)
  --shadow-url <url>     replay the migrations on throwaway databases of this PostgreSQL server
                         (default: $SHADOW_DATABASE_URL; without either, an embedded PostgreSQL)
  --no-shadow            rules only: do not replay the migrations on a shadow database
  -h, --help             show this help
  -v, --version          show the version

Exit codes: 0 no finding reaches fail_on, 1 a finding does, 2 usage or config error.`;

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliIO {
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

class UsageError extends Error {}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`db-review: ${error.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError || error instanceof SourceError) {
      io.stderr.write(`db-review: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.version) {
    io.stdout.write(`${toolVersion()}\n`);
    return EXIT.ok;
  }
  if (values.help || positionals.length === 0) {
    io.stdout.write(`${USAGE}\n`);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const [command, ...paths] = positionals;
  if (command !== 'check') throw new UsageError(`unknown command "${command}"`);
  const format = (values.format ?? 'text') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got "${values.format}"`);

  const config = withFailOn(withVersion(await loadCheckedConfig(io.cwd, values.config), values['pg-version']), values['fail-on']);
  const targets = paths.length > 0 ? paths : ['.'];
  const source = values.base ? gitSource(io.cwd, targets, values.base) : directorySource(io.cwd, targets);
  const shadow = values['no-shadow']
    ? undefined
    : createShadowProvider({
        url: values['shadow-url'] ?? (io.env.SHADOW_DATABASE_URL || undefined),
        limits: DEFAULT_LIMITS,
        extensions: config.shadow.extensions,
        cacheDir: defaultCacheDir(io.env),
      });
  const progress = progressLine(io.stderr);
  let result;
  try {
    result = await reviewSource(source, config, { shadow, onProgress: progress.update });
  } finally {
    progress.done();
    await shadow?.dispose();
  }

  io.stdout.write(
    formatReview(format, result.review, {
      color: format === 'text' && shouldColor(io.stdout as NodeJS.WriteStream, io.env),
      toolVersion: toolVersion(),
      rulesMeta: rulesMeta(),
    }),
  );
  for (const note of result.notes) io.stderr.write(`note: ${note}\n`);
  return result.review.conclusion === 'failure' ? EXIT.failed : EXIT.ok;
}

/** On a terminal, one line of progress rewritten in place (migration n of N, elapsed); nothing otherwise. */
function progressLine(stream: NodeJS.WritableStream & { isTTY?: boolean }): { update: (message: string) => void; done: () => void } {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const started = Date.now();
  let shown = false;
  return {
    update: (message) => {
      shown = true;
      stream.write(`\r\u001b[K${message} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    },
    done: () => {
      if (shown) stream.write('\r\u001b[K');
    },
  };
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        base: { type: 'string' },
        config: { type: 'string' },
        'pg-version': { type: 'string' },
        format: { type: 'string' },
        'fail-on': { type: 'string' },
        'shadow-url': { type: 'string' },
        'no-shadow': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function loadCheckedConfig(cwd: string, file: string | undefined): Promise<Config> {
  const { config, source } = await loadConfig({ cwd, file });
  const problems = validateRuleIds(config, [...allRules.map((r) => r.id), ...ENGINE_FINDINGS.map((f) => f.id)]);
  if (problems.length > 0) throw new ConfigError(source ?? 'config', problems);
  return config;
}

function withVersion(config: Config, pgVersion: string | undefined): Config {
  if (pgVersion === undefined) return config;
  const version = Number(pgVersion);
  if (!Number.isInteger(version) || version < 10 || version > 18) {
    throw new UsageError(`--pg-version must be a PostgreSQL major version from 10 to 18, got "${pgVersion}"`);
  }
  return { ...config, postgres: { ...config.postgres, version } };
}

function withFailOn(config: Config, failOn: string | undefined): Config {
  if (failOn === undefined) return config;
  if (!(FAIL_ON_VALUES as readonly string[]).includes(failOn)) {
    throw new UsageError(`--fail-on must be one of ${FAIL_ON_VALUES.join(', ')}, got "${failOn}"`);
  }
  return { ...config, fail_on: failOn as Config['fail_on'] };
}

const RULES_DOC = 'https://github.com/db-review/db-review/blob/main/docs/rules.md';

export function rulesMeta(): Record<string, RuleMeta> {
  const meta: Record<string, RuleMeta> = {};
  for (const rule of [...allRules, ...ENGINE_FINDINGS]) meta[rule.id] = { summary: rule.summary, helpUri: `${RULES_DOC}#${rule.id}` };
  return meta;
}

export function toolVersion(): string {
  const manifest = path.resolve(import.meta.dirname, '../package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

function defaultIO(): CliIO {
  return { cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, env: process.env };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
