import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Work written as a generator that yields between steps, so that it can run either at once or
 * in slices that leave the event loop free for the app's webhooks in between.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs every step without stopping: for callers that have nothing else to serve. */
export function runAtOnce<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs the steps, giving the event loop a turn whenever a slice has run for `sliceMs`. */
export async function runInSlices<T>(steps: Steps<T>, sliceMs = 3): Promise<T> {
  let sliceStarted = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStarted >= sliceMs) {
      await nextTurn();
      sliceStarted = performance.now();
    }
  }
}
