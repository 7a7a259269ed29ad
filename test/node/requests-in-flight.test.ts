import { describe, expect, it } from 'vitest';
import type { Timers } from '../../src/node/publish-hook.ts';
import { RequestsInFlight } from '../../src/node/requests-in-flight.ts';

/** Timers the test fires itself. */
function manualTimers() {
  const set = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  const timers: Timers = {
    set: (callback, ms) => {
      set.set(++next, { callback, ms });
      return next;
    },
    clear: (handle) => set.delete(handle as number),
  };
  /** Fires the timers set for `ms` (all of them without), as if that long had passed since they were set. */
  const fire = (ms?: number) => {
    for (const [handle, timer] of [...set]) {
      if (ms !== undefined && timer.ms !== ms) continue;
      set.delete(handle);
      timer.callback();
    }
  };
  const fireAll = () => fire();
  return { timers, set, fire, fireAll };
}

const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => (done = true));
  for (let turn = 0; turn < 3; turn++) await Promise.resolve();
  return done;
};

describe('RequestsInFlight', () => {
  it('has nothing to wait for when no request is in flight', () => {
    expect(new RequestsInFlight().idle()).toBeUndefined();
  });

  it('settles once the requests in flight when asked have ended, not those that came since, and clears its timer', async () => {
    const { timers, set } = manualTimers();
    const inFlight = new RequestsInFlight({ timers, maxWaitMs: 20 });
    const [a, b, later] = [{}, {}, {}];
    inFlight.started(a);
    inFlight.started(b);
    const idle = inFlight.idle()!;
    expect([...set.values()].map((timer) => timer.ms)).toEqual([20]);
    inFlight.started(later);
    inFlight.ended(a);
    inFlight.ended(a);
    expect(await settled(idle)).toBe(false);
    inFlight.ended(b);
    expect(await settled(idle)).toBe(true);
    expect(set.size).toBe(0);
    expect(inFlight.count).toBe(1);
    inFlight.ended(later);
    expect(inFlight.idle()).toBeUndefined();
  });

  it('settles after maxWaitMs when a request in flight does not end', async () => {
    const { timers, fireAll } = manualTimers();
    const inFlight = new RequestsInFlight({ timers, maxWaitMs: 20 });
    const slow = {};
    inFlight.started(slow);
    const idle = inFlight.idle()!;
    expect(await settled(idle)).toBe(false);
    fireAll();
    expect(await settled(idle)).toBe(true);
    // Its turn taken, the end of the request wakes nothing.
    inFlight.ended(slow);
    expect(inFlight.count).toBe(0);
  });

  it('counts the calls of a fetch that return a promise, until it settles, and not those answered at once', async () => {
    const inFlight = new RequestsInFlight();
    let finish: ((value: string) => void) | undefined;
    const fetch = inFlight.tracking((slow: boolean) => (slow ? new Promise<string>((resolve) => (finish = resolve)) : 'at once'));
    expect(fetch(false)).toBe('at once');
    expect(inFlight.count).toBe(0);
    const answer = fetch(true);
    expect(inFlight.count).toBe(1);
    finish?.('rendered');
    expect(await answer).toBe('rendered');
    expect(inFlight.count).toBe(0);
  });

  it('is quiet once nothing has been in flight for quietMs, the time counted again from the end of each request', async () => {
    const { timers, set, fire } = manualTimers();
    const inFlight = new RequestsInFlight({ timers });
    const quiet = inFlight.quiet(50, 1000);
    expect([...set.values()].map((timer) => timer.ms).sort()).toEqual([1000, 50]);
    // A request before the 50 ms are up: no quiet timer while it is in flight.
    const [a, b] = [{}, {}];
    inFlight.started(a);
    inFlight.started(b);
    expect([...set.values()].map((timer) => timer.ms)).toEqual([1000]);
    inFlight.ended(a);
    expect([...set.values()].map((timer) => timer.ms)).toEqual([1000]);
    inFlight.ended(b);
    expect([...set.values()].map((timer) => timer.ms).sort()).toEqual([1000, 50]);
    expect(await settled(quiet)).toBe(false);
    fire(50);
    expect(await settled(quiet)).toBe(true);
    // Both timers cleared, and a request now wakes nothing.
    expect(set.size).toBe(0);
    inFlight.started(a);
    expect(set.size).toBe(0);
  });

  it('is quiet after maxMs however busy it is', async () => {
    const { timers, set, fire } = manualTimers();
    const inFlight = new RequestsInFlight({ timers });
    inFlight.started({});
    const quiet = inFlight.quiet(50, 1000);
    expect([...set.values()].map((timer) => timer.ms)).toEqual([1000]);
    fire(1000);
    expect(await settled(quiet)).toBe(true);
    expect(set.size).toBe(0);
  });

  it('counts a call that fails as ended too', async () => {
    const inFlight = new RequestsInFlight();
    const fetch = inFlight.tracking(() => Promise.reject(new Error('a bug of ours')));
    await expect(fetch()).rejects.toThrow('a bug of ours');
    expect(inFlight.count).toBe(0);
  });
});
