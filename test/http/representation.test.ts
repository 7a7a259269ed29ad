import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  COMPRESSION_THRESHOLD,
  entityTag,
  isCompressible,
  represent,
  webCompressors,
  type Compressors,
} from '../../src/http/representation.ts';
import { nodeCompressors } from '../../src/node/compression.ts';

const FEED_TYPE = 'application/atom+xml; charset=utf-8';
/** Text that compresses well, `length` bytes of ASCII. */
const text = (length: number) =>
  '<entry><title>Board meeting</title></entry>\n'.repeat(Math.ceil(length / 44)).slice(0, length);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Compressors that record what they were given. */
function countingCompressors(inner: Compressors = nodeCompressors) {
  const calls: { coding: string; bytes: number }[] = [];
  const compressors: Compressors = {};
  for (const [coding, compress] of Object.entries(inner)) {
    compressors[coding as keyof Compressors] = (bytes) => {
      calls.push({ coding, bytes: bytes.byteLength });
      return compress(bytes);
    };
  }
  return { compressors, calls };
}

describe('entityTag', () => {
  it('is a strong, quoted tag of 128 bits in base64url (RFC 9110 §8.8.3)', async () => {
    const tag = await entityTag(new TextEncoder().encode('hello'));
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
  });

  it('is the same for the same bytes and differs for other bytes', async () => {
    const a = await entityTag(new TextEncoder().encode('hello'));
    expect(await entityTag(new TextEncoder().encode('hello'))).toBe(a);
    expect(await entityTag(new TextEncoder().encode('hello!'))).not.toBe(a);
    expect(await entityTag(new Uint8Array())).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
  });
});

describe('isCompressible', () => {
  it.each([
    'application/rss+xml; charset=utf-8',
    'application/atom+xml; charset=utf-8',
    'application/feed+json; charset=utf-8',
    'application/json',
    'application/xml',
    'text/html; charset=utf-8',
    'text/css; charset=utf-8',
    'image/svg+xml',
  ])('compresses %s', (type) => {
    expect(isCompressible(type)).toBe(true);
  });

  it.each(['image/png', 'image/jpeg', 'image/webp', 'audio/mpeg', 'application/pdf', 'application/octet-stream'])(
    'leaves %s alone',
    (type) => {
      expect(isCompressible(type)).toBe(false);
    },
  );
});

describe('represent', () => {
  it('keeps the UTF-8 bytes and their tag as the identity variant', async () => {
    const body = 'Zürich — 東京';
    const representation = await represent(body, { contentType: 'text/plain; charset=utf-8' });
    const bytes = new TextEncoder().encode(body);
    expect(representation.identity.bytes).toEqual(bytes);
    expect(representation.identity.etag).toBe(await entityTag(bytes));
    expect(representation.size).toBe(bytes.byteLength);
    expect(representation.contentType).toBe('text/plain; charset=utf-8');
  });

  it('keeps Last-Modified when there is one, and has none otherwise', async () => {
    const lastModified = new Date('2024-03-01T12:00:00Z');
    expect((await represent('x', { contentType: FEED_TYPE, lastModified })).lastModified).toEqual(lastModified);
    expect(await represent('x', { contentType: FEED_TYPE, lastModified: undefined })).not.toHaveProperty('lastModified');
  });

  it('compresses once per coding, each variant with its own tag, and counts every byte held', async () => {
    const { compressors, calls } = countingCompressors();
    const body = text(20_000);
    const representation = await represent(body, { contentType: FEED_TYPE, compressors });
    expect(calls.map((c) => c.coding).sort()).toEqual(['br', 'gzip']);

    const { identity, encoded } = representation;
    expect(decode(brotliDecompressSync(encoded.br!.bytes))).toBe(body);
    expect(decode(gunzipSync(encoded.gzip!.bytes))).toBe(body);
    expect(encoded.br!.etag).toBe(await entityTag(encoded.br!.bytes));
    expect(encoded.gzip!.etag).toBe(await entityTag(encoded.gzip!.bytes));
    expect(new Set([identity.etag, encoded.br!.etag, encoded.gzip!.etag]).size).toBe(3);
    const held = identity.bytes.byteLength + encoded.br!.bytes.byteLength + encoded.gzip!.bytes.byteLength;
    expect(representation.size).toBe(held);
  });

  it(`compresses from ${COMPRESSION_THRESHOLD} bytes, not below`, async () => {
    expect(COMPRESSION_THRESHOLD).toBe(1024);
    const below = await represent(text(COMPRESSION_THRESHOLD - 1), { contentType: FEED_TYPE, compressors: nodeCompressors });
    expect(below.encoded).toEqual({});
    expect(below.size).toBe(COMPRESSION_THRESHOLD - 1);
    const at = await represent(text(COMPRESSION_THRESHOLD), { contentType: FEED_TYPE, compressors: nodeCompressors });
    expect(Object.keys(at.encoded).sort()).toEqual(['br', 'gzip']);
  });

  it('never compresses images, however large', async () => {
    const { compressors, calls } = countingCompressors();
    const png = new Uint8Array(50_000).fill(7);
    const representation = await represent(png, { contentType: 'image/png', compressors });
    expect(calls).toEqual([]);
    expect(representation.encoded).toEqual({});
    expect(representation.identity.bytes).toBe(png);
  });

  it('drops a variant that does not shrink the body', async () => {
    const representation = await represent(text(5000), {
      contentType: FEED_TYPE,
      compressors: { br: async (bytes) => new Uint8Array(bytes.byteLength + 1), gzip: nodeCompressors.gzip! },
    });
    expect(Object.keys(representation.encoded)).toEqual(['gzip']);
  });

  it('has no variants without compressors', async () => {
    expect((await represent(text(5000), { contentType: FEED_TYPE })).encoded).toEqual({});
  });

  it('gzips with the web-standard CompressionStream by default', async () => {
    const compressors = webCompressors();
    expect(Object.keys(compressors)).toEqual(['gzip']);
    const body = text(5000);
    const representation = await represent(body, { contentType: FEED_TYPE, compressors });
    expect(decode(gunzipSync(representation.encoded.gzip!.bytes))).toBe(body);
    expect(representation.encoded.br).toBeUndefined();
  });
  it('compresses the same bytes of the same type once, as a new data version renders an unchanged page again', async () => {
    const { compressors, calls } = countingCompressors();
    const body = text(4096);
    const first = await represent(body, { contentType: FEED_TYPE, compressors });
    const again = await represent(body, { contentType: FEED_TYPE, lastModified: new Date(0), compressors });
    expect(calls.map((c) => c.coding)).toEqual(['br', 'gzip']);
    expect(again.encoded).toEqual(first.encoded);
    expect(again.size).toBe(first.size);
    expect(again.lastModified).toEqual(new Date(0));
    // Other bytes, or the same bytes as a type not worth compressing, are judged afresh.
    await represent(`${body}!`, { contentType: FEED_TYPE, compressors });
    expect(calls).toHaveLength(4);
    expect((await represent(body, { contentType: 'image/png', compressors })).encoded).toEqual({});
  });
});
