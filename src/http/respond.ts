import { httpDate, notModified } from './conditional.ts';
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
  if (coding) common['Content-Encoding'] = coding;
  // Hono answers HEAD by running the GET route and dropping the body, keeping every header.
  return new Response(variant.bytes as Uint8Array<ArrayBuffer>, { status: 200, headers: common });
}

/** A short plain-text answer: errors a person reads (`limit must be a whole number from 1 to 100`). */
export function textResponse(message: string, status: number, headers: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });
}
