import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Compressors } from '../http/representation.ts';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
/** Bodies up to this many bytes are brotli-compressed with a 64 KB window (see below). */
export const SMALL_WINDOW_UP_TO = 256 * 1024;

/**
 * Node's zlib, off the main thread. Bodies are compressed once per data version, so we can afford
 * more than a per-request compressor would: brotli 8. Not 9: on the feed of 20 generated posts below,
 * 9 took 11–17 ms for 17,449 bytes, 0.7% fewer than 8's. Brotli 11 is left out too: on a 2.5 MB feed
 * it took seconds, for a body no smaller. gzip stays at zlib's default, level 6, which is what
 * CompressionStream makes in workerd: the same gzip bytes, hence the same gzip ETag, on both runtimes
 * (level 9 saved at most 0.6% on feeds of 20 generated posts).
 *
 * Brotli's window is 64 KB for bodies up to `SMALL_WINDOW_UP_TO`. With a larger window, quality 8 picks
 * a hasher whose tables are allocated for each body and touched page by page (the peak resident set
 * grew by 12.3 MB compressing the feed below, 1.8 MB with the small window): that, not compressing, was
 * most of the time. Each body three times in a fresh process (`zlib.brotliCompress`, quality 8), the
 * default window against 64 KB:
 * - the 86 KB `/rss.xml` of 20 generated posts: 54–74 ms for 17,507 bytes, 8–14 ms for 17,564 (+0.3%);
 * - a 26 KB home page: 41–44 ms, 3–7 ms, for 4,215 and 4,211 bytes;
 * - a 140 KB sitemap: 55–62 ms for 12,850 bytes, 8–12 ms for 12,937 (+0.7%);
 * - 3.3 MB of feeds: 309–400 ms for 563,186 bytes, 195–233 ms for 615,813 (+9%): a large body keeps
 *   the large window.
 */
export const nodeCompressors: Compressors = {
  br: async (bytes) =>
    new Uint8Array(
      await brotli(bytes, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 8,
          [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
          ...(bytes.byteLength <= SMALL_WINDOW_UP_TO ? { [zlib.constants.BROTLI_PARAM_LGWIN]: 16 } : {}),
        },
      }),
    ),
  gzip: async (bytes) => new Uint8Array(await gzip(bytes, { level: 6 })),
};
