import type { Author, Dataset, Post, Site } from '../posts/index.ts';
import { newestFirst, sortNewestFirst } from '../posts/order.ts';
import { absoluteUrl, absoluteUrlsInHtml } from './absolute-urls.ts';
import { limitQuery, pageCount, pageNeighbours, pagePath, pageSlice, type PageRelation } from './paging.ts';
import { defaultSummary } from './plain-text.ts';
import type { SafeContent } from './safe-content.ts';
import { dropNonXmlChars } from './xml-escape.ts';

export const FEED_FORMATS = ['rss', 'atom', 'json'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export const FEED_FILES: Record<FeedFormat, string> = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' };
export const FEED_MEDIA_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  json: 'application/feed+json',
};

export interface FeedAuthor {
  name: string;
  email?: string;
  url?: string;
}

export interface FeedImage {
  url: string;
  alt?: string;
  mimeType?: string;
  size?: number;
}

export interface FeedAttachment {
  url: string;
  mimeType: string;
  size?: number;
  title?: string;
}

/** One post as every format sees it: texts cleaned, URLs absolute, dates resolved. */
export interface FeedItem {
  id: string;
  url: string;
  title: string;
  /** Absent when the site's feeds carry summaries only (`feedContent: "summary"`). */
  contentHtml?: string;
  summary: string;
  published: Date;
  updated: Date;
  authors: FeedAuthor[];
  categories: string[];
  image?: FeedImage;
  attachments: FeedAttachment[];
  language?: string;
}

/** An item with its content, as a post's page shows it whatever the feeds carry. */
export type FeedItemWithContent = FeedItem & { contentHtml: string };

/** What a renderer needs, and nothing it would have to compute: renderers are pure `(model) => string`. */
export interface FeedModel {
  /** A stable IRI for the feed (RFC 4287 §4.2.6). */
  id: string;
  title: string;
  description: string;
  language: string;
  /** The page a person reads: the site's home, or the category's or author's page. */
  homePageUrl: string;
  /** This document in each format (this page, with the reader's limit), so each renderer can name itself and its siblings. */
  feedUrls: Record<FeedFormat, string>;
  /** RFC 5005 §3 links to the other pages, each in every format; absent when one page holds the feed. */
  paging?: Partial<Record<PageRelation, Record<FeedFormat, string>>>;
  /** An XSLT stylesheet that shows RSS and Atom as a page in a browser (`<?xml-stylesheet?>`). */
  stylesheetUrl?: string;
  /** The newest change among the feed's posts; the epoch when there are none, never "now". */
  updated: Date;
  authors: FeedAuthor[];
  copyright?: string;
  iconUrl?: string;
  /** How long a reader may keep the feed before polling again, in minutes (RSS `<ttl>`). */
  ttlMinutes?: number;
  /** A WebSub hub that pushes updates of this feed. */
  hubUrl?: string;
  items: FeedItem[];
}

/** The site's public address without a trailing slash: `https://example.com` or `https://example.com/news`. */
export function normalizeBaseUrl(url: string): string {
  // Through the URL parser: non-ASCII paths are percent-encoded and hosts punycoded, so every link
  // built on the base is a valid URI; a query or fragment cannot be part of a base.
  let href = url;
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    href = parsed.href;
  } catch {
    // not a URL: the caller validated it, so only a test gets here; keep the text
  }
  return href.replace(/\/+$/, '');
}

export const homePageUrl = (baseUrl: string): string => `${baseUrl}/`;
/**
 * The address a post's data is written against, `…/posts/<slug>`: relative URLs in its content resolve
 * against it, and it is the post's default id (ids never change). Its page is one slash further.
 */
export const postBaseUrl = (baseUrl: string, slug: string): string => `${baseUrl}/posts/${encodeURIComponent(slug)}`;
/** A post's page, `…/posts/<slug>/`: a folder's index, which every static host serves as it is. */
export const postUrl = (baseUrl: string, slug: string): string => `${postBaseUrl(baseUrl, slug)}/`;
/** The page of a list (a category's or author's posts), `…/categories/<slug>/`; the home page for `''`. */
export const listPageUrl = (baseUrl: string, scopePath: string, page = 1): string => `${baseUrl}${scopePath}${pagePath(page)}/`;
export const feedUrl = (baseUrl: string, scopePath: string, format: FeedFormat): string =>
  `${baseUrl}${scopePath}/${FEED_FILES[format]}`;
/** The feed in every format at one page and limit: `…/page/2/rss.xml?limit=5`. */
export const feedUrlsAt = (baseUrl: string, scopePath: string, page = 1, limit?: number): Record<FeedFormat, string> => {
  const at = `${baseUrl}${scopePath}${pagePath(page)}`;
  const query = limitQuery(limit);
  return {
    rss: feedUrl(at, '', 'rss') + query,
    atom: feedUrl(at, '', 'atom') + query,
    json: feedUrl(at, '', 'json') + query,
  };
};

/**
 * The posts a reader may see at `now`, newest first: no drafts, nothing scheduled for later. A scheduled
 * post appears as soon as its time comes, with no reload.
 */
export class PublishedPosts {
  #candidates: readonly Post[];
  /**
   * Each candidate's `updated` (ms), in the same order, and the newest of them from each place to the
   * end: a feed's date without visiting 100,000 posts scattered over the heap at every new version.
   * Made on first use, then carried through `changed` by the same splices as the posts.
   */
  #updated: Float64Array | undefined;
  #newestFrom: Float64Array | undefined;
  /** The last list `at` gave, by where it starts: the same array while no scheduled post comes due. */
  #shown: { first: number; posts: readonly Post[] } | undefined;

  constructor(dataset: Pick<Dataset, 'posts'>) {
    const candidates: Post[] = [];
    const updated = new Float64Array(dataset.posts.length);
    // One visit to each post for both: at 100,000 posts a visit is what costs, not the arithmetic.
    for (const post of dataset.posts) {
      if (post.draft) continue;
      updated[candidates.length] = post.updated.getTime();
      candidates.push(post);
    }
    this.#candidates = candidates;
    this.#updated = candidates.length === updated.length ? updated : updated.slice(0, candidates.length);
  }

  /**
   * A list that is all candidates already (no drafts, newest first), taken as it is: what a category or
   * author gets, whose dates are read on first use rather than for every scope at every build.
   */
  static ofCandidates(candidates: readonly Post[]): PublishedPosts {
    const published = new PublishedPosts({ posts: [] });
    published.#candidates = candidates;
    published.#updated = undefined;
    return published;
  }

  /** Every post but drafts, scheduled ones included, newest first. */
  get candidates(): readonly Post[] {
    return this.#candidates;
  }

  /**
   * These posts with `removed` taken out and `added` put in their places: what the constructor gives
   * for the changed data, in one merge instead of a filter and a sort, and nothing new when neither
   * touches them. Drafts in `added` are left out, as the constructor leaves them.
   */
  changed(removed: Iterable<Post>, added: Iterable<Post>): PublishedPosts {
    const { order, edits } = spliced(this.#candidates, [...removed], [...added].filter((post) => !post.draft));
    if (order === this.#candidates) return this;
    // Drafts are out already: no second pass to filter them.
    const published = new PublishedPosts({ posts: [] });
    published.#candidates = order;
    published.#updated = undefined;
    if (this.#updated && edits) {
      let updated = this.#updated;
      for (const edit of edits) {
        const next = new Float64Array(updated.length + (edit.post ? 1 : -1));
        next.set(updated.subarray(0, edit.at));
        if (edit.post) {
          next[edit.at] = edit.post.updated.getTime();
          next.set(updated.subarray(edit.at), edit.at + 1);
        } else next.set(updated.subarray(edit.at + 1), edit.at);
        updated = next;
      }
      published.#updated = updated;
    }
    return published;
  }

  /** How many posts are visible at `now`: the key that changes when a scheduled post becomes due. */
  countAt(now: Date): number {
    return this.#candidates.length - this.#firstDue(now.getTime());
  }

  at(now: Date): readonly Post[] {
    const first = this.#firstDue(now.getTime());
    if (this.#shown?.first !== first) {
      const posts = this.#candidates.slice(first);
      newestOfList.set(posts, this.#newestAt(first));
      this.#shown = { first, posts };
    }
    return this.#shown.posts;
  }

  /** The next time a scheduled post becomes due, if any. */
  nextDueAfter(now: Date): Date | undefined {
    const first = this.#firstDue(now.getTime());
    return first > 0 ? this.#candidates[first - 1]?.published : undefined;
  }

  /** The newest `updated` among the candidates from `first` on, in ms; -Infinity when there are none. */
  #newestAt(first: number): number {
    this.#updated ??= Float64Array.from(this.#candidates, (post) => post.updated.getTime());
    if (!this.#newestFrom) {
      const updated = this.#updated;
      const newest = new Float64Array(updated.length + 1);
      newest[updated.length] = -Infinity;
      for (let i = updated.length - 1; i >= 0; i--) newest[i] = Math.max(updated[i]!, newest[i + 1]!);
      this.#newestFrom = newest;
    }
    return this.#newestFrom[first] ?? -Infinity;
  }

  /** Candidates are newest first, so the due ones are a suffix: binary search for where it starts. */
  #firstDue(now: number): number {
    let low = 0;
    let high = this.#candidates.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#candidates[middle]?.published.getTime() ?? 0) > now) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** The newest `updated` (ms) of each list `PublishedPosts.at` gave, so a feed's date costs no pass over it. */
const newestOfList = new WeakMap<readonly Post[], number>();

/** One step of `spliced`: a post taken out at `at`, or `post` put in at `at`. */
interface Edit {
  at: number;
  post?: Post;
}

/**
 * `order` (newest first, as `newestFirst` sorts) without `removed` and with `added` in their places:
 * a new array, or `order` itself when nothing in it changes. A few changes are spliced in at the places
 * a binary search finds (copies done natively, however long the list); many are merged in one pass.
 */
export const withChanges = (order: readonly Post[], removed: readonly Post[], added: readonly Post[]): readonly Post[] =>
  spliced(order, removed, added).order;

/** `withChanges`, with the splices made in order when there were few, so lists kept beside it can follow. */
function spliced(order: readonly Post[], removed: readonly Post[], added: readonly Post[]): { order: readonly Post[]; edits?: Edit[] } {
  const fresh = sortNewestFirst([...added]);
  if (removed.length + fresh.length > SPLICED_CHANGES) return { order: merged(order, new Set(removed), fresh) };
  const edits: Edit[] = [];
  let next: Post[] | undefined;
  for (const post of removed) {
    const at = positionOf(next ?? order, post);
    if (at < 0) continue;
    next ??= order.slice();
    next.splice(at, 1);
    edits.push({ at });
  }
  for (const post of fresh) {
    next ??= order.slice();
    const at = insertionPoint(next, post);
    next.splice(at, 0, post);
    edits.push({ at, post });
  }
  return { order: next ?? order, edits };
}

/** Past this many changes, one merge over the whole list beats a splice each. */
const SPLICED_CHANGES = 64;

/** The first place where `post` sorts no earlier than what is there. */
function insertionPoint(order: readonly Post[], post: Post): number {
  let low = 0;
  let high = order.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (newestFirst(order[middle]!, post) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Where `post` itself is, or -1; posts that sort alike (two files with one slug) are told apart by identity. */
function positionOf(order: readonly Post[], post: Post): number {
  for (let at = insertionPoint(order, post); at < order.length && newestFirst(order[at]!, post) === 0; at++) {
    if (order[at] === post) return at;
  }
  return -1;
}

function merged(order: readonly Post[], gone: ReadonlySet<Post>, fresh: Post[]): Post[] {
  // A first load: the sorted changes are the whole list.
  if (!order.length) return fresh;
  const out: Post[] = [];
  let next = 0;
  for (const post of order) {
    if (gone.has(post)) continue;
    while (next < fresh.length && newestFirst(fresh[next]!, post) < 0) out.push(fresh[next++]!);
    out.push(post);
  }
  while (next < fresh.length) out.push(fresh[next++]!);
  return out;
}

/** Which posts a feed covers and what it is called: the whole newsroom, or a category or author. */
export interface FeedScope {
  title: string;
  description: string;
  /** Below the base URL, percent-encoded, without a trailing slash: `''` for the main feeds, `/categories/company-news`. */
  path: string;
  /** Published posts in scope, newest first. */
  posts: readonly Post[];
}

export interface FeedModelOptions {
  baseUrl: string;
  /** How many items a page, as the reader asked; defaults to the site's `feedLimit`. */
  limit?: number;
  /** Which page, from 1; a page past the end has no items (the caller answers 404 before that). */
  page?: number;
  /** Where the XSLT stylesheet for browsers is; RSS and Atom name it in `<?xml-stylesheet?>`. */
  stylesheetUrl?: string;
  /** Each post's content with everything that could run script removed: the runtime's to give. */
  safeContent: SafeContent;
}

const cleanText = (text: string) => dropNonXmlChars(text);

const resolveAuthor = (author: Author, base: string, siteRoot: string): FeedAuthor => ({
  name: cleanText(author.name),
  ...(author.email ? { email: author.email } : {}),
  ...(author.url ? { url: absoluteUrl(author.url, base, siteRoot) } : {}),
});

/** One post as every format and our pages show it, its content as `safeContent` gives it. */
export function feedItem(post: Post, baseUrl: string, safeContent: SafeContent): FeedItemWithContent {
  const url = postUrl(baseUrl, post.slug);
  const base = postBaseUrl(baseUrl, post.slug);
  // Sanitised first, so that every URL resolved below has passed the policy's scheme check.
  const safe = safeContent(post);
  const contentHtml = cleanText(absoluteUrlsInHtml(safe, base, baseUrl));
  // From the safe content: text inside what the sanitiser drops (an iframe's fallback) is not the post's.
  const summary = cleanText(post.summary ?? defaultSummary(safe));
  return {
    id: post.id ?? base,
    url,
    title: cleanText(post.title),
    contentHtml,
    summary,
    published: post.published,
    updated: post.updated,
    authors: (post.authors ?? []).map((author) => resolveAuthor(author, base, baseUrl)),
    categories: (post.categories ?? []).map(cleanText),
    ...(post.image
      ? {
          image: {
            url: absoluteUrl(post.image.url, base, baseUrl),
            ...(post.image.alt !== undefined ? { alt: cleanText(post.image.alt) } : {}),
            ...(post.image.mimeType ? { mimeType: post.image.mimeType } : {}),
            ...(post.image.size !== undefined ? { size: post.image.size } : {}),
          },
        }
      : {}),
    attachments: (post.attachments ?? []).map((attachment) => ({
      url: absoluteUrl(attachment.url, base, baseUrl),
      mimeType: attachment.mimeType,
      ...(attachment.size !== undefined ? { size: attachment.size } : {}),
      ...(attachment.title !== undefined ? { title: cleanText(attachment.title) } : {}),
    })),
    ...(post.language ? { language: post.language } : {}),
  };
}

export function buildFeedModel(site: Site, scope: FeedScope, options: FeedModelOptions): FeedModel {
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const home = homePageUrl(baseUrl);
  const perPage = options.limit ?? site.feedLimit;
  const page = options.page ?? 1;
  const posts = pageSlice(scope.posts, page, perPage);
  const neighbours = Object.entries(pageNeighbours(page, pageCount(scope.posts.length, perPage))) as [PageRelation, number][];
  // Every page shares the newest change of the whole feed: a new post moves every item one place on.
  const known = newestOfList.get(scope.posts);
  let newest = known === undefined ? 0 : Math.max(0, known);
  if (known === undefined) for (const post of scope.posts) newest = Math.max(newest, post.updated.getTime());
  return {
    id: scope.path === '' ? home : `${baseUrl}${scope.path}`,
    title: cleanText(scope.title),
    description: cleanText(scope.description),
    language: site.language,
    homePageUrl: listPageUrl(baseUrl, scope.path),
    feedUrls: feedUrlsAt(baseUrl, scope.path, page, options.limit),
    ...(neighbours.length
      ? { paging: Object.fromEntries(neighbours.map(([rel, n]) => [rel, feedUrlsAt(baseUrl, scope.path, n, options.limit)])) }
      : {}),
    ...(options.stylesheetUrl !== undefined ? { stylesheetUrl: options.stylesheetUrl } : {}),
    updated: new Date(newest),
    authors: site.authors.map((author) => resolveAuthor(author, home, baseUrl)),
    ...(site.copyright !== undefined ? { copyright: cleanText(site.copyright) } : {}),
    ...(site.icon !== undefined ? { iconUrl: absoluteUrl(site.icon, home, baseUrl) } : {}),
    ...(site.cache.maxAge > 0 ? { ttlMinutes: Math.ceil(site.cache.maxAge / 60) } : {}),
    ...(site.hub !== undefined ? { hubUrl: site.hub } : {}),
    items: posts.map((post) => (site.feedContent === 'summary' ? summaryItem : fullItem)(feedItem(post, baseUrl, options.safeContent))),
  };
}

const fullItem = (item: FeedItem): FeedItem => item;
/** The item without its content: readers show the summary and follow the link to read the post. */
const summaryItem = ({ contentHtml: _content, ...item }: FeedItem): FeedItem => item;

/** The main feeds: every published post. */
export const siteScope = (site: Site, posts: readonly Post[]): FeedScope => ({
  title: site.title,
  description: site.description,
  path: '',
  posts,
});

/** The newest `updated` among the first `end` posts (all by default); undefined when there are none. */
function newestChange(posts: readonly Post[], end = posts.length): Date | undefined {
  const known = end >= posts.length ? newestOfList.get(posts) : undefined;
  if (known !== undefined) return Number.isFinite(known) ? new Date(known) : undefined;
  let newest = -Infinity;
  for (let i = 0; i < Math.min(end, posts.length); i++) newest = Math.max(newest, posts[i]!.updated.getTime());
  return Number.isFinite(newest) ? new Date(newest) : undefined;
}

/**
 * When page `page` of a list of posts last changed: the newest change among its posts and those before
 * it (a post published or dated there moves posts onto this page), or the data's own change when later,
 * since a deleted post, a new draft or a site.json edit changes the page without touching any post's
 * `updated`. Not clamped to now: that is the server's to do (RFC 9110 §8.8.2.1).
 * @param [page] - every post counts when absent (a page that shows counts of all of them)
 */
export function lastModifiedOf(
  dataset: Pick<Dataset, 'modified'>,
  posts: readonly Post[],
  at?: { page: number; perPage: number },
): Date | undefined {
  const newestPost = newestChange(posts, at ? at.page * at.perPage : posts.length);
  const modified = dataset.modified;
  if (!modified) return newestPost;
  return newestPost && newestPost.getTime() > modified.getTime() ? newestPost : modified;
}
