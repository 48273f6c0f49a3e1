import Anthropic, { APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { setTimeout as sleep } from 'node:timers/promises';

/** Sends one Messages API request; throws `ClaudeUnavailable` with a one-line reason. */
export type SendMessage = (request: MessageCreateParamsNonStreaming) => Promise<Message>;

export interface ClaudeOptions {
  apiKey: string;
  /** The API's address (tests, proxies); the SDK's default otherwise. */
  baseURL?: string;
  /** How long one attempt may take. */
  timeoutMs?: number;
  /** Retries after a 429, 5xx or 529, each after the wait the API asks for. */
  retries?: number;
  /** The longest wait a `retry-after` may ask for; a longer one gives up at once. */
  maxWaitMs?: number;
}

export class ClaudeUnavailable extends Error {}

const DEFAULTS = { timeoutMs: 60_000, retries: 2, maxWaitMs: 20_000 };

/**
 * The Messages API through the SDK, with our own retries: the SDK's would wait as long as a
 * `retry-after` says, and a review must not hang for an hour on a rate limit.
 */
export function claudeSender(options: ClaudeOptions): SendMessage {
  const { timeoutMs, retries, maxWaitMs } = { ...DEFAULTS, ...definedOnly(options) };
  const client = new Anthropic({ apiKey: options.apiKey, baseURL: options.baseURL, timeout: timeoutMs, maxRetries: 0 });
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await client.messages.create(request);
      } catch (error) {
        const retry = retryOf(error, timeoutMs);
        if (retry.wait === undefined) throw new ClaudeUnavailable(retry.reason);
        if (attempt >= retries) throw new ClaudeUnavailable(`${retry.reason}, ${attempt + 1} times`);
        if (retry.wait > maxWaitMs) throw new ClaudeUnavailable(`${retry.reason}, and asked to wait ${Math.ceil(retry.wait / 1000)} s`);
        await sleep(retry.wait);
      }
    }
  };
}

/** Why the attempt failed, and how long to wait before the next (none: do not retry). */
function retryOf(error: unknown, timeoutMs: number): { reason: string; wait?: number } {
  if (error instanceof APIConnectionTimeoutError) return { reason: `Claude did not answer within ${Math.round(timeoutMs / 1000)} s` };
  if (error instanceof APIError && error.status !== undefined) {
    const reason = `the Anthropic API answered HTTP ${error.status}${apiErrorType(error)}`;
    const retryable = error.status === 429 || error.status === 408 || error.status >= 500;
    return retryable ? { reason, wait: waitAskedFor(error.headers) ?? 1000 } : { reason };
  }
  if (error instanceof APIError) return { reason: `the Anthropic API could not be reached (${error.message})` };
  return { reason: `the request to Claude failed (${error instanceof Error ? error.message : String(error)})` };
}

function apiErrorType(error: APIError): string {
  const type = (error.error as { error?: { type?: unknown } } | undefined)?.error?.type;
  return typeof type === 'string' && /^[a-z_]{1,40}$/.test(type) ? ` (${type})` : '';
}

/** `retry-after-ms`, or `retry-after` in seconds or as a date. */
function waitAskedFor(headers: Headers | undefined): number | undefined {
  const millis = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(millis) && millis >= 0) return millis;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
