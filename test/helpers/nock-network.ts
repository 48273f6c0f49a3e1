import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

type UnmatchedListener = (request: { method?: string; path?: string }) => void;

/**
 * The network only through nock in this test file (GitHub's and Anthropic's APIs): nothing
 * leaves the machine but loopback, and interceptors are cleared after each test.
 * `onUnmatched` hears of requests no interceptor answered.
 */
export function onlyThroughNock(onUnmatched?: UnmatchedListener): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
    if (onUnmatched) nock.emitter.on('no match', onUnmatched);
  });
  afterEach(() => {
    nock.cleanAll();
  });
  afterAll(() => {
    if (onUnmatched) nock.emitter.off('no match', onUnmatched);
    nock.enableNetConnect();
  });
}

export interface SentRequest {
  method: string;
  path: string;
  body?: unknown;
}

/**
 * GitHub through nock (as `onlyThroughNock`), recording every request an interceptor answered
 * (`sent`, with JSON bodies parsed) and every one none did.
 */
export function recordGitHub(defaultBase: string) {
  let sent: SentRequest[] = [];
  let unmatched: string[] = [];
  onlyThroughNock((request) => unmatched.push(`${request.method} ${request.path}`));
  return {
    get sent(): SentRequest[] {
      return sent;
    },
    /** A fresh scope at `base`; the record starts over. */
    scope(base = defaultBase): nock.Scope {
      sent = [];
      unmatched = [];
      const scope = nock(base);
      scope.on('request', (request: { method: string; path: string }, _interceptor: unknown, body: string) => {
        sent.push({ method: request.method, path: request.path.split('?')[0]!, ...(body ? { body: JSON.parse(body) } : {}) });
      });
      return scope;
    },
    expectAllAnswered(scope: nock.Scope): void {
      expect(unmatched).toEqual([]);
      expect(scope.pendingMocks()).toEqual([]);
    },
  };
}
