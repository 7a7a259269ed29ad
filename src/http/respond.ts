import { httpDate, notModified, parseHttpDate } from './conditional.ts';
import { chooseEncoding } from './negotiation.ts';
import { CONTENT_CODINGS, isCompressible, type ContentCoding, type Representation } from './representation.ts';

/** Headers every response carries, whatever made it. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

/** Our pages load nothing but our own stylesheet and the publisher's images and media. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; img-src 'self' https: http: data:; media-src 'self' https: http:; style-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const securityHeadersFor = (contentType: string): Record<string, string> =>
  contentType.startsWith('text/html')
    ? { ...SECURITY_HEADERS, 'Content-Security-Policy': CONTENT_SECURITY_POLICY }
    : { ...SECURITY_HEADERS };

/**
 * Workers read a Content-Encoding header on a response as an order to compress the body themselves,
 * unless the init says `encodeBody: 'manual'`: without it our gzip bytes were gzipped again, sent chunked
 * without Content-Length, and the ETag no longer named the bytes on the wire. Node's Response and
 * @hono/node-server ignore the field, so one init serves both.
 * @see https://developers.cloudflare.com/workers/runtime-apis/response/
 */
type EncodedResponseInit = ResponseInit & { encodeBody?: 'automatic' | 'manual' };

/** What a 304 leaves out: it describes the 200 it stands for, without its body (RFC 9110 §15.4.5). */
const BODY_HEADERS = ['Content-Type', 'Content-Length', 'Content-Encoding'] as const;

/** One variant's answers, headers built once: a poll copies nothing and formats no date. */
interface PreparedVariant {
  bytes: Uint8Array;
  etag: string;
  ok: Record<string, string>;
  notModified: Record<string, string>;
  coding: ContentCoding | undefined;
}

/** A representation with every header of every answer made, ready for the hot path. */
export interface Prepared {
  identity: PreparedVariant;
  encoded: Partial<Record<ContentCoding, PreparedVariant>>;
  available: readonly ContentCoding[];
  lastModified: Date | undefined;
  /** For the render cache's bound: the bytes, all variants together. */
  size: number;
}

/**
 * Builds the 200 and 304 headers of each variant once per representation.
 * @param headers - per-route headers (Cache-Control, Link, CORS), sent on the 304 too (RFC 9110 §15.4.5)
 * @param vary - request headers besides Accept-Encoding the route's choice depends on (`Accept`)
 * @param tagSuffix - told apart from another representation of the same bytes (another Content-Type):
 *   each representation has its own strong validator (RFC 9110 §8.8.3)
 */
export function prepare(
  representation: Representation,
  headers: Record<string, string> = {},
  vary: readonly string[] = [],
  tagSuffix = '',
): Prepared {
  const varyOn = [...vary, ...(isCompressible(representation.contentType) ? ['Accept-Encoding'] : [])];
  const common: Record<string, string> = { ...securityHeadersFor(representation.contentType), ...headers };
  if (representation.lastModified) common['Last-Modified'] = httpDate(representation.lastModified);
  if (varyOn.length) common.Vary = varyOn.join(', ');
  const variant = (bytes: Uint8Array, hashTag: string, coding: ContentCoding | undefined): PreparedVariant => {
    const etag = tagSuffix ? `${hashTag.slice(0, -1)}${tagSuffix}"` : hashTag;
    const notModified = { ...common, ETag: etag };
    const ok: Record<string, string> = {
      ...notModified,
      'Content-Type': representation.contentType,
      'Content-Length': String(bytes.byteLength),
    };
    if (coding) ok['Content-Encoding'] = coding;
    return { bytes, etag, ok, notModified, coding };
  };
  const encoded: Partial<Record<ContentCoding, PreparedVariant>> = {};
  for (const coding of CONTENT_CODINGS) {
    const found = representation.encoded[coding];
    if (found) encoded[coding] = variant(found.bytes, found.etag, coding);
  }
  return {
    identity: variant(representation.identity.bytes, representation.identity.etag, undefined),
    encoded,
    available: CONTENT_CODINGS.filter((coding) => encoded[coding]),
    lastModified: representation.lastModified,
    size: representation.size,
  };
}

/**
 * Accept-Encoding values repeat (each client sends the same one every poll): remember the choice for
 * the last few hundred distinct ones rather than parse q-values on every request.
 */
const encodingChoices = new Map<string, ContentCoding | undefined>();
function encodingFor(acceptEncoding: string | null, available: readonly ContentCoding[]): ContentCoding | undefined {
  if (!acceptEncoding || available.length === 0) return undefined;
  const key = available.length === CONTENT_CODINGS.length ? acceptEncoding : `${available.join()}|${acceptEncoding}`;
  if (encodingChoices.has(key)) return encodingChoices.get(key);
  const chosen = chooseEncoding(acceptEncoding, available);
  if (encodingChoices.size >= 256) encodingChoices.clear();
  encodingChoices.set(key, chosen);
  return chosen;
}

/** The real clock, for callers without one of their own. */
const systemClock = (): Date => new Date();

/**
 * Answers a GET or HEAD from a prepared representation: picks the encoding, then either 304 or the
 * bytes. Headers go in as a plain object, which @hono/node-server writes without building a `Headers`.
 * @param [now] - the clock an If-Modified-Since is checked against (see `notModified`)
 */
export function respondPrepared(request: Request, prepared: Prepared, now: () => Date = systemClock): Response {
  const coding = encodingFor(request.headers.get('Accept-Encoding'), prepared.available);
  const variant = (coding && prepared.encoded[coding]) || prepared.identity;
  const ifNoneMatch = request.headers.get('If-None-Match');
  // The usual poll sends back exactly the tag it was given: no list to parse.
  const unchanged =
    ifNoneMatch === variant.etag ||
    ((ifNoneMatch !== null || request.headers.get('If-Modified-Since') !== null) &&
      notModified(request.headers, { etag: variant.etag, lastModified: prepared.lastModified }, now));
  if (unchanged) return new Response(null, { status: 304, headers: variant.notModified });
  const init: EncodedResponseInit = { status: 200, headers: variant.ok };
  if (variant.coding) init.encodeBody = 'manual';
  // Hono answers HEAD by running the GET route and dropping the body, keeping every header.
  return new Response(variant.bytes as Uint8Array<ArrayBuffer>, init);
}

/**
 * Answers a GET or HEAD from a 200 that respondPrepared() made earlier and a cache kept (headers and bytes):
 * the same 304 decision on the same validators, the same headers, so a client cannot tell the two apart.
 * @param [now] - the clock an If-Modified-Since is checked against (see `notModified`)
 */
export function respondFromStored(
  request: Request,
  stored: { headers: Headers; bytes: Uint8Array },
  now: () => Date = systemClock,
): Response {
  const etag = stored.headers.get('ETag') ?? '';
  const modified = stored.headers.get('Last-Modified');
  const time = modified === null ? undefined : parseHttpDate(modified);
  const lastModified = time === undefined ? undefined : new Date(time);
  const headers = new Headers(stored.headers);
  if (etag && notModified(request.headers, { etag, lastModified }, now)) {
    for (const name of BODY_HEADERS) headers.delete(name);
    return new Response(null, { status: 304, headers });
  }
  const init: EncodedResponseInit = { status: 200, headers };
  if (headers.has('Content-Encoding')) init.encodeBody = 'manual';
  const body = request.method === 'HEAD' ? null : (stored.bytes as Uint8Array<ArrayBuffer>);
  return new Response(body, init);
}

/** A short plain-text answer: errors a person reads (`limit must be a whole number from 1 to 100`). */
export function textResponse(message: string, status: number, headers: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });
}

/** A permanent move to the one URL a thing has (`?page=1` → the feed's own URL; `Company-News` → `company-news`). */
export const movedPermanently = (location: string, headers: Record<string, string> = {}): Response =>
  new Response(null, { status: 301, headers: { ...SECURITY_HEADERS, Location: location, ...headers } });

/** `Accept, Accept-Encoding`: a header name added to a Vary value once, whatever its case there. */
export function mergeVary(vary: string | null, name: string): string {
  const names = (vary ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  return names.some((n) => n.toLowerCase() === name.toLowerCase()) ? names.join(', ') : [name, ...names].join(', ');
}
