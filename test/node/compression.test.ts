import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SMALL_WINDOW_UP_TO, nodeCompressors } from '../../src/node/compression.ts';

/** Text that compresses as a feed does: the same markup around changing words. */
function feedLike(bytes: number): Uint8Array {
  let text = '';
  for (let i = 0; text.length < bytes; i++) text += `<item><title>Item ${i} of the feed</title><guid>tag:example.com,2022:${i * 7919}</guid></item>\n`;
  return new TextEncoder().encode(text.slice(0, bytes));
}

/**
 * The window a brotli stream was made with, from its first bits (RFC 7932 §9.1): a 0 bit is 16;
 * otherwise the next three bits give 18–24, or, when they are 0, the three after give 17 or 10–15.
 */
function brotliWindowBits(stream: Uint8Array): number {
  const bits = stream[0]! | (stream[1]! << 8);
  if ((bits & 1) === 0) return 16;
  const n = (bits >> 1) & 7;
  if (n !== 0) return 17 + n;
  const m = (bits >> 4) & 7;
  return m === 0 ? 17 : 8 + m;
}

describe('nodeCompressors', () => {
  it('brotli-compresses a body of up to SMALL_WINDOW_UP_TO bytes with a 64 KB window, a larger one with the default', async () => {
    for (const [size, window] of [
      [100 * 1024, 16],
      [SMALL_WINDOW_UP_TO, 16],
      [SMALL_WINDOW_UP_TO + 1, 22],
    ] as const) {
      const body = feedLike(size);
      const compressed = await nodeCompressors.br!(body);
      expect(brotliWindowBits(compressed), `${size} bytes`).toBe(window);
      expect(brotliDecompressSync(compressed).equals(body)).toBe(true);
    }
  });

  it('gzips at level 6, what CompressionStream makes', async () => {
    const body = feedLike(50_000);
    const compressed = await nodeCompressors.gzip!(body);
    expect(compressed[8]).toBe(0); // XFL: neither the fastest (4) nor the best (2) level
    expect(gunzipSync(compressed).equals(body)).toBe(true);
  });
});
