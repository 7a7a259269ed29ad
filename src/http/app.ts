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
  normalizeBaseUrl,
  siteScope,
  type FeedFormat,
  type FeedModel,
} from '../feeds/model.ts';
import { renderRss } from '../feeds/rss.ts';
import { formatProblem, type Dataset, type Post, type Problem } from '../posts/index.ts';
import { STYLESHEET, indexPage, postPage, type PageContext } from './pages.ts';
import { RenderCache, type RenderCacheOptions } from './render-cache.ts';
import { represent, webCompressors, type Compressors, type Representation } from './representation.ts';
import { respond, textResponse } from './respond.ts';

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
}

export type AppInput = ({ dataset: Dataset } | { source: DataSource }) & { options?: AppOptions };

const RENDERERS: Record<FeedFormat, (model: FeedModel) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJsonFeed,
};

const HTML = 'text/html; charset=utf-8';
const GET_HEAD_OPTIONS = 'GET, HEAD, OPTIONS';

/** Web-based readers fetch feeds from the browser: let them, and let them see our validators. */
const FEED_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, Link',
} as const;

/** What one dataset gives every request: the published-post index and slug look-up, built once. */
interface DatasetIndex {
  published: PublishedPosts;
  bySlug: Map<string, Post>;
}
const indexes = new WeakMap<Dataset, DatasetIndex>();
function indexOf(dataset: Dataset): DatasetIndex {
  let index = indexes.get(dataset);
  if (!index) {
    const published = new PublishedPosts(dataset);
    const bySlug = new Map(dataset.posts.filter((post) => !post.draft).map((post) => [post.slug, post]));
    indexes.set(dataset, (index = { published, bySlug }));
  }
  return index;
}

/** `public, max-age=300, stale-while-revalidate=3600`: the site's freshness for feeds and pages. */
const cacheControlOf = (dataset: Dataset) =>
  `public, max-age=${dataset.site.cache.maxAge}, stale-while-revalidate=${dataset.site.cache.staleWhileRevalidate}`;

/** RFC 8288 links to this feed, its siblings and the WebSub hub, for clients that read headers only. */
function feedLinks(baseUrl: string, format: FeedFormat, hub: string | undefined): string {
  const links = FEED_FORMATS.map(
    (f) => `<${feedUrl(baseUrl, '', f)}>; rel="${f === format ? 'self' : 'alternate'}"; type="${FEED_MEDIA_TYPES[f]}"`,
  );
  if (hub) links.push(`<${hub}>; rel="hub"`);
  return links.join(', ');
}

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
  const cache = new RenderCache<Representation>(input.options?.cache);
  const app = new Hono();

  /** Everything a handler needs about "now": the data, what is published, and the base URL. */
  const snapshot = (c: Context) => {
    const dataset = source.current();
    const at = now();
    const index = indexOf(dataset);
    const baseUrl = normalizeBaseUrl(configuredUrl ?? dataset.site.url ?? new URL(c.req.url).origin);
    // A scheduled post that becomes due changes the count, hence the key: everything re-renders.
    const key = `${dataset.version}:${index.published.countAt(at)}:${baseUrl}`;
    return { dataset, baseUrl, key, index, at, posts: () => index.published.at(at) };
  };

  const pageContext = (dataset: Dataset, baseUrl: string): PageContext => ({
    site: dataset.site,
    baseUrl,
    feeds: { rss: feedUrl(baseUrl, '', 'rss'), atom: feedUrl(baseUrl, '', 'atom'), json: feedUrl(baseUrl, '', 'json') },
  });

  /** Renders on the first request of a version, then serves the cached representation. */
  const serve = async (
    c: Context,
    key: string,
    render: () => Promise<{ body: string | Uint8Array; contentType: string; lastModified?: Date | undefined }>,
    headers: Record<string, string>,
  ) => {
    const representation = await cache.getOrCreate(key, async () => {
      const { body, contentType, lastModified } = await render();
      // RFC 9110 §8.8.2.1: never a Last-Modified after now. A post "updated" in the future would
      // otherwise hide every change made before that date from readers polling with If-Modified-Since.
      const at = now();
      const clamped = lastModified && lastModified.getTime() > at.getTime() ? at : lastModified;
      return represent(body, { contentType, lastModified: clamped, compressors });
    });
    return respond(c.req.raw, representation, headers);
  };

  for (const format of FEED_FORMATS) {
    app.get(`/${FEED_FILES[format]}`, function feed(c) {
      const { dataset, baseUrl, key, posts } = snapshot(c);
      return serve(
        c,
        `${key}:feed:${format}`,
        async () => {
          const model = buildFeedModel(dataset.site, siteScope(dataset.site, posts()), { baseUrl });
          return {
            body: RENDERERS[format](model),
            contentType: `${FEED_MEDIA_TYPES[format]}; charset=utf-8`,
            lastModified: model.items.length ? model.updated : undefined,
          };
        },
        {
          'Cache-Control': cacheControlOf(dataset),
          Link: feedLinks(baseUrl, format, dataset.site.hub),
          ...FEED_CORS,
        },
      );
    });
  }

  app.get('/', function index(c) {
    const { dataset, baseUrl, key, posts } = snapshot(c);
    return serve(
      c,
      `${key}:page:/`,
      async () => {
        const visible = posts();
        return {
          body: String(await indexPage(pageContext(dataset, baseUrl), visible.map((post) => feedItem(post, baseUrl)))),
          contentType: HTML,
          lastModified: newestChange(visible),
        };
      },
      { 'Cache-Control': cacheControlOf(dataset) },
    );
  });

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
      { 'Cache-Control': cacheControlOf(dataset) },
    );
  });

  app.get('/style.css', function stylesheet(c) {
    return serve(c, 'static:/style.css', async () => ({ body: STYLESHEET, contentType: 'text/css; charset=utf-8' }), {
      'Cache-Control': 'public, max-age=3600',
    });
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
      { 'Cache-Control': 'public, max-age=3600' },
    );
  });

  app.get('/healthz', function healthz(c) {
    const { dataset, posts } = snapshot(c);
    const published = posts().length;
    const drafts = dataset.posts.filter((p) => p.draft).length;
    const health = source.health?.() ?? { status: 'ok', problems: [] };
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
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
        'X-Content-Type-Options': 'nosniff',
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

const newestChange = (posts: readonly Post[]): Date | undefined => {
  let newest = -Infinity;
  for (const post of posts) newest = Math.max(newest, post.updated.getTime());
  return Number.isFinite(newest) ? new Date(newest) : undefined;
};

const FEED_PATHS = /^\/(rss\.xml|atom\.xml|feed\.json)$/;
const KNOWN_PATHS = [/^\/$/, FEED_PATHS, /^\/(healthz|style\.css)$/, /^\/posts\/[^/]+$/, /^\/media\/.+$/];
