import { afterEach, describe, expect, it, vi } from 'vitest';
import { warmUpBundled, warmUpR2 } from '../../src/worker/warm-up.ts';
import { asInGlobalScope } from './global-scope.ts';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  vi.useRealTimers();
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
