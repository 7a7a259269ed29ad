import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Compressors } from '../http/representation.ts';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/**
 * Node's zlib, off the main thread. Bodies are compressed once per data version, so we can afford
 * more than a per-request compressor would: brotli 8. Not 9: on a feed of 20 generated posts (86 KB)
 * quality 9 took 56–60 ms for 17,410 bytes, quality 8 took 3 ms for 17,507 (medians of 5,
 * `zlib.brotliCompressSync`); on a 25 KB home page 9 took 47 ms and came out larger than 8. Brotli 11
 * is left out too: on a 2.5 MB feed it took seconds, for a body no smaller. gzip stays at zlib's default,
 * level 6, which is what CompressionStream makes in workerd: the same gzip bytes, hence the same gzip
 * ETag, on both runtimes (level 9 saved at most 0.6% on feeds of 20 generated posts).
 */
export const nodeCompressors: Compressors = {
  br: async (bytes) =>
    new Uint8Array(
      await brotli(bytes, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 8,
          [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
        },
      }),
    ),
  gzip: async (bytes) => new Uint8Array(await gzip(bytes, { level: 6 })),
};
