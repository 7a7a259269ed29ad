import { afterEach, describe, expect, it, vi } from 'vitest';
import { warmUpBundled, warmUpR2 } from '../../src/worker/warm-up.ts';

/**
 * workerd's global scope forbids I/O, timers and random values, and a Response with a body (a body
 * is a stream): what it refuses, these stand-ins refuse too, so a warm-up that would fail at start-up
 * fails here.
 */
function asInGlobalScope(): void {
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
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the start-up warm-up', () => {
  // Each throws unless every path it asks for was rendered and answered (a 304, bodiless).
  it('renders the bundled worker\'s feeds and home page with only what global scope allows', async () => {
    asInGlobalScope();
    await expect(warmUpBundled()).resolves.toBeUndefined();
  });

  it('reads made-up posts published as npm run publish would, and renders them, with only what global scope allows', async () => {
    asInGlobalScope();
    await expect(warmUpR2()).resolves.toBeUndefined();
  });

  it('fails loudly when a render does: it is not a 304', async () => {
    vi.spyOn(crypto.subtle, 'digest').mockRejectedValue(new Error('no digest'));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(warmUpBundled()).rejects.toThrow("the warm-up's /rss.xml answered 500");
  });
});
