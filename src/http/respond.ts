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

/**
 * Answers a GET or HEAD from a representation made earlier: picks the encoding, then either 304 or the
 * bytes. Headers go in as a plain object, which @hono/node-server writes without building a `Headers`.
 * @param headers - per-route headers (Cache-Control, Link, CORS), sent on the 304 too (RFC 9110 §15.4.5)
 */
export function respond(request: Request, representation: Representation, headers: Record<string, string> = {}): Response {
  const available = CONTENT_CODINGS.filter((coding) => representation.encoded[coding]);
  const coding: ContentCoding | undefined = chooseEncoding(request.headers.get('Accept-Encoding'), available);
  const variant = (coding && representation.encoded[coding]) || representation.identity;
  const common: Record<string, string> = {
    ...securityHeadersFor(representation.contentType),
    ...headers,
    ETag: variant.etag,
  };
  if (representation.lastModified) common['Last-Modified'] = httpDate(representation.lastModified);
  if (isCompressible(representation.contentType)) common.Vary = 'Accept-Encoding';

  if (notModified(request.headers, { etag: variant.etag, lastModified: representation.lastModified })) {
    return new Response(null, { status: 304, headers: common });
  }
  common['Content-Type'] = representation.contentType;
  common['Content-Length'] = String(variant.bytes.byteLength);
  const init: EncodedResponseInit = { status: 200, headers: common };
  if (coding) {
    common['Content-Encoding'] = coding;
    init.encodeBody = 'manual';
  }
  // Hono answers HEAD by running the GET route and dropping the body, keeping every header.
  return new Response(variant.bytes as Uint8Array<ArrayBuffer>, init);
}

/**
 * Answers a GET or HEAD from a 200 that respond() made earlier and a cache kept (headers and bytes):
 * the same 304 decision on the same validators, the same headers, so a client cannot tell the two apart.
 */
export function respondFromStored(request: Request, stored: { headers: Headers; bytes: Uint8Array }): Response {
  const etag = stored.headers.get('ETag') ?? '';
  const modified = stored.headers.get('Last-Modified');
  const time = modified === null ? undefined : parseHttpDate(modified);
  const lastModified = time === undefined ? undefined : new Date(time);
  const headers = new Headers(stored.headers);
  if (etag && notModified(request.headers, { etag, lastModified })) {
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
