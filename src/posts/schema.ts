import * as v from 'valibot';
import { isHttpUrl } from './http-url.ts';

/**
 * The data format, as valibot schemas: the single source of the TypeScript types.
 * Each schema's message is the "expected …" half of the error a publisher reads
 * (`title: expected a non-empty string, got 42`).
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** A real calendar date (no 30 February), as ISO 8601 date or date-time with an offset. */
export function isIsoInstant(text: string): boolean {
  const m = ISO_DATE.exec(text) ?? ISO_DATE_TIME.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // RFC 3339 and RFC 822 dates have four-digit years from 0001: year 0 would render as "-000001".
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month, 0); // not Date.UTC, which reads years 0–99 as 1900–1999
  if (day > lastDay.getUTCDate()) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return false;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return false;
  // An offset can carry the instant out of the four-digit range (9999-12-31T23:00:00-12:00).
  const utcYear = toInstant(text).getUTCFullYear();
  return utcYear >= 1 && utcYear <= 9999;
}

/** A date alone means midnight UTC of that day. */
export function toInstant(text: string): Date {
  return new Date(ISO_DATE.test(text) ? `${text}T00:00:00Z` : text);
}

const NON_EMPTY = 'a non-empty string';
const nonEmptyString = () =>
  v.pipe(
    v.string(NON_EMPTY),
    // Control characters are dropped from feeds (XML 1.0 forbids them): a title of nothing else is empty.
    v.check((s) => s.replace(/[\p{Cc}\p{Cs}\uFFFE\uFFFF]/gu, '').trim() !== '', NON_EMPTY),
  );

const DATE = 'an ISO 8601 date (2022-01-17) or date-time with offset (2022-01-17T09:30:00+01:00)';
const isoDate = () =>
  v.pipe(v.string(DATE), v.check(isIsoInstant, DATE), v.transform(toInstant));

const ABSOLUTE_URL = 'an absolute http(s) URL';
const absoluteUrl = () => v.pipe(v.string(ABSOLUTE_URL), v.check(isHttpUrl, ABSOLUTE_URL));

const URL_REFERENCE = 'a URL, absolute or relative to the post (no spaces)';
/** What readers may follow: web pages and files, mail and phone. Never script (`javascript:`) or `data:`. */
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:', 'tel:']);
const REFERENCE_BASE = 'http://site.invalid/posts/';
const urlReference = () =>
  v.pipe(
    v.string(URL_REFERENCE),
    // No spaces and no control characters: the URL parser strips leading controls, so "\u0001javascript:"
    // would otherwise become a script URL after any check of the text.
    v.check((s) => s.trim() !== '' && !/[\s\p{Cc}]/u.test(s), URL_REFERENCE),
    // The loader resolves every reference against the post's URL; one that cannot be parsed ("http://[") would throw there.
    v.check((s) => URL.canParse(s, REFERENCE_BASE), URL_REFERENCE),
    // The scheme as a reader's URL parser sees it, not as the text starts.
    v.check((s) => SAFE_SCHEMES.has(new URL(s, REFERENCE_BASE).protocol), URL_REFERENCE),
  );

const LANGUAGE = 'a language tag such as "en" or "en-GB"';
const languageTag = () =>
  v.pipe(v.string(LANGUAGE), v.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, LANGUAGE));

const EMAIL = 'an e-mail address';
const email = () => v.pipe(v.string(EMAIL), v.regex(/^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/, EMAIL));

/** RFC 4287 §4.2.6: an entry id is an IRI; a bare word would make the Atom feed invalid. */
const ID = 'an absolute URI such as "tag:example.com,2022:board-meeting" or "urn:uuid:…"';
const postId = () =>
  v.pipe(v.string(ID), v.regex(/^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]+$/, ID));

const SLUG = 'a slug of lowercase letters a-z, digits and single hyphens (e.g. "board-meeting-2022")';
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Far below the 2048-character URL limit requests are held to, with room for the site's own path. */
export const SLUG_MAX_LENGTH = 200;
const slug = () =>
  v.pipe(
    v.string(SLUG),
    v.regex(SLUG_PATTERN, SLUG),
    v.maxLength(SLUG_MAX_LENGTH, `a slug of at most ${SLUG_MAX_LENGTH} characters`),
  );

export const AuthorSchema = v.object(
  {
    name: nonEmptyString(),
    email: v.optional(email()),
    url: v.optional(urlReference()),
  },
  'an author object ({ "name": "…" })',
);

const authors = () =>
  v.pipe(
    v.array(AuthorSchema, 'a list of authors ([{ "name": "…" }])'),
    v.minLength(1, 'a list with at least one author'),
  );

export const ImageSchema = v.object(
  {
    url: urlReference(),
    alt: v.optional(v.string('a string')),
  },
  'an image object ({ "url": "…", "alt": "…" })',
);

const MIME = 'a media type such as "audio/mpeg"';
export const AttachmentSchema = v.object(
  {
    url: urlReference(),
    mimeType: v.pipe(v.string(MIME), v.regex(/^[\w.+-]+\/[\w.+-]+$/, MIME)),
    size: v.optional(
      v.pipe(v.number('a size in bytes'), v.integer('a whole number of bytes'), v.minValue(0, 'a size of 0 bytes or more')),
    ),
    title: v.optional(v.string('a string')),
  },
  'an attachment object ({ "url": "…", "mimeType": "…" })',
);

export const FEED_LIMIT_DEFAULT = 20;
export const MAX_LIMIT_DEFAULT = 100;

/** How long readers and shared caches may keep a feed or page before asking again, in seconds. */
export const CACHE_DEFAULTS = { maxAge: 300, staleWhileRevalidate: 3600 } as const;
/** A whole number in a range, with one message for every way of missing it. */
const wholeNumber = (min: number, max: number, message: string) =>
  v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));

const seconds = () => wholeNumber(0, 31_536_000, 'a whole number of seconds from 0 to 31536000 (a year)');
const itemCount = () => wholeNumber(1, 1000, 'a whole number from 1 to 1000');

export const CacheSchema = v.object(
  {
    maxAge: v.optional(seconds(), CACHE_DEFAULTS.maxAge),
    staleWhileRevalidate: v.optional(seconds(), CACHE_DEFAULTS.staleWhileRevalidate),
  },
  'an object ({ "maxAge": 300, "staleWhileRevalidate": 3600 })',
);

const TIME_ZONE = 'an IANA time zone such as "Europe/Berlin" or "America/Los_Angeles"';
/** Whatever this runtime's Intl knows: the zone pages format their dates in must be one it can use. */
function isTimeZone(name: string): boolean {
  if (name.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    // RangeError: Intl does not know the zone, which is the answer
    return false;
  }
}
const timeZone = () => v.pipe(v.string(TIME_ZONE), v.check(isTimeZone, TIME_ZONE));

/** What a feed item carries: the whole post, or its summary and a link to the post's page. */
export const FEED_CONTENTS = ['full', 'summary'] as const;
export type FeedContent = (typeof FEED_CONTENTS)[number];

export const SiteSchema = v.object(
  {
    title: nonEmptyString(),
    description: nonEmptyString(),
    url: v.optional(absoluteUrl()),
    language: languageTag(),
    authors: authors(),
    copyright: v.optional(v.string('a string')),
    icon: v.optional(urlReference()),
    feedLimit: v.optional(itemCount(), FEED_LIMIT_DEFAULT),
    /** The largest `?limit=N` a reader may ask of a feed (never below `feedLimit`). */
    maxLimit: v.optional(itemCount(), MAX_LIMIT_DEFAULT),
    cache: v.optional(CacheSchema, {}),
    /** A WebSub hub the feeds name, so subscribers can be pushed new posts instead of polling. */
    hub: v.optional(absoluteUrl()),
    /** The zone pages show dates in: a post at 18:00 in San Francisco is dated that day there, not the next in UTC. */
    timeZone: v.optional(timeZone(), 'UTC'),
    feedContent: v.optional(v.picklist(FEED_CONTENTS, '"full" or "summary"'), 'full'),
  },
  'a JSON object',
);

export const PostSchema = v.object(
  {
    title: nonEmptyString(),
    published: isoDate(),
    content: v.string('an HTML string'),
    id: v.optional(postId()),
    slug: v.optional(slug()),
    updated: v.optional(isoDate()),
    summary: v.optional(v.string('a string')),
    authors: v.optional(authors()),
    categories: v.optional(v.array(nonEmptyString(), 'a list of category names (["Company News"])')),
    image: v.optional(ImageSchema),
    attachments: v.optional(v.array(AttachmentSchema, 'a list of attachments')),
    draft: v.optional(v.boolean('true or false')),
    language: v.optional(languageTag()),
  },
  'a JSON object',
);

export type Author = v.InferOutput<typeof AuthorSchema>;
export type Image = v.InferOutput<typeof ImageSchema>;
export type Attachment = v.InferOutput<typeof AttachmentSchema>;
export type Site = v.InferOutput<typeof SiteSchema>;
export type PostRecord = v.InferOutput<typeof PostSchema>;

/** A validated post with its defaults resolved: the slug and the file it came from are always known. */
export type Post = Omit<PostRecord, 'slug' | 'updated' | 'image'> & {
  slug: string;
  /** With the media type and size filled in when the image is one of the site's own files. */
  image?: Image & { mimeType?: string; size?: number };
  /** `updated`, or `published` when the record has none. */
  updated: Date;
  file: string;
};
