import type { Server } from 'node:http';
import { nodeTimers, type Timers } from './publish-hook.ts';

/** How long background work waits at most for the requests in flight before it takes its next slice. */
export const GIVE_WAY_MS = 20;

/**
 * The requests a server is answering, for background work to give way to: a reload between its slices
 * (`DataFolder`'s `giveWay`) waits until none is in flight, so a request that arrives during a reload
 * of a large folder waits for one slice at most instead of sharing the thread with the reload. The wait
 * is bounded by `maxWaitMs`: under requests that never leave the server idle, the work still gets a
 * slice every `maxWaitMs`.
 */
export class RequestsInFlight {
  #count = 0;
  #idle: (() => void)[] = [];
  readonly #maxWaitMs: number;
  readonly #timers: Timers;

  constructor(options: { maxWaitMs?: number; timers?: Timers } = {}) {
    this.#maxWaitMs = options.maxWaitMs ?? GIVE_WAY_MS;
    this.#timers = options.timers ?? nodeTimers;
  }

  /** Counts the server's requests, each from its arrival until its response is done or its connection closes. */
  track(server: Pick<Server, 'on'>): void {
    server.on('request', (_request, response) => {
      this.started();
      response.once('close', () => this.ended());
    });
  }

  get count(): number {
    return this.#count;
  }

  started(): void {
    this.#count++;
  }

  ended(): void {
    if (this.#count === 0 || --this.#count > 0) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }

  /** Settles once no request is in flight, or after `maxWaitMs`; undefined when none is now. */
  idle(): Promise<void> | undefined {
    if (this.#count === 0) return undefined;
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#timers.clear(timer);
        const at = this.#idle.indexOf(done);
        if (at >= 0) this.#idle.splice(at, 1);
        resolve();
      };
      const timer = this.#timers.set(done, this.#maxWaitMs);
      this.#idle.push(done);
    });
  }
}
