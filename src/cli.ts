import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultCacheDir } from './cache-dir.ts';
import { loadCheckedConfig } from './checked-config.ts';
import { ConfigError, FAIL_ON_VALUES, type Config } from './config/index.ts';
import { reviewSource, type PipelineOptions, type PipelineResult } from './pipeline.ts';
import { createShadowProvider } from './shadow/index.ts';
import { advisorFromEnvironment } from './llm/index.ts';
import { readProductionStatsOrNote } from './shadow/explain/production-stats.ts';
import { DEFAULT_LIMITS } from './shadow/provider.ts';
import { formatReview, REPORT_FORMATS, shouldColor, type ReportFormat, type ReportOptions } from './report/index.ts';
import { rulesMeta, toolVersion } from './report/meta.ts';
import { directorySource, SourceError } from './source/directory.ts';
import { gitSource } from './source/git.ts';

const USAGE = `Usage: db-review check [paths...] [options]
       db-review check --pr <owner/repo#N | pull request address> [--post] [options]

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
  --explain              with $ANTHROPIC_API_KEY set: add Claude's explanations and verified rewrites
                         even when the config's llm.mode is on-demand
  --pr <pull request>    review a pull request on GitHub, with the token in $GITHUB_TOKEN (the API at
                         $GITHUB_API_URL, default api.github.com); its config is the default branch's
                         .github/db-review.yml unless --config names a local file
  --post                 with --pr: post the inline comments as a review, and the summary comment
  -h, --help             show this help
  -v, --version          show the version

Exit codes: 0 no finding reaches fail_on, 1 a finding does, 2 usage or config error, or GitHub
refused a request of --pr or --post.`;

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

  if (values.post && values.pr === undefined) throw new UsageError('--post needs --pr');
  const tuned = (config: Config): Config => withFailOn(withVersion(config, values['pg-version']), values['fail-on']);
  const report = (color: boolean): ReportOptions => ({ color, toolVersion: toolVersion(), rulesMeta: rulesMeta() });
  const review = async <T>(config: Config, reviewOn: (options: PipelineOptions) => Promise<T>): Promise<T> => {
    const shadow = values['no-shadow']
      ? undefined
      : createShadowProvider({
          url: values['shadow-url'] ?? (io.env.SHADOW_DATABASE_URL || undefined),
          limits: DEFAULT_LIMITS,
          extensions: config.shadow.extensions,
          cacheDir: defaultCacheDir(io.env),
        });
    const productionStats = shadow && io.env.STATS_DATABASE_URL ? await readProductionStatsOrNote(io.env.STATS_DATABASE_URL, 'STATS_DATABASE_URL', (message) => io.stderr.write(`note: ${message}\n`)) : undefined;
    const progress = progressLine(io.stderr);
    try {
      const advisor = advisorFromEnvironment(io.env);
      return await reviewOn({ shadow, onProgress: progress.update, productionStats, ...(advisor ? { advisor, explain: values.explain ?? false } : {}) });
    } finally {
      progress.done();
      await shadow?.dispose();
    }
  };
  const print = (result: PipelineResult): number => {
    io.stdout.write(formatReview(format, result.review, report(format === 'text' && shouldColor(io.stdout as NodeJS.WriteStream, io.env))));
    for (const note of result.notes) io.stderr.write(`note: ${note}\n`);
    return result.review.conclusion === 'failure' ? EXIT.failed : EXIT.ok;
  };

  if (values.pr !== undefined) {
    if (paths.length > 0 || values.base !== undefined) throw new UsageError('--pr reviews the pull request as GitHub holds it: it takes no paths and no --base');
    // Loaded only here: the GitHub client (Probot) adds a noticeable start-up time to every local review.
    const { openPullRequest, parsePullRequestTarget } = await import('./github/pr-cli.ts');
    const target = parsePullRequestTarget(values.pr);
    if (!target) throw new UsageError(`--pr must be owner/repo#number or a pull request's address (https://github.com/owner/repo/pull/number), got "${values.pr}"`);
    const pull = await openPullRequest(target, io.env);
    const config = tuned(values.config === undefined ? await pull.loadConfig() : await loadCheckedConfig(io.cwd, values.config));
    const reviewed = await review(config, (options) => pull.review(config, options));
    const code = print(reviewed.result);
    if (!values.post) return code;
    const { posted, refused } = await pull.post(reviewed, report(false));
    for (const line of posted) io.stderr.write(`${line}\n`);
    io.stderr.write('note: no check run: GitHub lets only GitHub Apps create them (the db-review App and Action do)\n');
    for (const problem of refused) io.stderr.write(`db-review: ${problem}\n`);
    return refused.length > 0 ? EXIT.usage : code;
  }

  const config = tuned(await loadCheckedConfig(io.cwd, values.config));
  const targets = paths.length > 0 ? paths : ['.'];
  const source = values.base ? gitSource(io.cwd, targets, values.base) : directorySource(io.cwd, targets);
  return print(await review(config, (options) => reviewSource(source, config, options)));
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
        explain: { type: 'boolean' },
        pr: { type: 'string' },
        post: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
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

function defaultIO(): CliIO {
  return { cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, env: process.env };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
