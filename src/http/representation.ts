/**
 * A response body made once per data version: its bytes in every encoding we offer, each with its own
 * strong validator, so that a poll costs a hash-table look-up and a write of bytes we already have.
 */

export const CONTENT_CODINGS = ['br', 'gzip'] as const;
export type ContentCoding = (typeof CONTENT_CODINGS)[number];

/** Compresses a whole body; the runtime entry decides how (Node's zlib, or CompressionStream). */
export type Compressor = (bytes: Uint8Array) => Promise<Uint8Array>;
export type Compressors = Partial<Record<ContentCoding, Compressor>>;

export interface Variant {
  bytes: Uint8Array;
  /** A strong entity tag, quoted: `"3q2-7w…"` (RFC 9110 §8.8.3). */
  etag: string;
}

export interface Representation {
  contentType: string;
  /** The newest change among what the body shows; absent when there is no such date (media files). */
  lastModified?: Date;
  identity: Variant;
  encoded: Partial<Record<ContentCoding, Variant>>;
  /** Bytes held, all variants together: what the render cache counts. */
  size: number;
}

/** Below this, compression saves less than its own headers cost (the figure hono's compress uses). */
export const COMPRESSION_THRESHOLD = 1024;

/** Content types worth compressing: text of any kind, XML and JSON. Images and archives already are. */
const COMPRESSIBLE = /^(text\/|application\/(?:[\w.+-]+\+)?(?:xml|json)\b|image\/svg\+xml)/;

export const isCompressible = (contentType: string): boolean => COMPRESSIBLE.test(contentType);

/** gzip through the web-standard CompressionStream, where the runtime has one (Node 18+, workerd). */
export const webCompressors = (): Compressors =>
  typeof CompressionStream === 'undefined' ? {} : { gzip: (bytes) => streamThrough(bytes, new CompressionStream('gzip')) };

async function streamThrough(bytes: Uint8Array, transform: CompressionStream): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const encoder = new TextEncoder();

/** The strong validator of some bytes: 128 bits of SHA-256, base64url. */
export async function entityTag(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let binary = '';
  for (const byte of digest.subarray(0, 16)) binary += String.fromCharCode(byte);
  return `"${btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}"`;
}

export interface RepresentOptions {
  contentType: string;
  lastModified?: Date | undefined;
  compressors?: Compressors;
  /**
   * The body already compressed, by coding, in the bytes the compressor for it would make (a render
   * stored by scripts/publish.ts): taken instead of compressing, where there is a compressor for it.
   */
  precompressed?: Partial<Record<ContentCoding, Uint8Array>>;
}

export async function represent(body: string | Uint8Array, options: RepresentOptions): Promise<Representation> {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  const identity: Variant = { bytes, etag: await entityTag(bytes) };
  let encoded: Partial<Record<ContentCoding, Variant>> = {};
  let size = bytes.byteLength;
  // A new data version renders most bodies again byte for byte (an edit changes one post's pages):
  // their compressed variants are the ones made before, found by the identity's tag.
  const compressors = options.compressors;
  const compressedKey = `${options.contentType}\n${identity.etag}`;
  const known = compressors && compressedBefore.get(compressors)?.get(compressedKey);
  if (known) {
    encoded = known;
    for (const variant of Object.values(known)) size += variant.bytes.byteLength;
  } else if (bytes.byteLength >= COMPRESSION_THRESHOLD && isCompressible(options.contentType)) {
    for (const coding of CONTENT_CODINGS) {
      const compress = options.compressors?.[coding];
      if (!compress) continue;
      const compressed = options.precompressed?.[coding] ?? (await compress(bytes));
      // A body that does not shrink is not worth a second variant.
      if (compressed.byteLength >= bytes.byteLength) continue;
      encoded[coding] = { bytes: compressed, etag: await entityTag(compressed) };
      size += compressed.byteLength;
    }
    if (compressors) remember(compressors, compressedKey, encoded, size - bytes.byteLength);
  }
  return {
    contentType: options.contentType,
    ...(options.lastModified ? { lastModified: options.lastModified } : {}),
    identity,
    encoded,
    size,
  };
}

/**
 * Compressed variants by the content type and the tag of the bytes they were made from, per set of compressors (the same
 * bytes compress alike): the most recent ones, up to `COMPRESSED_KEPT_BYTES` of compressed bytes.
 */
const compressedBefore = new WeakMap<Compressors, { get: (etag: string) => Partial<Record<ContentCoding, Variant>> | undefined; set: (etag: string, encoded: Partial<Record<ContentCoding, Variant>>, bytes: number) => void }>();
const COMPRESSED_KEPT_BYTES = 16 * 1024 * 1024;

function remember(compressors: Compressors, etag: string, encoded: Partial<Record<ContentCoding, Variant>>, bytes: number): void {
  if (bytes > COMPRESSED_KEPT_BYTES / 4) return;
  let kept = compressedBefore.get(compressors);
  if (!kept) {
    const entries = new Map<string, { encoded: Partial<Record<ContentCoding, Variant>>; bytes: number }>();
    let total = 0;
    kept = {
      get: (tag) => {
        const entry = entries.get(tag);
        if (!entry) return undefined;
        // Most recently used last: the oldest go first.
        entries.delete(tag);
        entries.set(tag, entry);
        return entry.encoded;
      },
      set: (tag, value, size) => {
        if (entries.has(tag)) return;
        entries.set(tag, { encoded: value, bytes: size });
        total += size;
        for (const [oldest, entry] of entries) {
          if (total <= COMPRESSED_KEPT_BYTES) break;
          entries.delete(oldest);
          total -= entry.bytes;
        }
      },
    };
    compressedBefore.set(compressors, kept);
  }
  kept.set(etag, encoded, bytes);
}
