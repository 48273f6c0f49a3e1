/**
 * GitHub's REST API on loopback, for one repository: what db-review asks while it reviews a pull
 * request, answered from memory over real HTTP. The server runs in a worker thread, so that
 * answering GitHub's side does not take the app's event loop.
 */
import { Worker } from 'node:worker_threads';

export interface FakeRepository {
  owner: string;
  repo: string;
  /** Path → contents, at every commit. */
  files: Map<string, string>;
  /** The paths every pull request adds. */
  added: string[];
}

export interface CheckRunCompletion {
  /** When the check run was completed, as `performance.timeOrigin + performance.now()`. */
  at: number;
  conclusion: string;
  title: string;
}

export type FakeGitHubEvent =
  | { kind: 'listening'; url: string }
  | ({ kind: 'completed'; headSha: string } & CheckRunCompletion)
  | { kind: 'report'; requests: number; unexpected: string[] };

export interface FakeGitHub {
  url: string;
  /** The requests answered so far, and those for a route the fake does not serve. */
  report(): Promise<{ requests: number; unexpected: string[] }>;
  /** Resolves when the check run created on `headSha` is completed. */
  completion(headSha: string): Promise<CheckRunCompletion>;
  close(): Promise<void>;
}

export async function startFakeGitHub(repository: FakeRepository): Promise<FakeGitHub> {
  const server = new URL('./fake-github-server.ts', import.meta.url).href;
  // tsx's loader does not reach worker threads: the worker registers it before loading the server.
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(server)}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: repository });
  const completions = new Map<string, (completion: CheckRunCompletion) => void>();
  const completed = new Map<string, CheckRunCompletion>();
  const reports: ((report: { requests: number; unexpected: string[] }) => void)[] = [];

  const url = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (event: FakeGitHubEvent) => {
      if (event.kind === 'listening') resolve(event.url);
      else if (event.kind === 'report') reports.shift()?.(event);
      else {
        const { headSha, ...completion } = event;
        const waiting = completions.get(headSha);
        if (waiting) waiting(completion);
        else completed.set(headSha, completion);
      }
    });
  });

  return {
    url,
    report: () =>
      new Promise((resolve) => {
        reports.push(resolve);
        worker.postMessage('report');
      }),
    completion: (headSha) => {
      const done = completed.get(headSha);
      return done ? Promise.resolve(done) : new Promise((resolve) => completions.set(headSha, resolve));
    },
    close: async () => {
      await worker.terminate();
    },
  };
}
