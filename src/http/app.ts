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
import { pageCount, pageNeighbours, pageQuery, readPageRequest } from '../feeds/paging.ts';
import { renderRss } from '../feeds/rss.ts';
import { SCOPE_FOLDERS, buildScopes, namedFeedScope, type NamedScope, type ScopeKind, type Scopes } from '../feeds/scopes.ts';
import { slugify } from '../feeds/slugs.ts';
import { formatProblem, type Dataset, type Post, type Problem } from '../posts/index.ts';
import { rateLimit, requestGuards, type RateLimitOptions, type RequestGuardOptions } from './guards.ts';
import { chooseFeedFormat, wantsBrowserView } from './feed-negotiation.ts';
import { feedStylesheet } from './feed-stylesheet.ts';
import { STYLESHEET, indexPage, postPage, scopePage, type PageContext, type ScopeLink } from './pages.ts';
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

/** Web-based readers fetch feeds from the browser: let them, and let them see our validators. */
const FEED_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, Link',
} as const;

/** What one dataset gives every request: the published-post index, slug look-up and scopes, built once. */
interface DatasetIndex {
  published: PublishedPosts;
  bySlug: Map<string, Post>;
  scopes: Scopes;
}
const indexes = new WeakMap<Dataset, DatasetIndex>();
function indexOf(dataset: Dataset): DatasetIndex {
  let index = indexes.get(dataset);
  if (!index) {
    const published = new PublishedPosts(dataset);
    const bySlug = new Map(dataset.posts.filter((post) => !post.draft).map((post) => [post.slug, post]));
    indexes.set(dataset, (index = { published, bySlug, scopes: buildScopes(dataset) }));
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

/** A category or author a request named, with its posts published at the request's time. */
interface FoundScope {
  scope: NamedScope;
  count: number;
  posts: () => readonly Post[];
}

/** A permanent move to the one URL a thing has (`?page=1` → the feed's own URL; `Company-News` → `company-news`). */
const movedTo = (location: string, cacheControl: string) =>
  new Response(null, { status: 301, headers: { ...SECURITY_HEADERS, Location: location, 'Cache-Control': cacheControl } });

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

  /** Everything a handler needs about "now": the data, what is published, and the base URL. */
  const snapshot = (c: Context) => {
    const dataset = source.current();
    const at = now();
    const index = indexOf(dataset);
    const baseUrl = baseUrlOf(configuredUrl ?? dataset.site.url ?? originOf(c.req.url));
    // A scheduled post that becomes due changes the count, hence the key: everything re-renders.
    const key = `${dataset.version}:${index.published.countAt(at)}:${baseUrl}`;
    return { dataset, baseUrl, key, index, at, posts: () => index.published.at(at) };
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
   */
  const findScope = (c: Context, kind: ScopeKind, rest: string): FoundScope | Response => {
    const { dataset, baseUrl, index, at } = snapshot(c);
    const slug = c.req.param('slug') ?? '';
    const scopes = index.scopes.bySlug[kind];
    const found = scopes.get(slug);
    const count = found?.posts.countAt(at) ?? 0;
    if (found && count) return { scope: found, count, posts: () => found.posts.at(at) };
    const respelled = found ? undefined : scopes.get(slugify(slug));
    if (respelled && respelled.posts.countAt(at) > 0) {
      const query = new URL(c.req.url).search;
      return movedTo(`${baseUrl}${respelled.path}${rest}${query}`, cacheControlOf(dataset));
    }
    return textResponse(`No ${kind} is called "${slug}".`, 404);
  };

  /**
   * One feed page in one format: the main feed, or a category's or author's. `?page` and `?limit`
   * are checked first (400 with the rule broken), then the page against the feed's length (404).
   * @param name - the feed's last path segment, where `?page=1` is moved to (`rss.xml`, `feed`)
   */
  const serveFeed = async (
    c: Context,
    format: FeedFormat,
    named: FoundScope | undefined,
    name: string,
    negotiated = false,
  ) => {
    const { dataset, baseUrl, key, index, at, posts: sitePosts } = snapshot(c);
    const site = dataset.site;
    const asked = readPageRequest(
      { page: c.req.queries('page') ?? [], limit: c.req.queries('limit') ?? [] },
      { feedLimit: site.feedLimit, maxLimit: site.maxLimit },
    );
    if (!asked.ok) return textResponse(asked.message, 400);
    const { page, limit } = asked.request;
    const path = named?.scope.path ?? '';
    // Page 1 has one URL, the feed's own: caches and readers keep one copy of it.
    if (c.req.queries('page')?.length) {
      if (page === 1) return movedTo(`${baseUrl}${path}/${name}${pageQuery(1, limit)}`, cacheControlOf(dataset));
    }
    const pages = pageCount(named ? named.count : index.published.countAt(at), limit ?? site.feedLimit);
    if (page > pages) return textResponse(`page ${page} is past the end: this feed has ${pages} page${pages === 1 ? '' : 's'}.`, 404);
    const xml = format !== 'json';
    const browserView = xml && wantsBrowserView(c.req.header('Accept'), format);
    const stylesheetUrl = `${baseUrl}/feed.xsl`;
    return serve(
      c,
      `${key}:feed:${format}:${path}:${page}:${limit ?? ''}:${browserView ? 'browser' : 'reader'}:${negotiated ? name : ''}`,
      async () => {
        const posts = named ? named.posts() : sitePosts();
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
          lastModified: model.items.length ? model.updated : undefined,
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
    return respondPrepared(c.req.raw, prepared);
  };

  for (const format of FEED_FORMATS) {
    const file = FEED_FILES[format];
    app.get(`/${file}`, function feed(c) {
      return serveFeed(c, format, undefined, file);
    });
    for (const kind of ['category', 'author'] as const) {
      app.get(`/${SCOPE_FOLDERS[kind]}/:slug/${file}`, function scopedFeed(c) {
        const found = findScope(c, kind, `/${file}`);
        return found instanceof Response ? found : serveFeed(c, format, found, file);
      });
    }
  }

  // One address for readers that negotiate (RFC 9110 §12.5.1): RSS unless Accept prefers another.
  app.get('/feed', async function negotiatedFeed(c) {
    const format = chooseFeedFormat(c.req.header('Accept'));
    if (!format) {
      const offered = FEED_FORMATS.map((f) => FEED_MEDIA_TYPES[f]).join(', ');
      return textResponse(`None of the feed types is acceptable; /feed offers ${offered}.`, 406, { Vary: 'Accept' });
    }
    const response = await serveFeed(c, format, undefined, 'feed', true);
    // Refusals and moves made before a representation (400, 404, 301) were chosen by Accept too.
    if (response.status !== 200 && response.status !== 304) {
      response.headers.set('Vary', mergeVary(response.headers.get('Vary'), 'Accept'));
    }
    return response;
  });

  app.get('/feed.xsl', function feedXsl(c) {
    const { dataset, baseUrl, key } = snapshot(c);
    return serve(
      c,
      `${key}:feed.xsl`,
      async () => ({ body: feedStylesheet(baseUrl, dataset.site.title), contentType: XSLT }),
      () => ({ 'Cache-Control': cacheControlOf(dataset) }),
    );
  });

  app.get('/', function index(c) {
    const { dataset, baseUrl, key, index, at, posts } = snapshot(c);
    return serve(
      c,
      `${key}:page:/`,
      async () => {
        const visible = posts();
        const browse = (kind: ScopeKind): ScopeLink[] =>
          [...index.scopes.bySlug[kind].values()]
            .map((scope) => ({ name: scope.name, url: `${baseUrl}${scope.path}`, count: scope.posts.countAt(at) }))
            .filter((link) => link.count > 0)
            // Most posts first, then by name in code-point order: the same bytes on every runtime.
            .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const items = visible.map((post) => feedItem(post, baseUrl));
        return {
          body: String(await indexPage(pageContext(dataset, baseUrl), items, { categories: browse('category'), authors: browse('author') })),
          contentType: HTML,
          lastModified: newestChange(visible),
        };
      },
      () => ({ 'Cache-Control': cacheControlOf(dataset) }),
    );
  });

  for (const kind of ['category', 'author'] as const) {
    app.get(`/${SCOPE_FOLDERS[kind]}/:slug`, function scopeIndex(c) {
      const found = findScope(c, kind, '');
      if (found instanceof Response) return found;
      const { dataset, baseUrl, key } = snapshot(c);
      const { scope } = found;
      return serve(
        c,
        `${key}:page:${scope.path}`,
        async () => {
          const posts = found.posts();
          const feedScope = namedFeedScope(dataset.site, scope, posts);
          const page = scopePage(
            pageContext(dataset, baseUrl, scope),
            { kind, name: scope.name, url: `${baseUrl}${scope.path}`, description: feedScope.description },
            posts.map((post) => feedItem(post, baseUrl)),
          );
          return { body: String(await page), contentType: HTML, lastModified: newestChange(posts) };
        },
        () => ({ 'Cache-Control': cacheControlOf(dataset) }),
      );
    });
  }

  app.get('/posts/:slug', function post(c) {
    const { dataset, baseUrl, key, index, at } = snapshot(c);
    const slug = c.req.param('slug');
    const found = index.bySlug.get(slug);
    // A scheduled post's page stays hidden until it is due, exactly like its feed item.
    if (!found || found.published.getTime() > at.getTime()) {
      return textResponse(`No published post is called "${slug}".`, 404);
    }
    return serve(
      c,
      `${key}:page:/posts/${slug}`,
      async () => ({
        body: String(await postPage(pageContext(dataset, baseUrl), feedItem(found, baseUrl))),
        contentType: HTML,
        lastModified: found.updated,
      }),
      () => ({ 'Cache-Control': cacheControlOf(dataset) }),
    );
  });

  app.get('/style.css', function stylesheet(c) {
    return serve(c, 'static:/style.css', async () => ({ body: STYLESHEET, contentType: 'text/css; charset=utf-8' }), () => ({
      'Cache-Control': 'public, max-age=3600',
    }));
  });

  app.get('/media/*', function media(c) {
    const { dataset } = snapshot(c);
    let path: string;
    try {
      path = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return textResponse('The path is not valid percent-encoding.', 400);
    }
    const asset = dataset.assets.get(path);
    if (!asset) return textResponse(`No file at ${path}.`, 404);
    return serve(
      c,
      `${dataset.version}:media:${path}`,
      async () => ({ body: asset.bytes, contentType: asset.mediaType }),
      () => ({ 'Cache-Control': 'public, max-age=3600' }),
    );
  });

  app.get('/healthz', function healthz(c) {
    const { dataset, posts } = snapshot(c);
    const published = posts().length;
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
      // While degraded, the last good version is served; these say what keeps the new one out.
      ...(health.problems.length
        ? { problems: health.problems.map((p) => ({ file: p.file, path: p.path, message: formatProblem(p) })) }
        : {}),
    });
  });

  // CORS preflight and plain OPTIONS (RFC 9110 §9.3.7): what each known path takes.
  app.options('*', function options(c) {
    const path = c.req.path;
    if (!KNOWN_PATHS.some((pattern) => pattern.test(path))) return textResponse(`Nothing is at ${path}.`, 404);
    const isFeed = FEED_PATHS.test(path);
    return new Response(null, {
      status: 204,
      headers: {
        Allow: GET_HEAD_OPTIONS,
        ...(isFeed
          ? {
              ...FEED_CORS,
              'Access-Control-Allow-Methods': GET_HEAD_OPTIONS,
              'Access-Control-Allow-Headers': 'If-None-Match, If-Modified-Since, Cache-Control',
              'Access-Control-Max-Age': '86400',
            }
          : {}),
        ...SECURITY_HEADERS,
      },
    });
  });

  // A known path with another method: 405 naming what it does take (RFC 9110 §15.5.6).
  app.all('*', function methodNotAllowed(c, next) {
    const path = c.req.path;
    const known = KNOWN_PATHS.some((pattern) => pattern.test(path));
    if (!known || c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return textResponse(`${c.req.method} is not allowed here; use GET or HEAD.`, 405, { Allow: GET_HEAD_OPTIONS });
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

/** `http://127.0.0.1:3000` from a request URL, without parsing the whole of it. */
const originOf = (url: string) => {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  return pathStart === -1 ? url : url.slice(0, pathStart);
};

const newestChange = (posts: readonly Post[]): Date | undefined => {
  let newest = -Infinity;
  for (const post of posts) newest = Math.max(newest, post.updated.getTime());
  return Number.isFinite(newest) ? new Date(newest) : undefined;
};

const FEED_PATHS = /^(?:\/(?:categories|authors)\/[^/]+)?\/(?:rss\.xml|atom\.xml|feed\.json)$|^\/feed$/;
const KNOWN_PATHS = [
  /^\/$/,
  FEED_PATHS,
  /^\/(healthz|style\.css|feed\.xsl)$/,
  /^\/posts\/[^/]+$/,
  /^\/(categories|authors)\/[^/]+$/,
  /^\/media\/.+$/,
];
