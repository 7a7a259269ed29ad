/**
 * Conditional GET (RFC 9110 §13): the answer most polls should get is 304, a few hundred bytes.
 */

/** IMF-fixdate, the only form we send (RFC 9110 §5.6.7): `Mon, 17 Jan 2022 00:00:00 GMT`. */
export const httpDate = (date: Date): string => date.toUTCString();

/** Strips a weak prefix: If-None-Match uses the weak comparison (RFC 9110 §13.1.2). */
const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** `"a", W/"b"` → the tags; a malformed member (no quotes) matches nothing, never everything. */
function entityTags(header: string): string[] {
  return Array.from(header.matchAll(/(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"/g), (m) => opaque(m[0]));
}

export interface Validators {
  etag: string;
  lastModified?: Date | undefined;
}

/**
 * Whether a GET or HEAD may be answered 304. If-None-Match, when present, decides alone (§13.1.3:
 * If-Modified-Since is then ignored); otherwise If-Modified-Since with one-second precision, since
 * that is all an HTTP-date carries.
 */
export function notModified(headers: Headers, validators: Validators): boolean {
  const ifNoneMatch = headers.get('If-None-Match');
  if (ifNoneMatch !== null) {
    if (ifNoneMatch.trim() === '*') return true;
    const current = opaque(validators.etag);
    return entityTags(ifNoneMatch).includes(current);
  }
  const ifModifiedSince = headers.get('If-Modified-Since');
  if (ifModifiedSince === null || !validators.lastModified) return false;
  const since = Date.parse(ifModifiedSince);
  // An unparsable date is ignored (§13.1.3), as is one from the future relative to our data.
  if (Number.isNaN(since)) return false;
  return Math.floor(validators.lastModified.getTime() / 1000) <= Math.floor(since / 1000);
}
