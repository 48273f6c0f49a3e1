/**
 * The Anthropic Messages API through nock, answering in the API's own shapes: a message whose
 * content is one `tool_use` block, and the error bodies the API sends.
 */
import nock from 'nock';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';

export const ANTHROPIC = 'https://api.anthropic.com';

/** A Messages API response that calls the review tool with `input`. */
export function toolCallMessage(input: unknown, usage = { input_tokens: 2412, output_tokens: 618 }, model = 'claude-sonnet-5-5') {
  return {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'submit_review', input }],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard' },
  };
}

/** The API's error body, as it sends it with a 4xx or 5xx. */
export function apiError(type: string, message: string) {
  return { type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' };
}

/** Records the bodies of the Messages API requests answered by interceptors set up with `answer`. */
export function messagesApi() {
  const requests: MessageCreateParamsNonStreaming[] = [];
  return {
    requests,
    /** The next request is answered with `status` and `body` (and `headers`). */
    answer(status: number, body: unknown, headers: Record<string, string> = {}, delayMs = 0): void {
      nock(ANTHROPIC)
        .post('/v1/messages', (sent: MessageCreateParamsNonStreaming) => {
          requests.push(sent);
          return true;
        })
        .delay(delayMs)
        .reply(status, body as nock.Body, { 'content-type': 'application/json', ...headers });
    },
  };
}
