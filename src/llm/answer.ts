import type { Message, Tool } from '@anthropic-ai/sdk/resources/messages/messages';
import * as z from 'zod';

export const ANSWER_TOOL = 'submit_review';

/** The one shape Claude may answer in: checked on receipt, as the model's output is untrusted. */
const answerSchema = z.object({
  findings: z
    .array(
      z.object({
        id: z.string().describe('The finding\'s id as given: "F1", "F2", ...'),
        explanation: z.string().min(1).max(6000).describe('Two to five sentences: what PostgreSQL does, who waits and how long, the safe way.'),
        rewrite: z
          .object({
            sql: z.string().min(1).max(40_000).describe("SQL replacing exactly the lines of the finding's statement: complete statements, each ending with a semicolon."),
            later_steps: z.string().max(6000).optional().describe('What must follow in later deployments (backfill, contract), in prose.'),
          })
          .optional()
          .describe('Only where a safer migration exists and the finding has no fix yet.'),
      }),
    )
    .max(500),
  data_model_review: z.string().max(20_000).describe('A short review of the data model change, as advice; may be empty.'),
});

export type Answer = z.infer<typeof answerSchema>;

const { $schema: _dialect, ...inputSchema } = z.toJSONSchema(answerSchema) as Record<string, unknown>;

export const ANSWER_TOOL_DEFINITION: Tool = {
  name: ANSWER_TOOL,
  description: 'Submit the review: an explanation (and, where one exists, a rewrite) per finding, and an overall review of the data model change.',
  input_schema: inputSchema as Tool['input_schema'],
};

export type AnswerReading = { ok: true; answer: Answer } | { ok: false; problem: string };

/** `input` as an answer, if it has the answer's shape. */
export function asAnswer(input: unknown): Answer | undefined {
  const parsed = answerSchema.safeParse(input);
  return parsed.success ? parsed.data : undefined;
}

/** The tool call's input, if the message holds one of the right shape; otherwise what is wrong with it. */
export function readAnswer(message: Pick<Message, 'content' | 'stop_reason'>): AnswerReading {
  if (message.stop_reason === 'max_tokens') return { ok: false, problem: 'the answer was cut off at its token limit' };
  const call = message.content.find((block) => block.type === 'tool_use' && block.name === ANSWER_TOOL);
  if (!call || call.type !== 'tool_use') return { ok: false, problem: `the answer did not call ${ANSWER_TOOL}` };
  const parsed = answerSchema.safeParse(call.input);
  if (parsed.success) return { ok: true, answer: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: `the answer did not have the expected shape (${issue ? `${issue.path.join('.') || 'input'}: ${issue.message}` : 'unknown'})` };
}
