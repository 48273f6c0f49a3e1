/**
 * A pull request that adds a goose migration to a repository, reviewed by the real pipeline, and
 * what the publishing tests need around it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { rulesMeta } from '../../src/report/meta.ts';
import { DEFAULT_CONFIG } from '../../src/config/index.ts';
import type { Finding, Severity } from '../../src/findings.ts';
import { reviewSource, type PipelineOptions, type PipelineResult } from '../../src/pipeline.ts';
import type { ReportOptions } from '../../src/report/types.ts';
import type { ShadowProvider } from '../../src/shadow/provider.ts';
import { directorySource } from '../../src/source/directory.ts';

export const REPORT: ReportOptions = { color: false, toolVersion: '0.1.0', rulesMeta: rulesMeta() };
export const BOT = 'db-review[bot]';
export const RULES_DOC = 'https://github.com/db-review/db-review/blob/main/docs/rules.md';

export const INIT = 'db/001_init.sql';
export const CHANGE = 'db/002_invoice_amount.sql';

/** The migration the pull request adds: a rewrite, then an index whose fix holds a ``` run. */
export const CHANGE_SQL = [
  '-- +goose Up',
  'ALTER TABLE invoices ALTER COLUMN amount TYPE bigint;',
  'CREATE INDEX invoices_customer ON invoices (customer_id)',
  "  WHERE note <> '```';",
].join('\n');

const FILES: Record<string, string> = {
  [INIT]: '-- +goose Up\nCREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount integer NOT NULL, note text);\n',
  [CHANGE]: `${CHANGE_SQL}\n`,
};

/** The diff of a file the pull request adds whole. */
export function addedPatch(text: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((line) => `+${line}`)].join('\n');
}

/** The pull request's patches: it adds the change migration. */
export const PATCHES = new Map([[CHANGE, addedPatch(CHANGE_SQL)]]);

/** The repository's migrations reviewed as the CLI reviews a directory, on `shadow` when given. */
export async function reviewFixture(shadow?: ShadowProvider, options: PipelineOptions = {}): Promise<PipelineResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'db-review-github-'));
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return reviewSource(directorySource(dir, ['db']), DEFAULT_CONFIG, shadow ? { ...options, shadow } : options);
}

/** A pipeline result holding `findings`, for the volume tests. */
export function resultWith(findings: Finding[], base?: PipelineResult): PipelineResult {
  const counts: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  for (const finding of findings) counts[finding.severity]++;
  const review = base?.review ?? {
    failOn: 'error' as const,
    migrations: [{ id: '002_invoice_amount', path: CHANGE, framework: 'goose' as const, statements: 2 }],
    queries: [],
    postgresVersion: 16,
  };
  const conclusion = counts.error > 0 ? ('failure' as const) : ('success' as const);
  return { framework: 'goose', notes: [], ...base, review: { ...review, findings, counts, conclusion } };
}

/** `count` findings on consecutive lines of the change migration, the severities in turn. */
export function manyFindings(count: number, messageLength = 60): Finding[] {
  const severities: Severity[] = ['error', 'warning', 'notice'];
  return Array.from({ length: count }, (_, i) => ({
    rule: 'require-concurrent-index',
    severity: severities[i % 3]!,
    path: CHANGE,
    line: i + 1,
    message: `Finding ${i + 1}: ${'x'.repeat(messageLength)}`,
    source: 'rule' as const,
  }));
}

/** Records the JSON body of each request the interceptor answers, replying `reply`. */
export function recordBodies(interceptor: nock.Interceptor, reply: object = {}): unknown[] {
  const bodies: unknown[] = [];
  interceptor.reply(200, (_uri, body) => {
    bodies.push(typeof body === 'string' ? JSON.parse(body) : body);
    return reply;
  });
  return bodies;
}
