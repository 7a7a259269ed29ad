import { vi } from 'vitest';

/**
 * workerd's global scope, where a worker's module runs at start-up: it forbids I/O (a stream, hence
 * CompressionStream and a Response with a body), timers and random values, and deployed, its clock
 * reads 0. What it refuses, these stand-ins refuse too, so start-up work that would fail there fails
 * here. Undone by `vi.unstubAllGlobals()`, `vi.restoreAllMocks()` and `vi.useRealTimers()`.
 */
export function asInGlobalScope(): void {
  // First: faking the clock uses a timer.
  vi.useFakeTimers({ toFake: ['Date'], now: 0 });
  const refuse = (what: string) => () => {
    throw new Error(`${what} in global scope`);
  };
  vi.stubGlobal('setTimeout', refuse('setTimeout'));
  vi.stubGlobal('setInterval', refuse('setInterval'));
  vi.stubGlobal('fetch', refuse('fetch'));
  vi.spyOn(crypto, 'getRandomValues').mockImplementation(refuse('crypto.getRandomValues'));
  vi.spyOn(crypto, 'randomUUID').mockImplementation(refuse('crypto.randomUUID'));
  vi.stubGlobal(
    'Response',
    class BodilessResponse extends Response {
      constructor(body?: BodyInit | null, init?: ResponseInit) {
        if (body !== null && body !== undefined) throw new Error('a Response with a body in global scope');
        super(body, init);
      }
    },
  );
  vi.stubGlobal(
    'CompressionStream',
    class RefusedCompressionStream {
      constructor() {
        throw new Error('a CompressionStream in global scope');
      }
    },
  );
}
