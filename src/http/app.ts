import { Hono, type Context } from 'hono';
import { renderAtom } from '../feeds/atom.ts';
import { renderJsonFeed } from '../feeds/json-feed.ts';
import {
  FEED_FILES,
  FEED_FORMATS,
  FEED_MEDIA_TYPES,
  PublishedPosts,
  buildFeedModel,
  feedItem,
  feedUrl,
  feedUrlsAt,
  normalizeBaseUrl,
  siteScope,
  type FeedFormat,
  type FeedModel,
} from '../feeds/model.ts';
import { pageCount, pageNeighbours, pageQuery, readPageRequest, type PageRequestResult } from '../feeds/paging.ts';
import { renderRss } from '../feeds/rss.ts';
import { SCOPE_FOLDERS, buildScopes, namedFeedScope, type NamedScope, type ScopeKind, type Scopes } from '../feeds/scopes.ts';
import { slugify } from '../feeds/slugs.ts';
import type { Dataset, Post, Problem } from '../posts/index.ts';
import { KNOWN_METHODS, rateLimit, requestGuards, targetStart, type RateLimitOptions, type RequestGuardOptions } from './guards.ts';
import { chooseFeedFormat, wantsBrowserView } from './feed-negotiation.ts';
import { feedStylesheet } from './feed-stylesheet.ts';
import { STYLESHEET, indexPage, postPage, scopePage, type ListPaging, type PageContext, type ScopeLink } from './pages.ts';
import { RenderCache, type RenderCacheOptions } from './render-cache.ts';
import { represent, webCompressors, type Compressors } from './representation.ts';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS, prepare, respondPrepared, textResponse, type Prepared } from './respond.ts';

/** Where the app gets its data: a fixed dataset, or one that a watcher swaps when the files change. */
export interface DataSource {
  current(): Dataset;
  /** Whether the files on disk are what is served; `degraded` while an edit fails validation. */
  health?(): { status: 'ok' | 'degraded'; problems: readonly Problem[] };
}

export interface AppOptions {
  /** The public base URL; overrides `site.url`. With neither, each request's own origin is used. */
  siteUrl?: string;
  /** The clock, injectable so tests can move time past a scheduled post. */
  now?: () => Date;
  cache?: RenderCacheOptions;
  /** How bodies are compressed; default: gzip by CompressionStream where the runtime has it. */
  compressors?: Compressors;
  /** A per-client request budget, answered with 429 and Retry-After when spent; default: none. */
  rateLimit?: RateLimitOptions;
  /** Limits on the request itself; see `requestGuards`. */
  guards?: RequestGuardOptions;
}

export type AppInput = ({ dataset: Dataset } | { source: DataSource }) & { options?: AppOptions };

const RENDERERS: Record<FeedFormat, (model: FeedModel) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJsonFeed,
};

const HTML = 'text/html; charset=utf-8';
/** XSLT's registered type (RFC 7303 §9.1 names the +xml family; XSLT 3.0 Appendix C registers it). */
const XSLT = 'application/xslt+xml; charset=utf-8';
const GET_HEAD_OPTIONS = 'GET, HEAD, OPTIONS';
/** What a path answers besides GET and HEAD (Hono answers HEAD with the GET route): 204 or 405, or its 404. */
const OTHER_METHODS = [...KNOWN_METHODS].filter((method) => method !== 'GET' && method !== 'HEAD');

/** Web-based readers fetch feeds from the browser: let them, and let them see our validators. */
const FEED_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, Link',
} as const;
/** The preflight's answer for a feed: what a reader may send to poll it (RFC 9110 §13 validators). */
const FEED_PREFLIGHT = {
  ...FEED_CORS,
  'Access-Control-Allow-Methods': GET_HEAD_OPTIONS,
  'Access-Control-Allow-Headers': 'If-None-Match, If-Modified-Since, Cache-Control',
  'Access-Control-Max-Age': '86400',
} as const;

/** What one dataset gives every request: the published-post index, slug look-up and scopes, built once. */
interface DatasetIndex {
  published: PublishedPosts;
  bySlug: Map<string, Post>;
  scopes: Scopes;
  /** The part of every render key this data decides: its version and when it changed (Last-Modified). */
  key: string;
}
const indexes = new WeakMap<Dataset, DatasetIndex>();
function indexOf(dataset: Dataset): DatasetIndex {
  let index = indexes.get(dataset);
  if (!index) {
    const published = new PublishedPosts(dataset);
    const bySlug = new Map(dataset.posts.filter((post) => !post.draft).map((post) => [post.slug, post]));
    const key = `${dataset.version}:${dataset.modified?.getTime() ?? ''}`;
    indexes.set(dataset, (index = { published, bySlug, scopes: buildScopes(dataset), key }));
  }
  return index;
}

/** `public, max-age=300, stale-while-revalidate=3600`: the site's freshness for feeds and pages. */
const cacheControlOf = (dataset: Dataset) =>
  `public, max-age=${dataset.site.cache.maxAge}, stale-while-revalidate=${dataset.site.cache.staleWhileRevalidate}`;

/**
 * RFC 8288 links to this feed page, its siblings, the other pages (RFC 5005) and the WebSub hub, for
 * clients that read headers only.
 */
function feedLinks(
  at: { baseUrl: string; path: string; page: number; limit: number | undefined; pages: number },
  format: FeedFormat,
  hub: string | undefined,
): string {
  const self = feedUrlsAt(at.baseUrl, at.path, at.page, at.limit);
  const links = FEED_FORMATS.map(
    (f) => `<${self[f]}>; rel="${f === format ? 'self' : 'alternate'}"; type="${FEED_MEDIA_TYPES[f]}"`,
  );
  for (const [rel, page] of Object.entries(pageNeighbours(at.page, at.pages))) {
    links.push(`<${feedUrl(at.baseUrl, at.path, format)}${pageQuery(page, at.limit)}>; rel="${rel}"; type="${FEED_MEDIA_TYPES[format]}"`);
  }
  if (hub) links.push(`<${hub}>; rel="hub"`);
  return links.join(', ');
}

/** Everything a request needs about "now", taken once per request: the data, the time, the base URL. */
interface Snapshot {
  dataset: Dataset;
  index: DatasetIndex;
  at: Date;
  baseUrl: string;
  /** What every render of this request depends on: the data, the posts published by `at`, the base URL. */
  key: string;
}

/** A category or author a request named, with the number of its posts published at the request's time. */
interface FoundScope {
  snap: Snapshot;
  scope: NamedScope;
  count: number;
}

/**
 * One path's resource, in two steps: `locate` finds what the path names without rendering anything
 * (or answers with a 404 or a move), `serve` answers GET and HEAD with it. OPTIONS and the other
 * methods ask `locate` too, so they answer 404 exactly where GET would.
 */
interface Resource<T> {
  locate: (c: Context) => T | Response;
  serve: (c: Context, found: T) => Response | Promise<Response>;
  /** A feed: readable from any origin, so its preflight is answered with CORS. */
  feed?: boolean;
}

/** The query of a request without one, the usual poll: nothing to parse. */
const NO_PAGE_QUERY = { page: [], limit: [] } as const;
const FIRST_PAGE: PageRequestResult = { ok: true, request: { page: 1 } };

/** `?page` and `?limit` as the query gave them (every value, so a repeated one is caught). */
const pageQueryOf = (c: Context): { page: readonly string[]; limit: readonly string[] } =>
  c.req.url.includes('?') ? { page: c.req.queries('page') ?? [], limit: c.req.queries('limit') ?? [] } : NO_PAGE_QUERY;

/** The URL of a list of posts, its page 1: the home page, or a category's or author's page. */
const listUrlOf = (baseUrl: string, scope: NamedScope | undefined) => (scope ? `${baseUrl}${scope.path}` : `${baseUrl}/`);

const pastTheEnd = (page: number, pages: number, what: 'feed' | 'list') =>
  `page ${page} is past the end: this ${what} has ${pages} page${pages === 1 ? '' : 's'}.`;

/** A permanent move to the one URL a thing has (`?page=1` → the feed's own URL; `Company-News` → `company-news`). */
const movedTo = (location: string, cacheControl: string, headers: Record<string, string> = {}) =>
  new Response(null, {
    status: 301,
    headers: { ...SECURITY_HEADERS, Location: location, 'Cache-Control': cacheControl, ...headers },
  });

/**
 * The whole service as one Hono app, knowing no runtime: Node and Workers hand it their data.
 * Every feed and page is rendered once per data version (and per due scheduled post), then served
 * from memory with strong validators and precompressed variants.
 * @example
 * const app = createApp({ dataset, options: { siteUrl: 'https://news.example.com' } });
 */
export function createApp(input: AppInput): Hono {
  const source: DataSource = 'source' in input ? input.source : { current: () => input.dataset };
  const now = input.options?.now ?? (() => new Date());
  const configuredUrl = input.options?.siteUrl;
  const compressors = input.options?.compressors ?? webCompressors();
  const cache = new RenderCache<Prepared>(input.options?.cache);
  const app = new Hono();
  // Refusals before routing: a client over its budget, or a request no route should ever see.
  if (input.options?.rateLimit) app.use(rateLimit(input.options.rateLimit));
  app.use(requestGuards(input.options?.guards));

  // The same one or two base URLs come with every request: parse each once.
  const baseUrls = new Map<string, string>();
  const baseUrlOf = (url: string) => {
    let normalized = baseUrls.get(url);
    if (normalized === undefined) {
      if (baseUrls.size >= 64) baseUrls.clear(); // many Host headers: keep the memory bounded
      baseUrls.set(url, (normalized = normalizeBaseUrl(url)));
    }
    return normalized;
  };

  /** The data and the time of one request, taken once and handed down, so every step sees the same. */
  const snapshot = (c: Context): Snapshot => {
    const dataset = source.current();
    const at = now();
    const index = indexOf(dataset);
    const url = c.req.url;
    const baseUrl = baseUrlOf(configuredUrl ?? dataset.site.url ?? url.slice(0, targetStart(url)));
    // A scheduled post that becomes due changes the count, hence the key: everything re-renders.
    const key = `${index.key}:${index.published.countAt(at)}:${baseUrl}`;
    return { dataset, index, at, baseUrl, key };
  };

  const pageContext = (dataset: Dataset, baseUrl: string, scope?: NamedScope): PageContext => {
    const { scopes } = indexOf(dataset);
    const pageOf = (kind: ScopeKind) => (name: string) => {
      const found = scopes.byName[kind].get(name);
      return found ? `${baseUrl}${found.path}` : undefined;
    };
    return {
      site: dataset.site,
      baseUrl,
      feeds: feedUrlsAt(baseUrl, scope?.path ?? ''),
      feedTitle: scope ? `${dataset.site.title}: ${scope.name}` : dataset.site.title,
      categoryUrl: pageOf('category'),
      authorUrl: pageOf('author'),
    };
  };

  /**
   * The category or author a request names, by its slug (Hono has percent-decoded it). A slug written
   * another way (`Company-News`, a decomposed `é`) is moved to its one spelling; a name without
   * published posts yet (only scheduled ones) is as unknown as one never used.
   * @param headers - added to the 404 and the move (CORS on feeds)
   */
  const findScope = (c: Context, kind: ScopeKind, rest: string, headers: Record<string, string> = {}): FoundScope | Response => {
    const snap = snapshot(c);
    const slug = c.req.param('slug') ?? '';
    const scopes = snap.index.scopes.bySlug[kind];
    const found = scopes.get(slug);
    const count = found?.posts.countAt(snap.at) ?? 0;
    if (found && count) return { snap, scope: found, count };
    const respelled = found ? undefined : scopes.get(slugify(slug));
    if (respelled && respelled.posts.countAt(snap.at) > 0) {
      const query = new URL(c.req.url).search;
      return movedTo(`${snap.baseUrl}${respelled.path}${rest}${query}`, cacheControlOf(snap.dataset), headers);
    }
    return textResponse(`No ${kind} is called "${slug}".`, 404, headers);
  };

  /**
   * One feed page in one format: the main feed, or a category's or author's. `?page` and `?limit`
   * are checked first (400 with the rule broken), then the page against the feed's length (404).
   * Every answer carries CORS, refusals and moves too, so a web reader can read why or follow.
   * @param name - the feed's last path segment, where `?page=1` is moved to (`rss.xml`, `feed`)
   */
  const serveFeed = (
    c: Context,
    snap: Snapshot,
    format: FeedFormat,
    named: FoundScope | undefined,
    name: string,
    negotiated = false,
  ) => {
    const { dataset, baseUrl, key, index, at } = snap;
    const site = dataset.site;
    const query = pageQueryOf(c);
    const asked = query === NO_PAGE_QUERY ? FIRST_PAGE : readPageRequest(query, site);
    if (!asked.ok) return textResponse(asked.message, 400, FEED_CORS);
    const { page, limit } = asked.request;
    const path = named?.scope.path ?? '';
    // Page 1 has one URL, the feed's own: caches and readers keep one copy of it.
    if (query.page.length && page === 1) {
      return movedTo(`${baseUrl}${path}/${name}${pageQuery(1, limit)}`, cacheControlOf(dataset), FEED_CORS);
    }
    const perPage = limit ?? site.feedLimit;
    const pages = pageCount(named ? named.count : index.published.countAt(at), perPage);
    if (page > pages) return textResponse(pastTheEnd(page, pages, 'feed'), 404, FEED_CORS);
    const xml = format !== 'json';
    const browserView = xml && wantsBrowserView(c.req.header('Accept'), format);
    const stylesheetUrl = `${baseUrl}/feed.xsl`;
    return serve(
      c,
      `${key}:feed:${format}:${path}:${page}:${limit ?? ''}:${browserView ? 'browser' : 'reader'}:${negotiated ? name : ''}`,
      async () => {
        const posts = named ? named.scope.posts.at(at) : index.published.at(at);
        const scope = named ? namedFeedScope(site, named.scope, posts) : siteScope(site, posts);
        const model = buildFeedModel(site, scope, {
          baseUrl,
          page,
          ...(limit !== undefined ? { limit } : {}),
          ...(xml ? { stylesheetUrl } : {}),
        });
        return {
          body: RENDERERS[format](model),
          // The same bytes either way; only a browser needs an XML type to apply the stylesheet.
          contentType: `${browserView ? 'application/xml' : FEED_MEDIA_TYPES[format]}; charset=utf-8`,
          lastModified: lastModifiedOf(dataset, newestChange(posts, page * perPage)),
        };
      },
      () => ({
        'Cache-Control': cacheControlOf(dataset),
        Link: feedLinks({ baseUrl, path, page, limit, pages }, format, site.hub),
        // Chromium loads an XSLT stylesheet as a script (script-src-elem) and holds the page it makes to
        // this policy: that one stylesheet may load, and the page may use our CSS; nothing else runs.
        'Content-Security-Policy': xml ? `${CONTENT_SECURITY_POLICY}; script-src ${stylesheetUrl}` : CONTENT_SECURITY_POLICY,
        ...FEED_CORS,
        // RFC 9110 §8.7: the negotiated answer names the URL of the format it chose.
        ...(negotiated ? { 'Content-Location': `${feedUrl(baseUrl, path, format)}${pageQuery(page, limit)}` } : {}),
      }),
      // RSS and Atom are typed for a browser when Accept asks (same bytes); /feed picks by Accept.
      xml || negotiated ? ['Accept'] : [],
      browserView ? '.xml' : '',
    );
  };

  /**
   * One page of an HTML list of posts: the home page, or a category's or author's page. Paged like
   * the feeds, `feedLimit` posts a page, so HTML page N shows what feed page N holds and a page never
   * grows with the archive. `?page` is checked as for feeds (400, `?page=1` moved, 404 past the end);
   * a page takes no `?limit`.
   */
  const servePostList = (c: Context, snap: Snapshot, named: FoundScope | undefined) => {
    const { dataset, baseUrl, key, index, at } = snap;
    const site = dataset.site;
    const query = pageQueryOf(c);
    const asked = query === NO_PAGE_QUERY ? FIRST_PAGE : readPageRequest({ page: query.page, limit: [] }, site);
    if (!asked.ok) return textResponse(asked.message, 400);
    const { page } = asked.request;
    if (query.page.length && page === 1) return movedTo(listUrlOf(baseUrl, named?.scope), cacheControlOf(dataset));
    const perPage = site.feedLimit;
    const pages = pageCount(named ? named.count : index.published.countAt(at), perPage);
    if (page > pages) return textResponse(pastTheEnd(page, pages, 'list'), 404);
    return serve(
      c,
      `${key}:page:${named ? named.scope.path : '/'}:${page}`,
      async () => {
        const url = listUrlOf(baseUrl, named?.scope);
        const paging: ListPaging = { page, pages, urlOf: (n) => `${url}${pageQuery(n, undefined)}` };
        const posts = named ? named.scope.posts.at(at) : index.published.at(at);
        const items = posts.slice((page - 1) * perPage, page * perPage).map((post) => feedItem(post, baseUrl));
        if (named) {
          const { scope } = named;
          const description = namedFeedScope(site, scope, posts).description;
          return {
            body: String(await scopePage(pageContext(dataset, baseUrl, scope), { kind: scope.kind, name: scope.name, url, description }, items, paging)),
            contentType: HTML,
            // This page's posts and those before it: one published or dated there moves posts onto this page.
            lastModified: lastModifiedOf(dataset, newestChange(posts, page * perPage)),
          };
        }
        const browse = (kind: ScopeKind): ScopeLink[] =>
          [...index.scopes.bySlug[kind].values()]
            .map((scope) => ({ name: scope.name, url: `${baseUrl}${scope.path}`, count: scope.posts.countAt(at) }))
            .filter((link) => link.count > 0)
            // Most posts first, then by name in code-point order: the same bytes on every runtime.
            .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        return {
          body: String(await indexPage(pageContext(dataset, baseUrl), items, { categories: browse('category'), authors: browse('author') }, paging)),
          contentType: HTML,
          // The category and author counts on every page come from every post.
          lastModified: lastModifiedOf(dataset, newestChange(posts)),
        };
      },
      () => ({ 'Cache-Control': cacheControlOf(dataset) }),
    );
  };

  /**
   * Renders on the first request of a version, then serves the cached, prepared representation: a
   * repeat request costs a look-up and the write of bytes and headers made then. Everything `render`
   * and `headers` depend on must be in `key`.
   * @param headers - the route's headers, asked for once per render
   * @param vary - request headers besides Accept-Encoding that chose this representation
   */
  const serve = async (
    c: Context,
    key: string,
    render: () => Promise<{ body: string | Uint8Array; contentType: string; lastModified?: Date | undefined }>,
    headers: () => Record<string, string>,
    vary: readonly string[] = [],
    tagSuffix = '',
  ) => {
    const prepared = await cache.getOrCreate(key, async () => {
      const { body, contentType, lastModified } = await render();
      // RFC 9110 §8.8.2.1: never a Last-Modified after now. A post "updated" in the future would
      // otherwise hide every change made before that date from readers polling with If-Modified-Since.
      const at = now();
      const clamped = lastModified && lastModified.getTime() > at.getTime() ? at : lastModified;
      return prepare(await represent(body, { contentType, lastModified: clamped, compressors }), headers(), vary, tagSuffix);
    });
    return respondPrepared(c.req.raw, prepared, now);
  };

  /** Registers a path: GET and HEAD locate and serve; OPTIONS and other methods only locate. */
  const route = <T>(path: string, resource: Resource<T>) => {
    app.get(path, function get(c) {
      const found = resource.locate(c);
      return found instanceof Response ? found : resource.serve(c, found);
    });
    app.on(OTHER_METHODS, path, function otherMethod(c) {
      const found = resource.locate(c);
      // Whatever GET would find here, a category under another spelling included, exists for them too.
      if (found instanceof Response && found.status === 404) return found;
      if (c.req.method !== 'OPTIONS') {
        // RFC 9110 §15.5.6: a 405 names what the path does take.
        return textResponse(`${c.req.method} is not allowed here; use GET or HEAD.`, 405, { Allow: GET_HEAD_OPTIONS });
      }
      // CORS preflight and plain OPTIONS (RFC 9110 §9.3.7).
      return new Response(null, {
        status: 204,
        headers: { Allow: GET_HEAD_OPTIONS, ...(resource.feed ? FEED_PREFLIGHT : {}), ...SECURITY_HEADERS },
      });
    });
  };

  for (const format of FEED_FORMATS) {
    const file = FEED_FILES[format];
    route(`/${file}`, {
      locate: snapshot,
      serve: function feed(c, snap) {
        return serveFeed(c, snap, format, undefined, file);
      },
      feed: true,
    });
    for (const kind of ['category', 'author'] as const) {
      route(`/${SCOPE_FOLDERS[kind]}/:slug/${file}`, {
        locate: (c) => findScope(c, kind, `/${file}`, FEED_CORS),
        serve: function scopedFeed(c, found) {
          return serveFeed(c, found.snap, format, found, file);
        },
        feed: true,
      });
    }
  }

  // One address for readers that negotiate (RFC 9110 §12.5.1): RSS unless Accept prefers another.
  route('/feed', {
    locate: snapshot,
    serve: async function negotiatedFeed(c, snap) {
      const format = chooseFeedFormat(c.req.header('Accept'));
      if (!format) {
        const offered = FEED_FORMATS.map((f) => FEED_MEDIA_TYPES[f]).join(', ');
        return textResponse(`None of the feed types is acceptable; /feed offers ${offered}.`, 406, { Vary: 'Accept', ...FEED_CORS });
      }
      const response = await serveFeed(c, snap, format, undefined, 'feed', true);
      // Refusals and moves made before a representation (400, 404, 301) were chosen by Accept too.
      if (response.status !== 200 && response.status !== 304) {
        response.headers.set('Vary', mergeVary(response.headers.get('Vary'), 'Accept'));
      }
      return response;
    },
    feed: true,
  });

  route('/feed.xsl', {
    locate: snapshot,
    serve: function feedXsl(c, { dataset, baseUrl, key }) {
      return serve(
        c,
        `${key}:feed.xsl`,
        async () => ({ body: feedStylesheet(baseUrl, dataset.site.title), contentType: XSLT }),
        () => ({ 'Cache-Control': cacheControlOf(dataset) }),
      );
    },
  });

  route('/', {
    locate: snapshot,
    serve: function index(c, snap) {
      return servePostList(c, snap, undefined);
    },
  });

  for (const kind of ['category', 'author'] as const) {
    route(`/${SCOPE_FOLDERS[kind]}/:slug`, {
      locate: (c) => findScope(c, kind, ''),
      serve: function scopeIndex(c, found) {
        return servePostList(c, found.snap, found);
      },
    });
  }

  route('/posts/:slug', {
    locate: function findPost(c) {
      const snap = snapshot(c);
      const slug = c.req.param('slug') ?? '';
      const post = snap.index.bySlug.get(slug);
      // A scheduled post's page stays hidden until it is due, exactly like its feed item.
      if (!post || post.published.getTime() > snap.at.getTime()) {
        return textResponse(`No published post is called "${slug}".`, 404);
      }
      return { snap, post };
    },
    serve: function post(c, { snap: { dataset, baseUrl, key }, post: found }) {
      return serve(
        c,
        `${key}:page:/posts/${found.slug}`,
        async () => ({
          body: String(await postPage(pageContext(dataset, baseUrl), feedItem(found, baseUrl))),
          contentType: HTML,
          lastModified: lastModifiedOf(dataset, found.updated),
        }),
        () => ({ 'Cache-Control': cacheControlOf(dataset) }),
      );
    },
  });

  route('/style.css', {
    locate: () => STYLESHEET,
    serve: function stylesheet(c) {
      return serve(c, 'static:/style.css', async () => ({ body: STYLESHEET, contentType: 'text/css; charset=utf-8' }), () => ({
        'Cache-Control': 'public, max-age=3600',
      }));
    },
  });

  route('/media/*', {
    locate: function findAsset(c) {
      const { dataset } = snapshot(c);
      let path: string;
      try {
        path = decodeURIComponent(new URL(c.req.url).pathname);
      } catch {
        return textResponse('The path is not valid percent-encoding.', 400);
      }
      const asset = dataset.assets.get(path);
      if (!asset) return textResponse(`No file at ${path}.`, 404);
      return { version: dataset.version, path, asset };
    },
    serve: function media(c, { version, path, asset }) {
      return serve(
        c,
        `${version}:media:${path}`,
        async () => ({ body: asset.bytes, contentType: asset.mediaType }),
        () => ({ 'Cache-Control': 'public, max-age=3600' }),
      );
    },
  });

  route('/healthz', {
    locate: snapshot,
    serve: function healthz(c, { dataset, index, at }) {
      const published = index.published.countAt(at);
      const drafts = dataset.posts.filter((p) => p.draft).length;
      const health = source.health?.() ?? { status: 'ok', problems: [] };
      c.header('Cache-Control', 'no-store');
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
      return c.json({
        status: health.status,
        posts: published,
        scheduled: dataset.posts.length - drafts - published,
        drafts,
        version: dataset.version,
        // While degraded, the last good version is served; these say what keeps the new one out. The
        // file as the loader names it, and the message alone: formatProblem would repeat both.
        ...(health.problems.length
          ? { problems: health.problems.map((p) => ({ file: p.file, path: p.path, message: p.message })) }
          : {}),
      });
    },
  });

  app.notFound((c) => textResponse(`Nothing is at ${c.req.path}.`, 404));
  app.onError((error) => {
    console.error(error);
    return textResponse('Something went wrong on our side; it has been logged.', 500);
  });
  return app;
}

/** `Accept, Accept-Encoding`: a header name added to Vary once. */
const mergeVary = (vary: string | null, name: string) => {
  const names = (vary ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  return names.some((n) => n.toLowerCase() === name.toLowerCase()) ? names.join(', ') : [name, ...names].join(', ');
};

/** The newest `updated` among the first `end` posts (all by default); undefined when there are none. */
const newestChange = (posts: readonly Post[], end = posts.length): Date | undefined => {
  let newest = -Infinity;
  for (let i = 0; i < Math.min(end, posts.length); i++) newest = Math.max(newest, posts[i]!.updated.getTime());
  return Number.isFinite(newest) ? new Date(newest) : undefined;
};

/**
 * A feed's or page's Last-Modified: the newest change among its posts, or the data's own change when
 * later, since a deleted post, a new draft or a site.json edit changes the body without touching
 * any post's `updated`. `serve` clamps it to now.
 */
const lastModifiedOf = (dataset: Dataset, newestPost: Date | undefined): Date | undefined => {
  const modified = dataset.modified;
  if (!modified) return newestPost;
  return newestPost && newestPost.getTime() > modified.getTime() ? newestPost : modified;
};
