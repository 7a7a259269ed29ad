/**
 * Paged feeds (RFC 5005 §3): a feed holds `feedLimit` items a page, `/page/N/` before the file name
 * gives the older ones (`/page/2/rss.xml`, and `/page/2/` for the home page), and `?limit=N` asks for
 * another page size. Page 1 is the feed's canonical URL, without `/page/1`. A page is a path, not a
 * query, so that a static host serves each one as a file of its own; `?page=N` is moved there.
 */

/** What a reader asked for, validated: `limit` only when it was given, so links carry it on. */
export interface PageRequest {
  page: number;
  limit?: number;
}

export type PageRequestResult = { ok: true; request: PageRequest } | { ok: false; message: string };

export interface PageLimits {
  /** Items a page when the reader names no limit. */
  feedLimit: number;
  /** The largest limit a reader may ask for. */
  maxLimit: number;
}

const WHOLE_NUMBER = /^[0-9]+$/;

/**
 * Reads `page` and `limit` as the query gave them (every value of each, so a repeated one is caught).
 * Each wrong value gets one plain sentence: `limit must be a whole number from 1 to 100`.
 */
export function readPageRequest(query: { page: readonly string[]; limit: readonly string[] }, limits: PageLimits): PageRequestResult {
  // Never below the default page size: a reader may always ask for what it gets by default.
  const max = Math.max(limits.maxLimit, limits.feedLimit);
  const limitRule = `limit must be a whole number from 1 to ${max}`;
  const pageRule = 'page must be a whole number, 1 or more';
  if (query.limit.length > 1) return { ok: false, message: `limit must be given once; got ${query.limit.length} values` };
  if (query.page.length > 1) return { ok: false, message: `page must be given once; got ${query.page.length} values` };
  const [limitText] = query.limit;
  const [pageText] = query.page;
  let limit: number | undefined;
  if (limitText !== undefined) {
    limit = WHOLE_NUMBER.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= max)) return { ok: false, message: `${limitRule}; got ${quoted(limitText)}` };
  }
  let page = 1;
  if (pageText !== undefined) {
    page = WHOLE_NUMBER.test(pageText) ? Number(pageText) : Number.NaN;
    // Past the end is a 404, decided once the feed's length is known; 1e30 is past every end.
    if (!(page >= 1)) return { ok: false, message: `${pageRule}; got ${quoted(pageText)}` };
  }
  return { ok: true, request: { page, ...(limit !== undefined ? { limit } : {}) } };
}

/** The value as the reader sent it, shortened so an answer stays one line. */
const quoted = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** The items of page `page` (from 1), `perPage` a page; empty past the end. */
export const pageSlice = <T>(items: readonly T[], page: number, perPage: number): readonly T[] =>
  items.slice((page - 1) * perPage, page * perPage);

/** How many pages `total` items fill, `perPage` a page; an empty feed still has its one (empty) page. */
export const pageCount = (total: number, perPage: number): number => Math.max(1, Math.ceil(total / perPage));

/** The folder a page's path begins with: `/page/2`; `''` for page 1, whose URL is the feed's or list's own. */
export const pagePath = (page: number): string => (page > 1 ? `/page/${page}` : '');

/** The query a reader's own page size leaves on every link: `?limit=5`, or `''`. */
export const limitQuery = (limit: number | undefined): string => (limit !== undefined ? `?limit=${limit}` : '');

/**
 * The page a path names (`/page/2/…`), or undefined when the segment is no page number as the links
 * write it (`02`, `x`, a number past what a page can be): such a path names nothing.
 */
export function pageInPath(segment: string): number | undefined {
  return /^[1-9][0-9]{0,14}$/.test(segment) ? Number(segment) : undefined;
}

/** RFC 5005 §3's link relations, in the order feeds list them. */
export const PAGE_RELATIONS = ['first', 'previous', 'next', 'last'] as const;
export type PageRelation = (typeof PAGE_RELATIONS)[number];

/**
 * The RFC 5005 §3 neighbours of a page, as page numbers: none when one page holds the whole feed,
 * else `first` and `last` always, `previous` and `next` where they exist.
 */
export function pageNeighbours(page: number, pages: number): Partial<Record<PageRelation, number>> {
  if (pages <= 1) return {};
  return {
    first: 1,
    ...(page > 1 ? { previous: page - 1 } : {}),
    ...(page < pages ? { next: page + 1 } : {}),
    last: pages,
  };
}
