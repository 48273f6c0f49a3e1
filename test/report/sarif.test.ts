import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import type { Log } from 'sarif';
import { describe, expect, it } from 'vitest';
import { formatSarif, toSarifLog } from '../../src/report/index.ts';
import { toArtifactUri } from '../../src/report/sarif.ts';
import { FIX_SQL, makeReview, OPTIONS } from './fixture.ts';

const require = createRequire(import.meta.url);

/**
 * The OASIS SARIF 2.1.0 schema (final "rtm.5" revision, JSON Schema draft-04), as shipped by
 * Microsoft's @microsoft/jest-sarif. Validated with Ajv 6, which supports draft-04 natively,
 * including the "uri", "uri-reference" and "date-time" formats the schema uses.
 */
function sarifValidator() {
  const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ schemaId: 'id', meta: false, allErrors: true, format: 'full', unknownFormats: true });
  ajv.addMetaSchema(JSON.parse(readFileSync(require.resolve('ajv/lib/refs/json-schema-draft-04.json'), 'utf8')));
  return ajv.compile(schema);
}

const validate = sarifValidator();

function errorsOf(log: unknown): string[] {
  return validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.dataPath} ${e.message ?? ''}`);
}

describe('formatSarif', () => {
  it('validates against the official SARIF 2.1.0 schema', () => {
    const log: unknown = JSON.parse(formatSarif(makeReview(), OPTIONS));
    expect(errorsOf(log)).toEqual([]);
  });

  it('validates when there are no findings', () => {
    const log: unknown = JSON.parse(formatSarif(makeReview({ findings: [] }), OPTIONS));
    expect(errorsOf(log)).toEqual([]);
  });

  it('is checked by a schema that does reject a broken log', () => {
    const log = JSON.parse(formatSarif(makeReview(), OPTIONS)) as Log;
    const broken = structuredClone(log) as unknown as { runs: Array<{ results: Array<{ level: string }> }> };
    broken.runs[0]!.results[0]!.level = 'notice';
    expect(errorsOf(broken).length).toBeGreaterThan(0);
    const noVersion = { ...log, version: '2.0.0' };
    expect(errorsOf(noVersion).length).toBeGreaterThan(0);
    const badRegion = structuredClone(log);
    badRegion.runs[0]!.results![0]!.locations![0]!.physicalLocation!.region!.startLine = 0;
    expect(errorsOf(badRegion).length).toBeGreaterThan(0);
  });

  it('describes the tool and every rule that has a finding', () => {
    const log = toSarifLog(makeReview(), OPTIONS);
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const driver = log.runs[0]!.tool.driver;
    expect(driver.name).toBe('db-review');
    expect(driver.version).toBe('0.1.0');
    expect(driver.informationUri).toBe('https://github.com/db-review/db-review');
    expect(driver.rules).toStrictEqual([
      {
        id: 'column-type-rewrite',
        shortDescription: { text: 'ALTER COLUMN TYPE that rewrites the table' },
        helpUri: 'https://github.com/db-review/db-review/blob/main/docs/rules/column-type-rewrite.md',
        defaultConfiguration: { level: 'error' },
      },
      {
        id: 'llm-review',
        shortDescription: { text: 'llm-review' },
        defaultConfiguration: { level: 'warning' },
      },
      {
        id: 'prefer-identity',
        shortDescription: { text: 'serial instead of an identity column' },
        defaultConfiguration: { level: 'note' },
      },
      {
        id: 'require-concurrent-index',
        shortDescription: { text: 'CREATE INDEX without CONCURRENTLY on an existing table' },
        helpUri: 'https://github.com/db-review/db-review/blob/main/docs/rules/require-concurrent-index.md',
        defaultConfiguration: { level: 'error' },
      },
      {
        id: 'require-lock-timeout',
        shortDescription: { text: 'Locking DDL without lock_timeout' },
        defaultConfiguration: { level: 'warning' },
      },
    ]);
  });

  it('maps findings to results with rule indexes, levels, and regions', () => {
    const run = toSarifLog(makeReview(), OPTIONS).runs[0]!;
    const rules = run.tool.driver.rules!;
    const results = run.results!;
    expect(results.map((r) => [r.ruleId, r.ruleIndex, r.level])).toEqual([
      ['llm-review', 1, 'warning'],
      ['prefer-identity', 2, 'note'],
      ['require-lock-timeout', 4, 'warning'],
      ['column-type-rewrite', 0, 'error'],
      ['require-concurrent-index', 3, 'error'],
    ]);
    for (const r of results) expect(rules[r.ruleIndex!]!.id).toBe(r.ruleId);

    expect(results[1]).toStrictEqual({
      ruleId: 'prefer-identity',
      ruleIndex: 2,
      level: 'note',
      message: { text: 'serial | bigserial: prefer\nGENERATED ALWAYS AS IDENTITY' },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'migrations/001_init.sql', uriBaseId: '%SRCROOT%' },
            region: { startLine: 12, startColumn: 5, endLine: 14 },
          },
        },
      ],
    });
    expect(results.filter((r) => r.fixes !== undefined)).toHaveLength(1);
  });

  it('turns a fix into a whole-line replacement', () => {
    const result = toSarifLog(makeReview(), OPTIONS).runs[0]!.results![4]!;
    expect(result.ruleId).toBe('require-concurrent-index');
    expect(result.fixes).toStrictEqual([
      {
        description: { text: 'Replace line 3' },
        artifactChanges: [
          {
            artifactLocation: { uri: 'migrations/002_invoice_amount.sql', uriBaseId: '%SRCROOT%' },
            replacements: [
              {
                deletedRegion: { startLine: 3, endLine: 3 },
                insertedContent: { text: FIX_SQL.slice(0, -1) },
              },
            ],
          },
        ],
      },
    ]);
  });

  it('prints pretty JSON ending in a newline', () => {
    const out = formatSarif(makeReview(), OPTIONS);
    expect(out.startsWith('{\n  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",\n  "version": "2.1.0",\n')).toBe(true);
    expect(out.endsWith('\n}\n')).toBe(true);
  });
});

describe('toArtifactUri', () => {
  it('makes a relative URI reference', () => {
    expect(toArtifactUri('migrations/001_init.sql')).toBe('migrations/001_init.sql');
    expect(toArtifactUri('./db\\migrations/a b#1.sql')).toBe('db/migrations/a%20b%231.sql');
  });

  it('keeps odd paths valid SARIF', () => {
    const review = makeReview({
      findings: [{ rule: 'r', severity: 'error', path: './db/my migrations/[x] 1%.sql', line: 1, message: 'm', source: 'rule' }],
    });
    const log = toSarifLog(review, OPTIONS);
    expect(log.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe(
      'db/my%20migrations/%5Bx%5D%201%25.sql',
    );
    expect(errorsOf(log)).toEqual([]);
  });
});
