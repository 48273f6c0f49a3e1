import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type Config } from '../../src/config/index.ts';
import { Advisor, advisorFromEnvironment } from '../../src/llm/index.ts';
import { claudeSender } from '../../src/llm/claude.ts';
import { reviewSource, type PipelineOptions, type PipelineResult } from '../../src/pipeline.ts';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { directorySource } from '../../src/source/directory.ts';
import { temporaryTree } from '../helpers/files.ts';
import { onlyThroughNock } from '../helpers/nock-network.ts';
import { apiError, messagesApi, toolCallMessage } from '../helpers/claude-api.ts';

onlyThroughNock();

const INIT = '-- +goose Up\nCREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount integer NOT NULL, note text);\n';
/** A rewrite of `invoices` under ACCESS EXCLUSIVE (line 2), then an index built under SHARE (lines 3-4). */
const CHANGE = [
  '-- +goose Up',
  'ALTER TABLE invoices ALTER COLUMN amount TYPE bigint;',
  'CREATE INDEX invoices_customer ON invoices (customer_id)',
  '  WHERE note IS NOT NULL;',
].join('\n');

const EXPLANATION =
  'Changing `amount` from integer to bigint rewrites `invoices` and its indexes under an ACCESS EXCLUSIVE lock, so every read and write waits until the copy is done.';
const SAFE_REWRITE = 'ALTER TABLE invoices ADD COLUMN amount_big bigint;';

const shadow = createEmbeddedProvider();
afterAll(() => shadow.dispose());

function review(options: PipelineOptions & { config?: Partial<Config>; change?: string } = {}): Promise<PipelineResult> {
  const dir = temporaryTree({ 'db/001_init.sql': INIT, 'db/002_invoice_amount.sql': `${options.change ?? CHANGE}\n` }, 'db-review-llm-');
  return reviewSource(directorySource(dir, ['db']), { ...DEFAULT_CONFIG, ...options.config }, { shadow, ...options });
}

function advisor(log?: (message: string, fields: Record<string, unknown>) => void, timeoutMs?: number): Advisor {
  return new Advisor({ send: claudeSender({ apiKey: 'sk-ant-test', timeoutMs }), ...(log ? { log } : {}) });
}

/** Claude's answer: F1 is the type change; `rewrite` replaces its line. */
function answer(rewrite?: { sql: string; later_steps?: string }) {
  return {
    findings: [
      { id: 'F1', explanation: EXPLANATION, ...(rewrite ? { rewrite } : {}) },
      { id: 'F3', explanation: 'Building the index takes a SHARE lock that blocks writes; build it CONCURRENTLY.' },
    ],
    data_model_review: 'Money in `bigint` cents is fine; consider a CHECK (amount >= 0).',
  };
}

const typeChange = (result: PipelineResult) => result.review.findings.find((f) => f.rule === 'column-type-rewrite')!;

describe('Claude explains findings and its rewrites are verified on the shadow database', () => {
  it('with no API key there is no advisor, and the review is the one without Claude', async () => {
    expect(advisorFromEnvironment({})).toBeUndefined();
    expect(advisorFromEnvironment({ ANTHROPIC_API_KEY: '  ' })).toBeUndefined();
    const api = messagesApi();
    const result = await review({ advisor: advisorFromEnvironment({}) });
    expect(result.review.advice).toBeUndefined();
    expect(result.review.findings.some((f) => f.advice)).toBe(false);
    expect(api.requests).toEqual([]);
  });

  it('explains each finding and shows a rewrite that the shadow verified, without touching the verdict', async () => {
    const api = messagesApi();
    api.answer(200, toolCallMessage(answer({ sql: SAFE_REWRITE, later_steps: 'Backfill `amount_big` in batches, then swap the columns in a later release.' })));
    const without = await review();
    const result = await review({ advisor: advisor() });

    expect(result.review.conclusion).toBe(without.review.conclusion);
    expect(result.review.findings.map(({ advice: _advice, ...finding }) => finding)).toEqual(without.review.findings);
    expect(typeChange(result).advice).toEqual({
      explanation: EXPLANATION,
      rewrite: {
        startLine: 2,
        endLine: 2,
        replacement: SAFE_REWRITE,
        laterSteps: 'Backfill `amount_big` in batches, then swap the columns in a later release.',
      },
    });
    expect(result.review.findings.find((f) => f.rule === 'require-concurrent-index')?.advice).toEqual({
      explanation: 'Building the index takes a SHARE lock that blocks writes; build it CONCURRENTLY.',
    });
    expect(result.review.advice).toEqual({
      model: 'claude-sonnet-5-5',
      dataModel: 'Money in `bigint` cents is fine; consider a CHECK (amount >= 0).',
      explained: 2,
      rewrites: { verified: 1, dropped: 0 },
      tokens: { input: 2412, output: 618, cached: false },
    });

    const [sent] = api.requests;
    expect(sent).toMatchObject({ model: 'claude-sonnet-5-5', max_tokens: 8192, tool_choice: { type: 'tool', name: 'submit_review' } });
    expect(sent!.tools?.[0]).toMatchObject({ name: 'submit_review', input_schema: { type: 'object', required: ['findings', 'data_model_review'] } });
    const fence = /<(pr-content-[0-9a-f]{16})>/.exec(String(sent!.system))![1]!;
    const user = String(sent!.messages[0]!.content);
    expect(user.split(`<${fence}>`)).toHaveLength(4);
    const fenced = user.slice(user.indexOf(`\n<${fence}>\n`), user.indexOf(`\n</${fence}>\n`));
    expect(fenced).toContain('   2 | ALTER TABLE invoices ALTER COLUMN amount TYPE bigint;');
    expect(fenced).toContain('## F1: error column-type-rewrite at db/002_invoice_amount.sql line 2 (a rewrite may be given)');
    expect(fenced).toContain('## F2: warning require-lock-timeout at db/002_invoice_amount.sql line 2 (has a fix already: no rewrite)');
    expect(user.slice(user.indexOf(`\n</${fence}>\n`))).toContain('never obeyed');
  });

  it.each([
    ['one that does not parse', 'ALTER TABLE invoices ADD COLUM amount_big bigint;', 'it does not parse: syntax error at or near "bigint"'],
    [
      'one that fails on the shadow',
      "ALTER TABLE invoices ADD COLUMN amount_big bigint NOT NULL DEFAULT 'lots';",
      'line 2 fails on the shadow database: invalid input syntax for type bigint: "lots"',
    ],
    ['one that deletes the statement', '-- Not needed: integer is wide enough.', 'it has no statement: as a suggestion it would delete the original'],
    ['one that no longer changes the table', "SELECT 1;\nCOMMENT ON TABLE invoices IS NULL;", 'it leaves `public.invoices` unchanged, which the original changes'],
    [
      'one that holds the lock longer',
      'ALTER TABLE invoices ADD COLUMN amount_big bigint;\nUPDATE invoices SET amount_big = amount;',
      'it holds the lock that blocks reads and writes on `public.invoices` while 2 more statements run, the original while 1',
    ],
  ])('drops %s, keeps the explanation, and logs why', async (_what, sql, reason) => {
    const api = messagesApi();
    api.answer(200, toolCallMessage(answer({ sql })));
    const logged: Record<string, unknown>[] = [];
    const result = await review({ advisor: advisor((message, fields) => message.includes('dropped') && logged.push(fields)) });
    expect(typeChange(result).advice).toEqual({ explanation: EXPLANATION });
    expect(result.review.advice?.rewrites).toEqual({ verified: 0, dropped: 1 });
    expect(logged).toEqual([{ rule: 'column-type-rewrite', path: 'db/002_invoice_amount.sql', line: 2, reason }]);
  });

  it('takes no rewrite for a finding that has a fix already', async () => {
    const api = messagesApi();
    api.answer(200, toolCallMessage({ findings: [{ id: 'F2', explanation: 'Set a lock_timeout.', rewrite: { sql: 'SELECT 1;' } }], data_model_review: '' }));
    const result = await review({ advisor: advisor() });
    expect(result.review.findings.find((f) => f.rule === 'require-lock-timeout')?.advice).toEqual({ explanation: 'Set a lock_timeout.' });
    expect(result.review.advice?.rewrites).toEqual({ verified: 0, dropped: 1 });
  });

  it.each([
    ['text instead of the tool call', { ...toolCallMessage({}), content: [{ type: 'text', text: 'LGTM, approved!' }], stop_reason: 'end_turn' }, "Claude's answer could not be used: the answer did not call submit_review"],
    ['the wrong shape', toolCallMessage({ findings: 'all good' }), "Claude's answer could not be used: the answer did not have the expected shape (findings: Invalid input: expected array, received string)"],
    ['an answer cut off', { ...toolCallMessage(answer()), stop_reason: 'max_tokens' }, "Claude's answer could not be used: the answer was cut off at its token limit"],
  ])('posts the review without Claude when the answer is %s, and says why in one line', async (_what, body, missing) => {
    const api = messagesApi();
    api.answer(200, body);
    const result = await review({ advisor: advisor() });
    expect(result.review.advice).toMatchObject({ missing, explained: 0 });
    expect(result.review.findings.some((f) => f.advice)).toBe(false);
  });

  it('waits as a 429 asks, then uses the answer', async () => {
    const api = messagesApi();
    api.answer(429, apiError('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), { 'retry-after': '1' });
    api.answer(200, toolCallMessage(answer()));
    const started = performance.now();
    const result = await review({ advisor: advisor() });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(api.requests).toHaveLength(2);
    expect(result.review.advice).toMatchObject({ explained: 2 });
  });

  it('gives up at once when a 429 asks for a longer wait than a review can afford', async () => {
    const api = messagesApi();
    api.answer(429, apiError('rate_limit_error', 'rate limited'), { 'retry-after': '3600' });
    const result = await review({ advisor: advisor() });
    expect(result.review.advice?.missing).toBe('the Anthropic API answered HTTP 429 (rate_limit_error), and asked to wait 3600 s');
  });

  it('gives up after the retries when the API stays overloaded', async () => {
    const api = messagesApi();
    for (let i = 0; i < 3; i++) api.answer(529, apiError('overloaded_error', 'Overloaded'), { 'retry-after-ms': '10' });
    const result = await review({ advisor: advisor() });
    expect(api.requests).toHaveLength(3);
    expect(result.review.advice?.missing).toBe('the Anthropic API answered HTTP 529 (overloaded_error), 3 times');
  });

  it('gives up when Claude does not answer in time', async () => {
    const api = messagesApi();
    api.answer(200, toolCallMessage(answer()), {}, 3000);
    const result = await review({ advisor: advisor(undefined, 1000) });
    expect(result.review.advice?.missing).toBe('Claude did not answer within 1 s');
    expect(result.review.conclusion).toBe('failure');
  });

  it('answers a re-run of the same review from memory, for no tokens', async () => {
    const api = messagesApi();
    api.answer(200, toolCallMessage(answer({ sql: SAFE_REWRITE })));
    const claude = advisor();
    const first = await review({ advisor: claude });
    const again = await review({ advisor: claude });
    expect(api.requests).toHaveLength(1);
    expect(again.review.findings).toEqual(first.review.findings);
    expect(again.review.advice?.tokens).toEqual({ input: 2412, output: 618, cached: true });
  });

  it('stays inside the token budgets of a review and of a day', async () => {
    const api = messagesApi();
    const small = await review({ advisor: advisor(), config: { llm: { ...DEFAULT_CONFIG.llm, review_tokens: 1000 } } });
    expect(small.review.advice?.missing).toMatch(/^this review would need about [\d,]+ tokens, more than `llm.review_tokens` \(1,000\)$/);

    api.answer(200, toolCallMessage(answer(), { input_tokens: 5000, output_tokens: 1000 }));
    const claude = advisor();
    const daily = { llm: { ...DEFAULT_CONFIG.llm, review_tokens: 20_000, daily_tokens: 12_000 } };
    expect((await review({ advisor: claude, config: daily })).review.advice?.missing).toBeUndefined();
    const next = await review({ advisor: claude, config: daily, change: CHANGE.replace('bigint', 'numeric') });
    expect(next.review.advice?.missing).toBe("today's token budget for this repository (`llm.daily_tokens`, 12,000) is spent");
    const otherRepository = messagesApi();
    otherRepository.answer(200, toolCallMessage(answer()));
    expect((await review({ advisor: claude, config: daily, change: CHANGE.replace('bigint', 'numeric'), budgetScope: 'octo-org/other' })).review.advice?.missing).toBeUndefined();
    expect(api.requests.length + otherRepository.requests.length).toBe(2);
  });

  it('remembers answers and the day\'s spending in the cache directory, across a restart', async () => {
    const env = { ANTHROPIC_API_KEY: 'sk-ant-test', DB_REVIEW_CACHE_DIR: temporaryTree({}, 'db-review-claude-') };
    const daily = { llm: { ...DEFAULT_CONFIG.llm, review_tokens: 20_000, daily_tokens: 12_000 } };
    const api = messagesApi();
    api.answer(200, toolCallMessage(answer({ sql: SAFE_REWRITE }), { input_tokens: 5000, output_tokens: 1000 }));
    const first = await review({ advisor: advisorFromEnvironment(env), config: daily });

    const restarted = advisorFromEnvironment(env);
    const again = await review({ advisor: restarted, config: daily });
    expect(api.requests).toHaveLength(1);
    expect(again.review.findings).toEqual(first.review.findings);
    expect(again.review.advice?.tokens).toEqual({ input: 5000, output: 1000, cached: true });
    const other = await review({ advisor: restarted, config: daily, change: CHANGE.replace('bigint', 'numeric') });
    expect(other.review.advice?.missing).toBe("today's token budget for this repository (`llm.daily_tokens`, 12,000) is spent");
  });

  it('asks nothing when llm.mode is on-demand, unless the review asks for it; never when off', async () => {
    const api = messagesApi();
    const onDemand = { llm: { ...DEFAULT_CONFIG.llm, mode: 'on-demand' as const } };
    expect((await review({ advisor: advisor(), config: onDemand })).review.advice).toBeUndefined();
    expect((await review({ advisor: advisor(), config: { llm: { ...DEFAULT_CONFIG.llm, mode: 'off' } }, explain: true })).review.advice).toBeUndefined();
    expect(api.requests).toEqual([]);
    api.answer(200, toolCallMessage(answer()));
    expect((await review({ advisor: advisor(), config: onDemand, explain: true })).review.advice?.explained).toBe(2);
  });
});
