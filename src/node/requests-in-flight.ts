import { nodeTimers, type Timers } from './publish-hook.ts';

/** How long background work waits at most for the requests in flight before it takes its next slice. */
export const GIVE_WAY_MS = 20;

/**
 * The requests an app is answering, for background work to give way to: a reload between its slices
 * (`DataFolder`'s `giveWay`) waits for the requests in flight at that moment to end, so a request that
 * arrives during a reload of a large folder waits for one slice at most instead of sharing the thread
 * with the reload. Requests that arrive during the wait are not waited for, and the wait is bounded by
 * `maxWaitMs`: under a stream of polls the work still goes on between them.
 */
export class RequestsInFlight {
  readonly #inFlight = new Set<object>();
  readonly #waiting = new Set<{ pending: Set<object>; done: () => void }>();
  readonly #maxWaitMs: number;
  readonly #timers: Timers;

  constructor(options: { maxWaitMs?: number; timers?: Timers } = {}) {
    this.#maxWaitMs = options.maxWaitMs ?? GIVE_WAY_MS;
    this.#timers = options.timers ?? nodeTimers;
  }

  /**
   * `fetch`, each call of it that returns a promise counted in flight until the promise settles: the
   * app's renders. An answer made at once (the polls answered before routing never get here) is not.
   */
  tracking<A extends unknown[], R>(fetch: (...args: A) => R | Promise<R>): (...args: A) => R | Promise<R> {
    return (...args) => {
      const answer = fetch(...args);
      if (!(answer instanceof Promise)) return answer;
      const request = {};
      this.started(request);
      return answer.finally(() => this.ended(request));
    };
  }

  get count(): number {
    return this.#inFlight.size;
  }

  /** `request` (any object standing for it) is being answered. */
  started(request: object): void {
    this.#inFlight.add(request);
  }

  ended(request: object): void {
    if (!this.#inFlight.delete(request)) return;
    for (const waiting of this.#waiting) {
      if (waiting.pending.delete(request) && waiting.pending.size === 0) waiting.done();
    }
  }

  /** Settles once the requests in flight now have ended, or after `maxWaitMs`; undefined when none is. */
  idle(): Promise<void> | undefined {
    if (this.#inFlight.size === 0) return undefined;
    return new Promise<void>((resolve) => {
      const waiting = {
        pending: new Set(this.#inFlight),
        done: () => {
          this.#timers.clear(timer);
          this.#waiting.delete(waiting);
          resolve();
        },
      };
      const timer = this.#timers.set(waiting.done, this.#maxWaitMs);
      this.#waiting.add(waiting);
    });
  }
}
