import type { Context } from 'hono';
import { pageCount, pageInPath, readPageRequest, type PageRequestResult } from '../../feeds/paging.ts';
import type { SafeContent } from '../../feeds/safe-content.ts';
import type { NamedScope, ScopeKind } from '../../feeds/scopes.ts';
import { slugify } from '../../feeds/slugs.ts';
import type { Post, Site } from '../../posts/index.ts';
import { plural } from '../../posts/plural.ts';
import { movedPermanently, textResponse } from '../respond.ts';
import type { Serve } from '../serve.ts';
import type { Snapshot } from '../snapshot.ts';

/** What `createApp` hands every route module: one request's snapshot, the render pipeline, the content. */
export interface RouteContext {
  snapshot: (c: Context) => Snapshot;
  serve: Serve;
  safeContent: SafeContent;
  /** Awaited with the posts a render shows, before it runs; see `DataSource.prepare`. Absent: nothing to do. */
  prepare?: (posts: readonly Post[]) => Promise<void>;
}

/** `public, max-age=300, stale-while-revalidate=3600`: the site's freshness for feeds and pages. */
export const cacheControlOf = (site: Site): string =>
  `public, max-age=${site.cache.maxAge}, stale-while-revalidate=${site.cache.staleWhileRevalidate}`;

/** A category or author a request named, with the number of its posts published at the request's time. */
export interface FoundScope {
  snap: Snapshot;
  scope: NamedScope;
  count: number;
}

/** How a route says "not found": feeds in plain text, pages as a page (see routes/lists.ts). */
export type NotFound = (reason: string, headers: Record<string, string>) => Response;
const plainNotFound: NotFound = (reason, headers) => textResponse(reason, 404, headers);

/**
 * The category or author a request names, by its slug (Hono has percent-decoded it). A slug written
 * another way (`Company-News`, a decomposed `é`) is moved to its one spelling; a name without
 * published posts yet (only scheduled ones) is as unknown as one never used.
 * @param rest - what follows the scope's path in the URL (`/rss.xml`, `/page/2/`), kept in a move
 * @param headers - added to the 404 and the move (CORS on feeds)
 * @param [notFound] - the 404's form; plain text by default
 */
export function findScope(
  c: Context,
  snap: Snapshot,
  kind: ScopeKind,
  rest: string,
  headers: Record<string, string> = {},
  notFound: NotFound = plainNotFound,
): FoundScope | Response {
  const slug = c.req.param('slug') ?? '';
  const scopes = snap.index.scopes.bySlug[kind];
  const found = scopes.get(slug);
  const count = found?.posts.countAt(snap.at) ?? 0;
  if (found && count) return { snap, scope: found, count };
  const respelled = found ? undefined : scopes.get(slugify(slug));
  if (respelled && respelled.posts.countAt(snap.at) > 0) {
    const query = new URL(c.req.url).search;
    const location = `${snap.baseUrl}${respelled.path}${rest}${query}`;
    return movedPermanently(location, { 'Cache-Control': cacheControlOf(snap.dataset.site), ...headers });
  }
  return notFound(`No ${kind} is called "${slug}".`, headers);
}

/** The route's `/page/N` as the request wrote it, or `''`: kept when a scope's other spelling is moved. */
export function pageSegment(c: Context): string {
  const segment = c.req.param('page');
  return segment === undefined ? '' : `/page/${encodeURIComponent(segment)}`;
}

/** Where a request is among the pages of a feed or a list. */
export interface PageAt {
  page: number;
  /** The reader's own page size, when it named one: links carry it on. */
  limit: number | undefined;
  perPage: number;
  pages: number;
}

export interface PageAtOptions {
  /** How many posts the feed or list holds now. */
  count: number;
  what: 'feed' | 'list';
  /** Feeds take `?limit`; lists of posts take none. */
  takesLimit: boolean;
  /**
   * The URL of one page, with the reader's limit: where `?page=N` is moved, and `/page/1/` and
   * `?page=1` to the feed's or list's own.
   */
  pageUrl: (page: number, limit: number | undefined) => string;
  /** Added to the 400, the move and the 404 (CORS on feeds). */
  headers?: Record<string, string>;
  /** The 404's form for a page past the end; plain text by default. */
  notFound?: NotFound;
}

/** The query of a request without one, the usual poll: nothing to parse. */
const FIRST_PAGE: PageRequestResult = { ok: true, request: { page: 1 } };

/**
 * The page a request asks for, checked: the route's `:page` (`/page/2/rss.xml`), or the older
 * `?page=N`, moved to that path. A bad `?page` or `?limit` gets 400 with the rule broken, `/page/1/`
 * and `?page=1` are moved to the one URL page 1 has (caches and readers keep one copy of it), and a
 * page past the end, or a path segment that is no page number as links write it (`/page/02/`), 404.
 */
export function pageAt(c: Context, site: Site, options: PageAtOptions): PageAt | Response {
  const headers = options.headers ?? {};
  const notFound = options.notFound ?? plainNotFound;
  const hasQuery = c.req.url.includes('?');
  // Every value, so a repeated one is caught.
  const pageValues = hasQuery ? (c.req.queries('page') ?? []) : [];
  const limitValues = hasQuery && options.takesLimit ? (c.req.queries('limit') ?? []) : [];
  const asked = hasQuery ? readPageRequest({ page: pageValues, limit: limitValues }, site) : FIRST_PAGE;
  if (!asked.ok) return textResponse(asked.message, 400, headers);
  const { limit } = asked.request;
  let { page } = asked.request;
  const segment = c.req.param('page');
  if (segment !== undefined) {
    const inPath = pageInPath(segment);
    if (inPath === undefined) return notFound(`"${segment}" is not a page number.`, headers);
    if (pageValues.length) return textResponse('page must be given once; got it in the path and in the query', 400, headers);
    page = inPath;
  }
  const moved = () => movedPermanently(options.pageUrl(page, limit), { 'Cache-Control': cacheControlOf(site), ...headers });
  if (page === 1 && (segment !== undefined || pageValues.length)) return moved();
  const perPage = limit ?? site.feedLimit;
  const pages = pageCount(options.count, perPage);
  if (page > pages) {
    return notFound(`page ${page} is past the end: this ${options.what} has ${plural(pages, 'page')}.`, headers);
  }
  // The older address of a page: moved for good, so links and subscriptions that carry it keep working.
  if (pageValues.length) return moved();
  return { page, limit, perPage, pages };
}
