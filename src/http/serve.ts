import { RenderCache, RenderQueue, RenderQueueFull, type RenderCacheOptions, type RenderQueueOptions } from './render-cache.ts';
import { CONTENT_CODINGS, represent, type Compressors, type ContentCoding } from './representation.ts';
import type { PreparedPolls } from './poll.ts';
import { prepare, respondPrepared, textResponse, type Prepared } from './respond.ts';

/** What a route renders, once per key: the body and everything its answers say about it. */
export interface Rendered {
  body: string | Uint8Array;
  contentType: string;
  /** The newest change the body shows; clamped to now when served. */
  lastModified?: Date | undefined;
  /** The route's headers (Cache-Control, Link, CORS), on the 200 and the 304 alike. */
  headers: Record<string, string>;
  /** Request headers besides Accept-Encoding that chose this representation (`Accept`). */
  vary?: readonly string[];
  /** Tells this representation's validators from another's of the same bytes (see `prepare`). */
  tagSuffix?: string;
  /**
   * The body compressed already where it was rendered (scripts/publish.ts), byte for byte what this
   * runtime's compressor for that coding makes: used instead of compressing it again.
   */
  encoded?: Partial<Record<ContentCoding, Uint8Array>>;
}

/**
 * Answers a GET or HEAD with what `render` makes for `key`, rendered on the key's first request and
 * served from memory after: a repeat request costs a look-up and the write of bytes and headers made
 * then. Everything `render` depends on must be in `key`.
 */
export type Serve = (request: Request, key: string, render: () => Promise<Rendered>, how?: RenderHow) => Promise<Response>;

export interface RenderHow {
  /** Few readers ask for this (an odd `?limit`): its render waits behind the others. */
  uncommon?: boolean;
}

export interface ServeOptions {
  cache?: RenderCacheOptions | undefined;
  /** How many uncached renders run at once and how many may wait; see `RenderQueue`. */
  queue?: RenderQueueOptions | undefined;
  compressors: Compressors;
  now: () => Date;
  /** Told of each render as it starts, by key: for tests and metrics. */
  onRender?: ((key: string) => void) | undefined;
  /** Told of every prepared answer, so a server can answer the same request again before routing. */
  polls?: PreparedPolls | undefined;
  /** Bodies rendered before any request asked for them; see `RenderedAhead`. */
  ahead?: RenderedAhead | undefined;
}

/**
 * Bodies rendered before their first request: at a worker's start-up, where nothing may be compressed
 * yet (src/worker/main.ts), or when the data was published (scripts/publish.ts), read back from where
 * it was stored (`read`). `collect` renders paths through an app whose serve keeps what it renders
 * here; the first request for such a key then only compresses, hashes and prepares it. A key no request
 * asks for (the clock moved past a scheduled post meanwhile) keeps its body: as many as were rendered
 * ahead, a few feeds and pages.
 */
export class RenderedAhead {
  /** While true, `serve` renders what it is asked for, keeps the body here and answers a bodiless 204. */
  collecting = false;
  readonly #bodies = new Map<string, Rendered>();
  readonly #read: ((key: string) => Promise<Rendered | undefined>) | undefined;

  /** @param [read] - where bodies rendered elsewhere are looked up, when none was kept here */
  constructor(read?: (key: string) => Promise<Rendered | undefined>) {
    this.#read = read;
  }

  get size(): number {
    return this.#bodies.size;
  }

  has(key: string): boolean {
    return this.#bodies.has(key);
  }

  keep(key: string, rendered: Rendered): void {
    this.#bodies.set(key, rendered);
  }

  /** The bodies kept, by render key. */
  entries(): [string, Rendered][] {
    return [...this.#bodies];
  }

  /** The body rendered ahead for `key`, handed out once; else the one `read` finds, if any. */
  take(key: string): Rendered | undefined | Promise<Rendered | undefined> {
    const rendered = this.#bodies.get(key);
    if (rendered === undefined) return this.#read?.(key);
    this.#bodies.delete(key);
    return rendered;
  }

  /**
   * Renders `paths` of `origin` through `fetch`, an app built with this as its `renderedAhead`; throws
   * when one is not rendered (answered anything but 204: a 404, a redirect).
   */
  async collect(fetch: (request: Request) => Response | Promise<Response>, origin: string, paths: readonly string[]): Promise<void> {
    this.collecting = true;
    try {
      for (const path of paths) {
        const answer = await fetch(new Request(new URL(path, origin)));
        if (answer.status !== 204) throw new Error(`rendering ${path} ahead answered ${answer.status}`);
      }
    } finally {
      this.collecting = false;
    }
  }
}

/**
 * A body rendered ahead as bytes, to be stored (scripts/publish.ts) and read back (`renderedFromBytes`):
 * a line of JSON with everything but the bytes and their lengths, then the body, then each compressed
 * variant, so that reading it back parses a few hundred bytes of JSON and copies nothing. Without its
 * Last-Modified: that follows any edit of the data, so it is kept where it may change alone (the manifest).
 */
export type StoredRender = Omit<Rendered, 'lastModified'>;

export function renderedToBytes(rendered: StoredRender): Uint8Array {
  const { body, encoded, ...rest } = rendered;
  const bodyBytes = typeof body === 'string' ? encoder.encode(body) : body;
  const variants = Object.entries(encoded ?? {}).filter((entry): entry is [ContentCoding, Uint8Array] => entry[1] !== undefined);
  // JSON.stringify escapes every line break, and UTF-8 puts byte 10 in no other character: the first one ends the line.
  const described = encoder.encode(
    `${JSON.stringify({
      ...rest,
      bodyBytes: bodyBytes.byteLength,
      encodedBytes: Object.fromEntries(variants.map(([coding, bytes]) => [coding, bytes.byteLength])),
    })}\n`,
  );
  const out = new Uint8Array(described.byteLength + bodyBytes.byteLength + variants.reduce((sum, [, bytes]) => sum + bytes.byteLength, 0));
  let at = 0;
  for (const part of [described, bodyBytes, ...variants.map(([, bytes]) => bytes)]) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

export function renderedFromBytes(bytes: Uint8Array): StoredRender {
  const end = bytes.indexOf(10);
  if (end < 0) throw new Error('a stored render without its body');
  type Described = Omit<StoredRender, 'body' | 'encoded'> & { bodyBytes: number; encodedBytes: Record<string, number> };
  const { bodyBytes, encodedBytes, ...rest } = JSON.parse(decoder.decode(bytes.subarray(0, end))) as Described;
  let at = end + 1;
  const take = (length: number) => {
    if (at + length > bytes.byteLength) throw new Error('a stored render shorter than its lengths say');
    at += length;
    return bytes.subarray(at - length, at);
  };
  const body = take(bodyBytes);
  const encoded: Partial<Record<ContentCoding, Uint8Array>> = {};
  for (const [coding, length] of Object.entries(encodedBytes)) {
    if (!(CONTENT_CODINGS as readonly string[]).includes(coding)) throw new Error(`a stored render with an unknown coding, ${coding}`);
    encoded[coding as ContentCoding] = take(length);
  }
  return { ...rest, body, ...(Object.keys(encoded).length ? { encoded } : {}) };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The render-cache pipeline every route answers through: render, compress, hash, prepare the headers,
 * keep; then the 304 or the bytes in the encoding the request takes.
 * @example
 * const serve = servingRendered({ compressors: webCompressors(), now: () => new Date() });
 * return serve(c.req.raw, `${snap.key}:feed.xsl`, async () => ({ body, contentType, headers: {} }));
 */
export function servingRendered(options: ServeOptions): Serve {
  const { compressors, now } = options;
  const cache = new RenderCache<Prepared>(options.cache);
  const queue = new RenderQueue(options.queue);
  const { onRender, polls, ahead } = options;
  polls?.serveFrom((key) => cache.get(key), now);
  return async function serve(request, key, render, how) {
    if (ahead?.collecting) {
      if (!ahead.has(key) && cache.get(key) === undefined) {
        onRender?.(key);
        const rendered = await render();
        // Encoded now too: what is left to the first request is compressing and hashing.
        ahead.keep(key, typeof rendered.body === 'string' ? { ...rendered, body: encoder.encode(rendered.body) } : rendered);
      }
      return new Response(null, { status: 204 });
    }
    let prepared: Prepared;
    try {
      prepared = await cache.getOrCreate(key, () => queue.run(() => renderOnce(key, render), how?.uncommon));
    } catch (error) {
      if (!(error instanceof RenderQueueFull)) throw error;
      return textResponse('The server is busy rendering other pages; try again in a second.', 503, { 'Retry-After': '1' });
    }
    polls?.remember(request, key, prepared);
    return respondPrepared(request, prepared, now);
  };

  async function renderOnce(key: string, render: () => Promise<Rendered>): Promise<Prepared> {
    let rendered = await ahead?.take(key);
    if (!rendered) {
      onRender?.(key);
      rendered = await render();
    }
    const { body, contentType, lastModified, headers, vary, tagSuffix, encoded } = rendered;
    // RFC 9110 §8.8.2.1: never a Last-Modified after now. A post "updated" in the future would
    // otherwise hide every change made before that date from readers polling with If-Modified-Since.
    const at = now();
    const clamped = lastModified && lastModified.getTime() > at.getTime() ? at : lastModified;
    return prepare(await represent(body, { contentType, lastModified: clamped, compressors, ...(encoded ? { precompressed: encoded } : {}) }), headers, vary, tagSuffix);
  }
}
