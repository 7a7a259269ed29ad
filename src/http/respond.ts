import { httpDate, notModified, parseHttpDate } from './conditional.ts';
import { answerPoll, type PollAnswer } from './poll.ts';
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

/**
 * What a 304 carries of the 200 it stands for. RFC 9110 §15.4.5: the fields a 200 would have sent among
 * Cache-Control, Content-Location, ETag, Expires and Vary (Date comes from the server), and no other
 * representation metadata; a cache keeps the rest of what it stored. CORS besides, so a web-based reader
 * that revalidates itself may read the answer; Expose-Headers exactly as on the 200, since a cache
 * replaces its stored fields with those of the 304 (RFC 9111 §4.3.4).
 */
export const NOT_MODIFIED_FIELDS: readonly string[] = [
  'ETag',
  'Cache-Control',
  'Expires',
  'Vary',
  'Content-Location',
  'Access-Control-Allow-Origin',
  'Access-Control-Expose-Headers',
];
const NOT_MODIFIED_LOWER = new Set(NOT_MODIFIED_FIELDS.map((name) => name.toLowerCase()));

/** The fields of a 200's headers that its 304 repeats, in the 200's order. */
export function notModifiedFields(ok: Iterable<[string, string]>): [string, string][] {
  return [...ok].filter(([name]) => NOT_MODIFIED_LOWER.has(name.toLowerCase()));
}

/**
 * One variant's answers, headers built once (as a record and as node:http's flat list): a poll copies
 * nothing, formats no date and allocates nothing.
 */
export interface PreparedVariant {
  bytes: Uint8Array;
  etag: string;
  coding: ContentCoding | undefined;
  answers: { ok: PollAnswer; notModified: PollAnswer };
}

/** A representation with every header of every answer made, ready for the hot path. */
export interface Prepared {
  identity: PreparedVariant;
  encoded: Partial<Record<ContentCoding, PreparedVariant>>;
  available: readonly ContentCoding[];
  lastModified: Date | undefined;
  /** The request headers the answer depends on (its `Vary`). */
  vary: readonly string[];
  /** For the render cache's bound: the bytes, all variants together. */
  size: number;
}

/**
 * Builds the 200 and 304 headers of each variant once per representation.
 * @param headers - per-route headers (Cache-Control, Link, CORS); the 304 repeats those in NOT_MODIFIED_FIELDS
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
    const ok: Record<string, string> = {
      ...common,
      ETag: etag,
      'Content-Type': representation.contentType,
      'Content-Length': String(bytes.byteLength),
    };
    if (coding) ok['Content-Encoding'] = coding;
    const notModified = Object.fromEntries(notModifiedFields(Object.entries(ok)));
    const answers = {
      ok: { status: 200, headers: ok, flatHeaders: flat(ok), bytes, coding },
      notModified: { status: 304, headers: notModified, flatHeaders: flat(notModified), bytes: null, coding },
    } as const;
    return { bytes, etag, coding, answers };
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
    vary: varyOn,
    size: representation.size,
  };
}

const flat = (headers: Record<string, string>): string[] => Object.entries(headers).flat();

/** The real clock, for callers without one of their own. */
const systemClock = (): Date => new Date();

/**
 * Answers a GET or HEAD from a prepared representation, as `answerPoll` decides. Headers go in as a
 * plain object, which @hono/node-server writes without building a `Headers`.
 * @param [now] - the clock an If-Modified-Since is checked against (see `notModified`)
 */
export function respondPrepared(request: Request, prepared: Prepared, now: () => Date = systemClock): Response {
  const headers = request.headers;
  const answer = answerPoll(
    {
      acceptEncoding: headers.get('Accept-Encoding'),
      ifNoneMatch: headers.get('If-None-Match'),
      ifModifiedSince: headers.get('If-Modified-Since'),
    },
    prepared,
    now,
  );
  const init: EncodedResponseInit = { status: answer.status, headers: answer.headers };
  if (answer.coding && answer.bytes) init.encodeBody = 'manual';
  // Hono answers HEAD by running the GET route and dropping the body, keeping every header.
  return new Response(answer.bytes as Uint8Array<ArrayBuffer> | null, init);
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
  if (etag && notModified(request.headers, { etag, lastModified }, now)) {
    return new Response(null, { status: 304, headers: notModifiedFields(stored.headers) });
  }
  const headers = new Headers(stored.headers);
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
