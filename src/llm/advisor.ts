import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import type { Config } from '../config/index.ts';
import type { Finding, FindingAdvice } from '../findings.ts';
import type { ParsedMigration } from '../lint/engine.ts';
import type { Review, ReviewAdvice } from '../review-types.ts';
import { readAnswer, type Answer } from './answer.ts';
import { ClaudeUnavailable, type SendMessage } from './claude.ts';
import { memoryInProcess, type AdviceMemory } from './memory.ts';
import { explanationRequest, estimatedInputTokens, requestKey } from './request.ts';
import { reviewInput, type MigrationText, type NumberedFinding } from './review-input.ts';
import { sanitizeProse, sanitizeRewrite } from './sanitize.ts';
import { verifyRewrite, type RewriteCheck } from './verify-rewrite.ts';

export interface AdviceRequest {
  review: Review;
  /** Every migration in order, the base's and the reviewed ones. */
  migrations: readonly ParsedMigration[];
  llm: Config['llm'];
  /** Whose daily budget the call spends: the repository. */
  scope: string;
  /** Absent without a shadow database: then no rewrite can be verified, and none is shown. */
  verification?: RewriteCheck;
}

export interface AdvisorOptions {
  send: SendMessage;
  /** Where answers and spending are remembered; this process's memory without it. */
  memory?: AdviceMemory;
  /** Told of each rewrite dropped and each call made. */
  log?: (message: string, fields: Record<string, unknown>) => void;
  now?: () => Date;
}

const EXPLANATION_CHARS = 1500;
const LATER_STEPS_CHARS = 1000;
const DATA_MODEL_CHARS = 4000;
const REWRITE_CHARS = 8000;
/** Each rewrite costs a replay on the shadow database. */
const MAX_REWRITES = 5;
/**
 * Claude's part of a review: one call per review, answered from memory when the same request
 * was made before (a re-run on the same commit costs nothing), kept inside the per-review and
 * per-day token budgets. Whatever goes wrong, the review comes back whole, with one line saying
 * why Claude's part is missing. The conclusion and the findings' severities are never touched.
 */
export class Advisor {
  private readonly memory: AdviceMemory;

  constructor(private readonly options: AdvisorOptions) {
    this.memory = options.memory ?? memoryInProcess();
  }

  async advise(request: AdviceRequest): Promise<Review> {
    const { review, llm } = request;
    if (review.conclusion === 'neutral') return review;
    const input = reviewInput(review, migrationTexts(request.migrations));
    const settings = { model: llm.model, postgresVersion: review.postgresVersion, maxOutputTokens: Math.min(8192, Math.floor(llm.review_tokens / 4)) };
    const params = explanationRequest(input.document, settings);
    const estimate = estimatedInputTokens(params);
    const missing = (why: string, tokens = { input: 0, output: 0 }): Review =>
      withAdvice(review, new Map(), { model: llm.model, missing: why, dataModel: '', explained: 0, rewrites: { verified: 0, dropped: 0 }, tokens: { ...tokens, cached: false } });
    if (estimate + settings.maxOutputTokens > llm.review_tokens) {
      return missing(`this review would need about ${thousands(estimate + settings.maxOutputTokens)} tokens, more than \`llm.review_tokens\` (${thousands(llm.review_tokens)})`);
    }
    const key = requestKey(input.document, settings);
    let answered = await this.memory.answer(key);
    const cached = answered !== undefined;
    if (!answered) {
      const day = (this.options.now?.() ?? new Date()).toISOString().slice(0, 10);
      const spentToday = await this.memory.spent(request.scope, day);
      if (spentToday + estimate + settings.maxOutputTokens > llm.daily_tokens) {
        return missing(`today's token budget for this repository (\`llm.daily_tokens\`, ${thousands(llm.daily_tokens)}) is spent`);
      }
      let message: Message;
      try {
        message = await this.options.send(params);
      } catch (error) {
        if (error instanceof ClaudeUnavailable) return missing(error.message);
        throw error;
      }
      const tokens = { input: message.usage.input_tokens, output: message.usage.output_tokens };
      await this.memory.spend(request.scope, day, tokens.input + tokens.output);
      this.options.log?.('db-review asked Claude', { model: llm.model, ...tokens });
      const reading = readAnswer(message);
      if (!reading.ok) return missing(`Claude's answer could not be used: ${reading.problem}`, tokens);
      answered = { answer: reading.answer, ...tokens };
      await this.memory.remember(key, answered);
    }
    const { advice, verified, dropped } = await this.applyAnswer(answered.answer, input.findings, request.verification);
    return withAdvice(review, advice, {
      model: llm.model,
      dataModel: sanitizeProse(answered.answer.data_model_review, DATA_MODEL_CHARS),
      explained: advice.size,
      rewrites: { verified, dropped },
      tokens: { input: answered.input, output: answered.output, cached },
    });
  }

  private async applyAnswer(answer: Answer, findings: NumberedFinding[], verification: RewriteCheck | undefined) {
    const byId = new Map(findings.map((numbered) => [numbered.id, numbered]));
    const advice = new Map<Finding, FindingAdvice>();
    let verified = 0;
    let dropped = 0;
    for (const item of answer.findings) {
      const numbered = byId.get(item.id);
      const explanation = sanitizeProse(item.explanation, EXPLANATION_CHARS);
      if (!numbered || advice.has(numbered.finding) || explanation === '') continue;
      const entry: FindingAdvice = { explanation };
      advice.set(numbered.finding, entry);
      if (!item.rewrite) continue;
      const refusal = !numbered.mayRewrite
        ? 'rewrites are not taken for this finding'
        : !verification
          ? 'no shadow database to verify it on'
          : verified + dropped >= MAX_REWRITES
            ? `more than ${MAX_REWRITES} rewrites in one review`
            : item.rewrite.sql.length > REWRITE_CHARS
              ? 'it is too long to suggest'
              : undefined;
      const verdict = refusal ? { verified: false as const, reason: refusal } : await verifyRewrite(numbered.finding, sanitizeRewrite(item.rewrite.sql), verification!);
      if (!verdict.verified) {
        dropped++;
        this.options.log?.('db-review dropped a rewrite', { rule: numbered.finding.rule, path: numbered.finding.path, line: numbered.finding.line, reason: verdict.reason });
        continue;
      }
      verified++;
      const laterSteps = item.rewrite.later_steps ? sanitizeProse(item.rewrite.later_steps, LATER_STEPS_CHARS) : '';
      entry.rewrite = { ...verdict.fix, ...(laterSteps ? { laterSteps } : {}) };
    }
    return { advice, verified, dropped };
  }
}

function migrationTexts(migrations: readonly ParsedMigration[]): MigrationText[] {
  return migrations
    .filter((m) => m.reviewed)
    .map(({ migration }) => ({ path: migration.path, transaction: TRANSACTION_WORDS[migration.transaction], sql: migration.up.sql, startLine: migration.up.startLine }));
}

const TRANSACTION_WORDS: Record<ParsedMigration['migration']['transaction'], string> = {
  'per-file': 'the runner wraps the file in one transaction',
  implicit: 'sent as one multi-statement query: one implicit transaction, none for a single statement',
  'per-statement': 'each statement commits on its own',
};

function withAdvice(review: Review, advice: ReadonlyMap<Finding, FindingAdvice>, summary: ReviewAdvice): Review {
  const findings = review.findings.map((finding) => {
    const given = advice.get(finding);
    return given ? { ...finding, advice: given } : finding;
  });
  return { ...review, findings, advice: summary };
}

function thousands(n: number): string {
  return n.toLocaleString('en-US');
}
