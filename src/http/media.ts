/**
 * Media files as they are served: opened per request from where the runtime keeps them (disk on Node,
 * the bundle on Workers), never through the render cache, with byte ranges for audio and video.
 */

import type { Asset } from '../posts/index.ts';
import { httpDate, notModified, parseHttpDate } from './conditional.ts';
import { entityTag } from './representation.ts';
import { SECURITY_HEADERS } from './respond.ts';

/** One media file as it is at this moment, ready to be read. */
export interface OpenedMedia {
  size: number;
  /** Quoted; weak (`W/"…"`) while the file may still be changing without its tag changing. */
  etag: string;
  lastModified?: Date | undefined;
  /** Bytes `start` to `end`, both included; whatever holds the file is released once read or cancelled. */
  read(start: number, end: number): ReadableStream<Uint8Array> | Uint8Array;
  /** Releases the file without reading it (HEAD, 304, 416). */
  close(): void;
}

/** Where the runtime keeps media files. */
export interface MediaFiles {
  /** The file as it is now; undefined when it is gone (or is no longer a regular file) since the data was loaded. */
  open(asset: Asset): Promise<OpenedMedia | undefined>;
}

/**
 * No media file is a page of ours: an SVG's script, or an HTML file opened directly, must not run on
 * the site's origin. `sandbox` gives it a unique origin; inline styles keep SVGs drawn as meant.
 */
export const MEDIA_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
export const MEDIA_CACHE_CONTROL = 'public, max-age=3600';

/**
 * Media held in memory (the worker's bundle, data built in tests): a strong tag from the bytes, hashed
 * once per asset on its first request.
 */
export const bytesInMemory = (): MediaFiles => bytesFrom(async (asset) => asset.bytes);

/**
 * Media whose bytes `bytesOf` fetches whole (from R2: src/worker/r2-data.ts), served as from memory: a
 * strong tag from the bytes, hashed once per bytes fetched.
 */
export function bytesFrom(bytesOf: (asset: Asset) => Promise<Uint8Array | undefined>): MediaFiles {
  const tags = new WeakMap<Uint8Array, Promise<string>>();
  return {
    async open(asset) {
      const bytes = await bytesOf(asset);
      if (!bytes) return undefined;
      let etag = tags.get(bytes);
      if (!etag) tags.set(bytes, (etag = entityTag(bytes)));
      return {
        size: bytes.byteLength,
        etag: await etag,
        read: (start, end) => bytes.subarray(start, end + 1),
        close: () => undefined,
      };
    },
  };
}

export type ByteRange = { start: number; end: number };

/**
 * The one byte range a `Range` header asks for (RFC 9110 §14.1.2), `unsatisfiable` when it starts past
 * the end, or undefined when it is to be ignored: another unit, a syntax error, or several ranges (a
 * server may ignore Range, §14.2, and answering several with the whole file saves a multipart body).
 */
export function byteRange(header: string, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match || size === 0) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '') {
    if (last === '') return undefined;
    // §14.1.1: a suffix longer than the file means the whole file.
    const suffix = Number(last);
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Number(last);
  // §14.1.1: a last position before the first makes the range invalid, hence ignored.
  if (end < start) return undefined;
  return { start, end: Math.min(end, size - 1) };
}

/**
 * Whether an `If-Range` still names the file (RFC 9110 §13.1.5): an entity tag compared strongly (a
 * weak tag never matches), or a date equal to our Last-Modified.
 */
function rangeStillValid(ifRange: string, opened: OpenedMedia): boolean {
  const value = ifRange.trim();
  if (value.startsWith('"')) return !opened.etag.startsWith('W/') && value === opened.etag;
  if (value.startsWith('W/')) return false;
  // A date is a strong validator only when our tag is (the file has not changed within its second).
  if (!opened.lastModified || opened.etag.startsWith('W/')) return false;
  const since = parseHttpDate(value);
  return since !== undefined && Math.floor(since / 1000) === Math.floor(opened.lastModified.getTime() / 1000);
}

export interface MediaResponseOptions {
  contentType: string;
  now: () => Date;
}

/**
 * The answer to a GET or HEAD of a media file: 304 when the client's copy is current, 206 with one
 * range, 416 past the end, otherwise 200 with the whole file. Always `Accept-Ranges: bytes`; never
 * compressed, so a range names the bytes on disk.
 */
export function mediaResponse(request: Request, opened: OpenedMedia, options: MediaResponseOptions): Response {
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'Content-Security-Policy': MEDIA_CONTENT_SECURITY_POLICY,
    'Cache-Control': MEDIA_CACHE_CONTROL,
    'Accept-Ranges': 'bytes',
    ETag: opened.etag,
  };
  if (opened.lastModified) headers['Last-Modified'] = httpDate(opened.lastModified);
  const validators = { etag: opened.etag, lastModified: opened.lastModified };
  if (notModified(request.headers, validators, options.now)) {
    opened.close();
    return new Response(null, { status: 304, headers });
  }
  const { size } = opened;
  const rangeHeader = request.method === 'GET' ? request.headers.get('Range') : null;
  const ifRange = request.headers.get('If-Range');
  // RFC 9110 §14.2: Range is defined for GET only; an If-Range that no longer matches asks for the whole file.
  const range = rangeHeader !== null && (ifRange === null || rangeStillValid(ifRange, opened)) ? byteRange(rangeHeader, size) : undefined;
  headers['Content-Type'] = options.contentType;
  if (range === 'unsatisfiable') {
    opened.close();
    return new Response(`The range asked for starts past the end of the file (${size} bytes).\n`, {
      status: 416,
      headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Range': `bytes */${size}` },
    });
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  headers['Content-Length'] = String(size === 0 ? 0 : end - start + 1);
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  const status = range ? 206 : 200;
  // Hono answers HEAD through the GET route and drops the body: do not open a stream nobody reads.
  if (request.method === 'HEAD' || size === 0) {
    opened.close();
    return new Response(null, { status, headers });
  }
  return new Response(opened.read(start, end) as BodyInit, { status, headers });
}
