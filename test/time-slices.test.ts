import { describe, expect, it } from 'vitest';
import { runAtOnce, runInSlices, type Steps } from '../src/time-slices.ts';

/** Ten steps of 2 ms of busy work each, then their count. */
function* busySteps(): Steps<number> {
  let done = 0;
  for (let step = 0; step < 10; step++) {
    const until = performance.now() + 2;
    while (performance.now() < until);
    done++;
    yield;
  }
  return done;
}

describe('time slices', () => {
  it('lets the event loop answer others while a long run goes on', async () => {
    const events: string[] = [];
    setImmediate(() => events.push('other work'));
    const run = runInSlices(busySteps(), 3).then((done) => events.push(`run done after ${done} steps`));
    await run;
    expect(events).toEqual(['other work', 'run done after 10 steps']);
  });

  it('runs every step without a break when asked to run at once', () => {
    const events: string[] = [];
    setImmediate(() => events.push('other work'));
    events.push(`run done after ${runAtOnce(busySteps())} steps`);
    expect(events).toEqual(['run done after 10 steps']);
  });
});
