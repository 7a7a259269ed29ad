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
  /** Each `quiet()` waiting: told when a request starts, and when the last in flight ends. */
  readonly #quietWaiting = new Set<() => void>();
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
    for (const arm of this.#quietWaiting) arm();
  }

  ended(request: object): void {
    if (!this.#inFlight.delete(request)) return;
    for (const waiting of this.#waiting) {
      if (waiting.pending.delete(request) && waiting.pending.size === 0) waiting.done();
    }
    if (this.#inFlight.size === 0) for (const arm of this.#quietWaiting) arm();
  }

  /**
   * Settles once no request has been in flight for `quietMs` on end (a request that starts meanwhile
   * makes it wait for its end and `quietMs` more), and `maxMs` after the call at the latest: for work
   * that can wait until the first burst of requests is answered.
   */
  quiet(quietMs: number, maxMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let quietTimer: unknown;
      const done = () => {
        this.#timers.clear(quietTimer);
        this.#timers.clear(latest);
        this.#quietWaiting.delete(arm);
        resolve();
      };
      // The quiet time starts again: now if nothing is in flight, else when the last request ends.
      const arm = () => {
        this.#timers.clear(quietTimer);
        quietTimer = this.#inFlight.size === 0 ? this.#timers.set(done, quietMs) : undefined;
      };
      const latest = this.#timers.set(done, maxMs);
      this.#quietWaiting.add(arm);
      arm();
    });
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
