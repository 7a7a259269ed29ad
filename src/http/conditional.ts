/**
 * Conditional GET (RFC 9110 §13): the answer most polls should get is 304, a few hundred bytes.
 */

import { rfc822 } from '../feeds/dates.ts';

/**
 * IMF-fixdate, the only form we send (RFC 9110 §5.6.7): `Mon, 17 Jan 2022 00:00:00 GMT`. The same text
 * as RSS's RFC 822 dates with a four-digit year, so one formatter makes both.
 */
export const httpDate: (date: Date) => string = rfc822;

/** Strips a weak prefix: If-None-Match uses the weak comparison (RFC 9110 §13.1.2). */
const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** `"a", W/"b"` → the tags; a malformed member (no quotes) matches nothing, never everything. */
function entityTags(header: string): string[] {
  return Array.from(header.matchAll(/(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"/g), (m) => opaque(m[0]));
}

const TIME = String.raw`(?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2})`;
/** The three forms of HTTP-date (RFC 9110 §5.6.7), all in GMT. */
const HTTP_DATE_FORMS = [
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  new RegExp(String.raw`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?<day>\d{2}) (?<month>\w{3}) (?<year>\d{4}) ${TIME} GMT$`),
  // rfc850-date, obsolete: Sunday, 06-Nov-94 08:49:37 GMT
  new RegExp(
    String.raw`^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, (?<day>\d{2})-(?<month>\w{3})-(?<year>\d{2}) ${TIME} GMT$`,
  ),
  // asctime-date, obsolete: Sun Nov  6 08:49:37 1994
  new RegExp(String.raw`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?<month>\w{3}) (?<day>[ \d]\d) ${TIME} (?<year>\d{4})$`),
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * An HTTP-date in any of its three forms, as milliseconds; undefined when the text is not one.
 * Recipients must accept all three (RFC 9110 §5.6.7). Not `Date.parse`: it reads asctime in the
 * server's local time zone, and turns junk such as `99999` into a date far in the future, which
 * would answer 304 to every later change.
 * @param [now] - the present, for rfc850's two-digit year
 */
export function parseHttpDate(text: string, now: Date = new Date()): number | undefined {
  const fields = HTTP_DATE_FORMS.map((form) => form.exec(text)?.groups).find((groups) => groups !== undefined);
  if (!fields) return undefined;
  const month = MONTHS.indexOf(fields.month ?? '');
  const [day = 0, hour = 0, minute = 0, second = 0] = [fields.day, fields.hour, fields.minute, fields.second].map(Number);
  let year = Number(fields.year);
  if (fields.year?.length === 2) {
    // A two-digit year more than 50 years ahead is the most recent such year in the past (§5.6.7).
    const thisYear = now.getUTCFullYear();
    year += thisYear - (thisYear % 100);
    if (year > thisYear + 50) year -= 100;
  }
  if (month < 0 || hour > 23 || minute > 59 || second > 60) return undefined;
  // A leap second (:60) counts as :59; 31 Feb is no date, though Date.UTC would roll it into March.
  const time = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  return new Date(time).getUTCDate() === day ? time : undefined;
}

export interface Validators {
  etag: string;
  lastModified?: Date | undefined;
}

/** The request's conditional headers, as the runtime hands them (`null` or `undefined`: absent). */
export interface Conditions {
  ifNoneMatch: string | null | undefined;
  ifModifiedSince: string | null | undefined;
}

/**
 * Whether a GET or HEAD may be answered 304. If-None-Match, when present, decides alone (§13.1.3:
 * If-Modified-Since is then ignored); otherwise If-Modified-Since with one-second precision, since
 * that is all an HTTP-date carries.
 * @param now - the server's clock, asked only when If-Modified-Since is read: a date after it is
 *   ignored (RFC 9110 §13.1.3 lets a server ignore an invalid date; RFC 7232 §3.3 called a future one
 *   invalid), else it would answer 304 to every change made until then
 */
export function notModified(headers: Headers, validators: Validators, now: () => Date): boolean {
  return notModifiedBy(
    { ifNoneMatch: headers.get('If-None-Match'), ifModifiedSince: headers.get('If-Modified-Since') },
    validators,
    now,
  );
}

/** `notModified` on the two header values alone, for callers without a `Headers` (Node's own request). */
export function notModifiedBy(conditions: Conditions, validators: Validators, now: () => Date): boolean {
  const { ifNoneMatch, ifModifiedSince } = conditions;
  if (ifNoneMatch !== null && ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    const current = opaque(validators.etag);
    return entityTags(ifNoneMatch).includes(current);
  }
  if (ifModifiedSince === null || ifModifiedSince === undefined || !validators.lastModified) return false;
  const at = now();
  const since = parseHttpDate(ifModifiedSince.trim(), at);
  // A value that is not one HTTP-date (junk, or a list of several) is ignored (§13.1.3).
  if (since === undefined || since > at.getTime()) return false;
  return Math.floor(validators.lastModified.getTime() / 1000) <= Math.floor(since / 1000);
}
