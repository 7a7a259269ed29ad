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
/**
 * Both shapes in one flagless pattern, for the editor schemas: JSON Schema's `date-time` format wants
 * seconds, which a publisher may leave out.
 */
const ISO_INSTANT_SHAPE = /^\d{4}-\d{2}-\d{2}(?:[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

/** A real calendar date (no 30 February), as ISO 8601 date or date-time with an offset. */
export function isIsoInstant(text: string): boolean {
  return checkedInstant(text) !== undefined;
}

/** The instant `text` names when `isIsoInstant(text)`, as `toInstant` gives it; undefined otherwise. */
function checkedInstant(text: string): Date | undefined {
  const dateOnly = ISO_DATE.exec(text);
  const m = dateOnly ?? ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // RFC 3339 and RFC 822 dates have four-digit years from 0001: year 0 would render as "-000001".
  if (year < 1 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > daysIn(year, month)) return undefined;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return undefined;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return undefined;
  // An offset can carry the instant out of the four-digit range (9999-12-31T23:00:00-12:00).
  const instant = new Date(dateOnly ? `${text}T00:00:00Z` : text);
  const utcYear = instant.getUTCFullYear();
  return utcYear >= 1 && utcYear <= 9999 ? instant : undefined;
}

/** Days in a month of the proleptic Gregorian calendar, which Date uses for every year. */
const daysIn = (year: number, month: number) =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** A date alone means midnight UTC of that day. */
export function toInstant(text: string): Date {
  return new Date(ISO_DATE.test(text) ? `${text}T00:00:00Z` : text);
}

/** `v.description` in one word: the text editors show beside a field (the editor schemas, README.md#data-format). */
const about = <S extends v.GenericSchema>(schema: S, description: string) => v.pipe(schema, v.description(description));

const NON_EMPTY = 'a non-empty string';
/** Control characters are dropped from feeds (XML 1.0 forbids them): a title of nothing else is empty. */
const hasVisibleText = (s: string) => s.replace(/[\p{Cc}\p{Cs}\uFFFE\uFFFF]/gu, '').trim() !== '';
const nonEmptyString = () => v.pipe(v.string(NON_EMPTY), v.nonEmpty(NON_EMPTY), v.check(hasVisibleText, NON_EMPTY));

const DATE = 'an ISO 8601 date (2022-01-17) or date-time with offset (2022-01-17T09:30:00+01:00)';
const isoDate = () =>
  v.pipe(v.string(DATE), v.regex(ISO_INSTANT_SHAPE, DATE), v.check(isIsoInstant, DATE), v.transform(toInstant));

const ABSOLUTE_URL = 'an absolute http(s) URL';
const absoluteUrl = () =>
  v.pipe(
    v.string(ABSOLUTE_URL),
    v.check(isHttpUrl, ABSOLUTE_URL),
    // For the editor schemas only: what the check above means, in JSON Schema's words.
    v.metadata({ format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' }),
  );

const URL_REFERENCE = 'a URL, absolute or relative to the post (no spaces)';
/** What readers may follow: web pages and files, mail and phone. Never script (`javascript:`) or `data:`. */
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:', 'tel:']);
const REFERENCE_BASE = 'http://site.invalid/posts/';
// No spaces and no control characters: the URL parser strips leading controls, so "\u0001javascript:"
// would otherwise become a script URL after any check of the text.
const isOneWord = (s: string) => s.trim() !== '' && !/[\s\p{Cc}]/u.test(s);
// The loader resolves every reference against the post's URL; one that cannot be parsed ("http://[") would throw there.
const canResolve = (s: string) => URL.canParse(s, REFERENCE_BASE);
// The scheme as a reader's URL parser sees it, not as the text starts.
const hasSafeScheme = (s: string) => SAFE_SCHEMES.has(new URL(s, REFERENCE_BASE).protocol);
const urlReference = () =>
  v.pipe(
    v.string(URL_REFERENCE),
    v.check(isOneWord, URL_REFERENCE),
    v.check(canResolve, URL_REFERENCE),
    v.check(hasSafeScheme, URL_REFERENCE),
    v.metadata({ pattern: '^\\S+$' }),
  );

const LANGUAGE = 'a language tag such as "en" or "en-GB"';
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;
const languageTag = () => v.pipe(v.string(LANGUAGE), v.regex(LANGUAGE_TAG, LANGUAGE));

const EMAIL = 'an e-mail address';
const EMAIL_ADDRESS = /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/;
const email = () => v.pipe(v.string(EMAIL), v.regex(EMAIL_ADDRESS, EMAIL));

/** RFC 4287 §4.2.6: an entry id is an IRI; a bare word would make the Atom feed invalid. */
const ID = 'an absolute URI such as "tag:example.com,2022:board-meeting" or "urn:uuid:…"';
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]+$/;
const postId = () => v.pipe(v.string(ID), v.regex(ABSOLUTE_URI, ID));

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
    name: about(nonEmptyString(), "The author's name."),
    email: v.optional(about(email(), 'An e-mail address.')),
    url: v.optional(about(urlReference(), "The author's page.")),
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
    url: about(urlReference(), 'Absolute, or relative to the post (../media/a.png) or to the site (/media/a.png).'),
    alt: v.optional(about(v.string('a string'), 'The text shown in place of the image.')),
  },
  'an image object ({ "url": "…", "alt": "…" })',
);

const MIME = 'a media type such as "audio/mpeg"';
const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+$/;
export const AttachmentSchema = v.object(
  {
    url: about(urlReference(), 'Absolute, or relative to the post or to the site.'),
    mimeType: about(v.pipe(v.string(MIME), v.regex(MEDIA_TYPE, MIME)), 'The media type: application/pdf, audio/mpeg.'),
    size: v.optional(
      about(
        v.pipe(v.number('a size in bytes'), v.integer('a whole number of bytes'), v.minValue(0, 'a size of 0 bytes or more')),
        'In bytes; a file under media/ gets its real size.',
      ),
    ),
    title: v.optional(about(v.string('a string'), 'The name readers see.')),
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
    maxAge: v.optional(about(seconds(), 'How long readers may keep a feed or page, in seconds.'), CACHE_DEFAULTS.maxAge),
    staleWhileRevalidate: v.optional(
      about(seconds(), 'How long a stale copy may be served while a fresh one is fetched, in seconds.'),
      CACHE_DEFAULTS.staleWhileRevalidate,
    ),
  },
  'an object ({ "maxAge": 300, "staleWhileRevalidate": 3600 })',
);

/** The file's own pointer to its JSON Schema, for editors (`npm run schemas`); the loader ignores it. */
const schemaPointer = () =>
  v.optional(v.pipe(v.string('a string'), v.description('The JSON Schema this file follows, for editors.')));

export const POST_FORMATS = ['html', 'markdown'] as const;
export type PostFormat = (typeof POST_FORMATS)[number];

const TIME_ZONE = 'an IANA time zone such as "Europe/Berlin" or "America/Los_Angeles"';
/** Whatever this runtime's Intl knows: the zone pages format their dates in must be one it can use. */
function isTimeZone(name: string): boolean {
  // ECMA-402 requires every implementation to know UTC, the default: no need to wake Intl up for it.
  if (name === 'UTC') return true;
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
    $schema: schemaPointer(),
    title: about(nonEmptyString(), "The site's name."),
    description: about(nonEmptyString(), 'One sentence about the site.'),
    url: v.optional(about(absoluteUrl(), 'The public base URL (http or https, may include a path). SITE_URL overrides it.')),
    language: about(languageTag(), 'A language tag: en, en-GB, zh-Hans.'),
    authors: about(authors(), 'At least one author; the default of every post.'),
    copyright: v.optional(about(v.string('a string'), 'The copyright notice feeds carry.')),
    icon: v.optional(about(urlReference(), "The site's icon; a relative URL resolves against the site.")),
    feedLimit: v.optional(about(itemCount(), 'Items per feed page, 1 to 1000.'), FEED_LIMIT_DEFAULT),
    /** The largest `?limit=N` a reader may ask of a feed (never below `feedLimit`). */
    maxLimit: v.optional(
      about(itemCount(), 'The largest ?limit=N a reader may ask of a feed, 1 to 1000 (never below feedLimit).'),
      MAX_LIMIT_DEFAULT,
    ),
    cache: v.optional(about(CacheSchema, 'Cache-Control of feeds and pages, in seconds; also RSS <ttl>.'), {}),
    /** A WebSub hub the feeds name, so subscribers can be pushed new posts instead of polling. */
    hub: v.optional(about(absoluteUrl(), 'A WebSub hub URL, named in every feed.')),
    /** The zone pages show dates in: a post at 18:00 in San Francisco is dated that day there, not the next in UTC. */
    timeZone: v.optional(about(timeZone(), 'The IANA time zone pages show dates in (default UTC).'), 'UTC'),
    feedContent: v.optional(
      about(v.picklist(FEED_CONTENTS, '"full" or "summary"'), 'What feed items carry: the whole post (full) or its summary and link (summary).'),
      'full',
    ),
  },
  'a JSON object',
);

export const PostSchema = v.object(
  {
    $schema: schemaPointer(),
    title: about(nonEmptyString(), "The post's title."),
    published: about(
      isoDate(),
      'ISO 8601 date (2022-01-17, midnight UTC) or date-time with offset (2022-01-17T09:30:00+01:00). A future date schedules the post.',
    ),
    format: v.optional(
      about(
        v.picklist(POST_FORMATS, 'either "html" or "markdown"'),
        'How content is written: "html" (the default) or "markdown" (CommonMark, HTML inside allowed).',
      ),
      'html',
    ),
    content: about(
      v.string('an HTML or Markdown string'),
      'The body, as HTML or, with "format": "markdown", as CommonMark. Relative URLs resolve against the post.',
    ),
    id: v.optional(
      about(postId(), 'A stable absolute URI (tag:…, urn:uuid:…, https://…). Default: the post\'s URL. Set it before changing the slug.'),
    ),
    slug: v.optional(
      about(slug(), 'Lowercase a-z, digits and single hyphens; default: the file name. The post lives at /posts/<slug>.'),
    ),
    updated: v.optional(about(isoDate(), 'Like published, not earlier than it; default: published.')),
    summary: v.optional(about(v.string('a string'), 'Plain text; default: the first 280 characters of the content.')),
    authors: v.optional(about(authors(), "Default: the site's authors.")),
    categories: v.optional(
      about(v.array(nonEmptyString(), 'a list of category names (["Company News"])'), 'Category names.'),
    ),
    image: v.optional(about(ImageSchema, 'The lead image; a file under media/ gets its real type and size.')),
    attachments: v.optional(about(v.array(AttachmentSchema, 'a list of attachments'), 'Files readers may download.')),
    draft: v.optional(about(v.boolean('true or false'), 'true keeps the post out of every feed and page.')),
    language: v.optional(about(languageTag(), "The post's language tag when it differs from the site's.")),
  },
  'a JSON object',
);

export type Author = v.InferOutput<typeof AuthorSchema>;
export type Image = v.InferOutput<typeof ImageSchema>;
export type Attachment = v.InferOutput<typeof AttachmentSchema>;
export type Site = v.InferOutput<typeof SiteSchema>;
export type PostRecord = v.InferOutput<typeof PostSchema>;

/** A validated post with its defaults resolved: the slug and the file it came from are always known. */
export type Post = Omit<PostRecord, 'slug' | 'updated' | 'image' | 'format' | '$schema'> & {
  slug: string;
  /** With the media type and size filled in when the image is one of the site's own files. */
  image?: Image & { mimeType?: string; size?: number };
  /** HTML always: a Markdown record's content is rendered when it is loaded. */
  content: string;
  /** `updated`, or `published` when the record has none. */
  updated: Date;
  file: string;
};

// ---------------------------------------------------------------------------------------------------------
// The common case, checked directly

/** Not valid, or not sure: valibot decides, and says why. */
const UNSURE = Symbol('unsure');
type Checked = unknown;
type Check = (value: unknown) => Checked;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const text = (ok?: (s: string) => boolean): Check => (value) =>
  typeof value === 'string' && (!ok || ok(value)) ? value : UNSURE;
/** A printable ASCII character is visible text whatever else the string holds: no need for the full check. */
const visible = (s: string) => {
  const first = s.charCodeAt(0);
  return (first > 32 && first < 127) || (s.length > 0 && hasVisibleText(s));
};
const matches = (pattern: RegExp) => (s: string) => pattern.test(s);
/** References repeat (the same image in every post): the answer for a text is always the same. */
const knownReferences = new Map<string, boolean>();
const isUrlReference = (s: string) => {
  let ok = knownReferences.get(s);
  if (ok === undefined) {
    if (knownReferences.size >= 4096) knownReferences.clear();
    knownReferences.set(s, (ok = isOneWord(s) && canResolve(s) && hasSafeScheme(s)));
  }
  return ok;
};
// Checked and made in one parse of the text: the instant the check makes is the one `toInstant` makes.
const date: Check = (value) => (typeof value === 'string' && ISO_INSTANT_SHAPE.test(value) ? (checkedInstant(value) ?? UNSURE) : UNSURE);
const list = (item: Check, min = 0): Check => (value) => {
  if (!Array.isArray(value) || value.length < min) return UNSURE;
  const out: unknown[] = [];
  for (const element of value) {
    const checked = item(element);
    if (checked === UNSURE) return UNSURE;
    out.push(checked);
  }
  return out;
};
/**
 * An object as `v.object` outputs it: the schema's keys in the schema's order, those the input has,
 * plus defaults. Any key the schema does not know leaves it to the slow path, which reports it.
 */
const record = (schema: { entries: Record<string, unknown> }, checks: Record<string, Check>, defaults: Record<string, unknown> = {}): Check => {
  const keys = Object.keys(schema.entries);
  const required = new Set(keys.filter((key) => (schema.entries[key] as { type: string }).type !== 'optional'));
  return (value) => {
    if (!isObject(value)) return UNSURE;
    // `for in` rather than Object.keys: no array per object. A key inherited from a polluted prototype
    // is no check's either, and leaves the object to valibot, which is always right.
    for (const key in value) if (!Object.hasOwn(checks, key)) return UNSURE;
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      if (key in value) {
        const checked = (checks[key] as Check)(value[key]);
        if (checked === UNSURE) return UNSURE;
        out[key] = checked;
      } else if (Object.hasOwn(defaults, key)) out[key] = defaults[key];
      else if (required.has(key)) return UNSURE;
    }
    return out;
  };
};

const nonEmpty = text(visible);
const reference = text(isUrlReference);
const author = record(AuthorSchema, { name: nonEmpty, email: text(matches(EMAIL_ADDRESS)), url: reference });
const image = record(ImageSchema, { url: reference, alt: text() });
const attachment = record(AttachmentSchema, {
  url: reference,
  mimeType: text(matches(MEDIA_TYPE)),
  size: (value) => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : UNSURE),
  title: text(),
});
/** One check per field of `PostSchema`, the same checks in the same order (a test holds them together). */
export const POST_FIELD_CHECKS: Record<string, Check> = {
  $schema: text(),
  title: nonEmpty,
  published: date,
  format: (value) => (value === 'html' || value === 'markdown' ? value : UNSURE),
  content: text(),
  id: text(matches(ABSOLUTE_URI)),
  slug: text((s) => SLUG_PATTERN.test(s) && s.length <= SLUG_MAX_LENGTH),
  updated: date,
  summary: text(),
  authors: list(author, 1),
  categories: list(nonEmpty),
  image,
  attachments: list(attachment),
  draft: (value) => (typeof value === 'boolean' ? value : UNSURE),
  language: text(matches(LANGUAGE_TAG)),
};
const post = record(PostSchema, POST_FIELD_CHECKS, { format: 'html' });

/**
 * A post as `v.safeParse(PostSchema, json)` outputs it, when `json` is a valid post without unknown
 * fields, checked directly: valibot's own walk costs as much as reading the file. Undefined when the
 * post is not valid or has a field the schema does not know: valibot then says what is wrong.
 */
export function quickPostRecord(json: unknown): PostRecord | undefined {
  const checked = post(json);
  return checked === UNSURE ? undefined : (checked as PostRecord);
}
