/**
 * Parses and lints every migration of the shared corpora. Prints throughput, peak memory and
 * the ratio to a baseline measured in the same run: libpg-query's bare parse of the same files
 * (what any PostgreSQL-parser-based linter pays at least). Machines are noisy; ratios are not.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { allRules } from '../rules/index.ts';
import { lint, type ParsedMigration } from '../src/lint/engine.ts';
import { discoverMigrations } from '../src/migrations/discover.ts';
import { listDirectory } from '../src/migrations/files.ts';
import type { Migration } from '../src/migrations/types.ts';
import { loadParser, parseSql } from '../src/sql/libpg.ts';
import { parseSection } from '../src/sql/parse.ts';

const CORPORA = ['langfuse-prisma', 'harness-golang-migrate'];
const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timed<T>(work: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = work();
  return { ms: performance.now() - start, result };
}

function parseAndLint(migrations: Migration[]): { parsed: ParsedMigration[]; parseMs: number; lintMs: number; findings: number } {
  const parse = timed(() => migrations.map((m): ParsedMigration => ({ migration: m, reviewed: true, ...parseSection(m.up, m.path) })));
  const linted = timed(() => lint(parse.result, { rules: allRules, pgVersion: 16, newObjects: 'migration' }));
  return { parsed: parse.result, parseMs: parse.ms, lintMs: linted.ms, findings: linted.result.length };
}

await loadParser();
console.log(`db-review lint benchmark: median of ${RUNS} runs, ${allRules.length} rules, node ${process.version}`);
for (const name of CORPORA) {
  const root = path.resolve(import.meta.dirname, '../../shared/corpus', name);
  const { migrations } = await discoverMigrations(await listDirectory(root));
  const baseline: number[] = [];
  const parseTimes: number[] = [];
  const lintTimes: number[] = [];
  let statements = 0;
  let findings = 0;
  for (let run = 0; run < RUNS; run++) {
    baseline.push(timed(() => migrations.forEach((m) => parseSql(m.up.sql))).ms);
    const result = parseAndLint(migrations);
    parseTimes.push(result.parseMs);
    lintTimes.push(result.lintMs);
    statements = result.parsed.reduce((n, p) => n + p.statements.length, 0);
    findings = result.findings;
  }
  const base = median(baseline);
  const parse = median(parseTimes);
  const rules = median(lintTimes);
  const total = parse + rules;
  console.log(`\n${name}: ${migrations.length} migrations, ${statements} statements, ${findings} findings`);
  console.log(`  baseline (bare libpg-query parse)  ${base.toFixed(1)} ms`);
  console.log(`  db-review parse (positions, comments, PL/pgSQL)  ${parse.toFixed(1)} ms  = ${(parse / base).toFixed(2)}x baseline`);
  console.log(`  db-review rules  ${rules.toFixed(1)} ms  = ${(rules / base).toFixed(2)}x baseline`);
  console.log(`  parse + lint  ${total.toFixed(1)} ms  = ${(total / base).toFixed(2)}x baseline, ${Math.round(statements / (total / 1000)).toLocaleString('en-US')} statements/s`);
}
console.log(`\npeak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
