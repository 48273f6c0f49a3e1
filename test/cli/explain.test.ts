import { describe, expect, it } from 'vitest';
import { temporaryTree } from '../helpers/files.ts';
import { messagesApi, toolCallMessage } from '../helpers/claude-api.ts';
import { onlyThroughNock } from '../helpers/nock-network.ts';
import { runCli } from './helpers.ts';

onlyThroughNock();

const FILES = {
  '.github/db-review.yml': 'llm:\n  mode: on-demand\n',
  'db/1_invoices.sql': 'CREATE TABLE invoices (id bigint PRIMARY KEY, amount integer NOT NULL);\n',
  'db/2_amount.sql': 'ALTER TABLE invoices ALTER COLUMN amount TYPE bigint;\n',
};
const EXPLANATION = 'Changing `amount` to bigint rewrites `invoices` under ACCESS EXCLUSIVE: reads and writes wait for the copy.';

describe('db-review check --explain, with ANTHROPIC_API_KEY set', () => {
  it("prints Claude's explanation and its verified rewrite under the finding; the exit code stays the rules'", async () => {
    const dir = temporaryTree(FILES, 'db-review-explain-');
    const env = { ANTHROPIC_API_KEY: 'sk-ant-test', DB_REVIEW_CACHE_DIR: temporaryTree({}, 'db-review-explain-cache-') };
    const api = messagesApi();

    const onDemand = await runCli(['check', 'db'], dir, env);
    expect(api.requests).toEqual([]);
    expect(onDemand.stdout).not.toContain('Claude');

    api.answer(200, toolCallMessage({
      findings: [{ id: 'F1', explanation: EXPLANATION, rewrite: { sql: 'ALTER TABLE invoices ADD COLUMN amount_big bigint;', later_steps: 'Backfill `amount_big` in batches, then swap the columns.' } }],
      data_model_review: '',
    }));
    const explained = await runCli(['check', 'db', '--explain'], dir, env);
    expect(api.requests).toHaveLength(1);
    expect(explained.code).toBe(onDemand.code);
    expect(explained.code).toBe(1);
    expect(explained.stdout).toMatch(
      new RegExp(
        [
          '  1:1  error    column-type-rewrite .*',
          `       Claude: ${EXPLANATION.replace(/[`.*]/g, '\\$&')}`,
          '       Rewrite of line 1, verified on the shadow database:',
          '         ALTER TABLE invoices ADD COLUMN amount_big bigint;',
          '       Later steps: Backfill `amount_big` in batches, then swap the columns\\.',
        ].join('\n'),
      ),
    );
    expect(explained.stdout).toContain("Claude (claude-sonnet-5-5), advice only: the verdict comes from db-review's rules. 1 finding explained under the findings. 1 rewrite verified on the shadow database and suggested.\n");

    const again = await runCli(['check', 'db', '--explain'], dir, env);
    expect(api.requests).toHaveLength(1);
    const withoutElapsed = (stdout: string): string => stdout.replace(/\d+\.\d s\)\n$/, '');
    expect(withoutElapsed(again.stdout)).toBe(withoutElapsed(explained.stdout));
  });
});
