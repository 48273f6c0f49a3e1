export type CancelReason = 'superseded' | 'shutdown';

/** A run's right to publish, which a newer run of the same pull request or a shutdown takes away. */
export interface ReviewTicket {
  readonly cancelled: boolean;
  /**
   * Claims the right to publish: false when the run was cancelled. Once claimed, the run can no
   * longer be cancelled, so that a cancellation never lands in the middle of a publication.
   */
  claimPublish(): boolean;
}

export interface ReviewJob {
  /** The pull request: a newer job with the same key supersedes this one. */
  key: string;
  run(ticket: ReviewTicket): Promise<void>;
  /** Called once when the job is cancelled before it claimed the right to publish. */
  cancelled(reason: CancelReason, started: boolean): Promise<void>;
}

type State = 'queued' | 'running' | 'publishing' | 'cancelled' | 'finished';

interface Entry {
  job: ReviewJob;
  state: State;
}

/**
 * Runs review jobs in the background, at most `concurrency` at a time, in arrival order. A
 * cancelled job that is already running keeps its slot until it ends (a review cannot be
 * interrupted midway), but its results are never published.
 */
export class ReviewQueue {
  readonly #waiting: Entry[] = [];
  readonly #running = new Set<Entry>();
  readonly #newest = new Map<string, Entry>();
  /** Runs and cancellation notices under way. */
  readonly #pending = new Set<Promise<void>>();
  #closed = false;

  constructor(
    private readonly concurrency: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  add(job: ReviewJob): void {
    const entry: Entry = { job, state: 'queued' };
    if (this.#closed) {
      this.#cancel(entry, 'shutdown');
      return;
    }
    const previous = this.#newest.get(job.key);
    if (previous !== undefined) this.#cancel(previous, 'superseded');
    this.#newest.set(job.key, entry);
    this.#waiting.push(entry);
    this.#pump();
  }

  /** Resolves when nothing is queued or running and every cancellation has been reported. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Cancels every queued and running job and refuses new ones; resolves when idle. */
  close(): Promise<void> {
    this.#closed = true;
    for (const entry of [...this.#waiting, ...this.#running]) this.#cancel(entry, 'shutdown');
    return this.idle();
  }

  #cancel(entry: Entry, reason: CancelReason): void {
    if (entry.state !== 'queued' && entry.state !== 'running') return;
    const started = entry.state === 'running';
    entry.state = 'cancelled';
    const waiting = this.#waiting.indexOf(entry);
    if (waiting >= 0) this.#waiting.splice(waiting, 1);
    this.#track(entry.job.cancelled(reason, started));
  }

  #pump(): void {
    while (this.#running.size < this.concurrency) {
      const entry = this.#waiting.shift();
      if (entry === undefined) return;
      entry.state = 'running';
      this.#running.add(entry);
      this.#track(this.#execute(entry));
    }
  }

  async #execute(entry: Entry): Promise<void> {
    const ticket: ReviewTicket = {
      get cancelled() {
        return entry.state === 'cancelled';
      },
      claimPublish() {
        if (entry.state !== 'running') return false;
        entry.state = 'publishing';
        return true;
      },
    };
    try {
      await entry.job.run(ticket);
    } finally {
      if (entry.state !== 'cancelled') entry.state = 'finished';
      this.#running.delete(entry);
      if (this.#newest.get(entry.job.key) === entry) this.#newest.delete(entry.job.key);
      this.#pump();
    }
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch(this.onError).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }
}
