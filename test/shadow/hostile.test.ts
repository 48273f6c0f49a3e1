import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/index.ts';
import { reviewSource } from '../../src/pipeline.ts';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { DEFAULT_LIMITS } from '../../src/shadow/provider.ts';
import { directorySource } from '../../src/source/directory.ts';

const HOSTILE = path.resolve(import.meta.dirname, '../fixtures/hostile');
/** Not refusable from the parse tree: the time limit must contain them. */
const RUNAWAY = ['endless-loop.sql', 'pg-sleep.sql'];
/** Not refusable either, and it spills to disk: the temporary-file limit stops it first. */
const DISK_FILLER = 'generate-series-billion.sql';

const provider = createEmbeddedProvider({ extensions: DEFAULT_CONFIG.shadow.extensions });
afterAll(() => provider.dispose());

function review(files: string[], statementMs: number) {
  const source = {
    ...directorySource(HOSTILE, ['.']),
    files: async () => (await directorySource(HOSTILE, ['.']).files()).filter((f) => files.includes(f.path)),
  };
  return reviewSource(source, { ...DEFAULT_CONFIG, migrations: { ...DEFAULT_CONFIG.migrations, framework: 'plain' } }, {
    shadow: provider,
    limits: { ...DEFAULT_LIMITS, statementMs, reviewMs: 60_000 },
  });
}

describe('the hostile corpus, reviewed end to end on the embedded shadow', () => {
  it('refuses every attack the parse tree shows, completes the review, and touches nothing on the host', async () => {
    const files = readdirSync(HOSTILE).filter((f) => f.endsWith('.sql') && !RUNAWAY.includes(f) && f !== DISK_FILLER);
    const rssBefore = process.memoryUsage().rss;
    const result = await review(files, 5_000);
    const refused = new Set(result.review.findings.filter((f) => f.rule === 'shadow-refused').map((f) => f.path));
    // Allowed on purpose (see the guard's decisions): they reach nothing outside the shadow.
    const harmless = ['copy-from-stdin.sql', 'execute-dynamic.sql', 'pg-stat-activity.sql', 'pg-stat-statements.sql'];
    expect(files.filter((f) => !refused.has(f) && !harmless.includes(f))).toEqual([]);
    expect(result.review.findings.filter((f) => f.rule === 'shadow-timeout')).toEqual([]);
    for (const marker of ['/tmp/db-review-pwned', '/var/lib/postgresql/.ssh/authorized_keys']) expect(existsSync(marker)).toBe(false);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(600 * 1024 * 1024);
  }, 120_000);

  it.each(RUNAWAY)('stops %s at the time limit with a clear finding, and the review completes', async (file) => {
    const started = Date.now();
    const result = await review([file], 1_500);
    expect(result.review.findings).toContainEqual(expect.objectContaining({ rule: 'shadow-timeout', severity: 'error', path: file, line: 1 }));
    expect(result.review.conclusion).toBe('failure');
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it(`stops ${DISK_FILLER} at the temporary-file limit, long before the time limit`, async () => {
    const started = Date.now();
    const result = await review([DISK_FILLER], 50_000);
    expect(result.review.findings).toEqual([
      expect.objectContaining({
        rule: 'shadow-failed',
        severity: 'error',
        path: DISK_FILLER,
        line: 1,
        message: expect.stringContaining('temporary file size exceeds "temp_file_limit"'),
      }),
    ]);
    expect(result.review.conclusion).toBe('failure');
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
