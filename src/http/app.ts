import { Hono, type Context } from 'hono';
import { renderAtom } from '../feeds/atom.ts';
import { renderJsonFeed } from '../feeds/json-feed.ts';
import {
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
import type { Dataset } from '../posts/index.ts';
import { STYLESHEET, indexPage, postPage, type PageContext } from './pages.ts';
import { RenderCache, type RenderCacheOptions } from './render-cache.ts';
import { rendered, send, type Rendered } from './respond.ts';

/** Where the app gets its data: a fixed dataset, or one that a watcher swaps when the files change. */
export interface DataSource {
  current(): Dataset;
}

export interface AppOptions {
  /** The public base URL; overrides `site.url`. With neither, each request's own origin is used. */
  siteUrl?: string;
  /** The clock, injectable so tests can move time past a scheduled post. */
  now?: () => Date;
  cache?: RenderCacheOptions;
}

export type AppInput = ({ dataset: Dataset } | { source: DataSource }) & { options?: AppOptions };

const RENDERERS: Record<FeedFormat, (model: FeedModel) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJsonFeed,
};

const HTML = 'text/html; charset=utf-8';
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; img-src 'self' https: http: data:; media-src 'self' https: http:; style-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** One index of published posts per dataset, built the first time a request needs it. */
const indexes = new WeakMap<Dataset, PublishedPosts>();
const publishedIndex = (dataset: Dataset) => {
  let index = indexes.get(dataset);
  if (!index) indexes.set(dataset, (index = new PublishedPosts(dataset)));
  return index;
};

/**
 * The whole service as one Hono app, knowing no runtime: Node and Workers hand it their data.
 * @example
 * const app = createApp({ dataset, options: { siteUrl: 'https://news.example.com' } });
 */
export function createApp(input: AppInput): Hono {
  const source: DataSource = 'source' in input ? input.source : { current: () => input.dataset };
  const now = input.options?.now ?? (() => new Date());
  const configuredUrl = input.options?.siteUrl;
  const cache = new RenderCache<Rendered>(input.options?.cache);
  const app = new Hono();

  /** Everything a handler needs about "now": the data, what is published, and the base URL. */
  const snapshot = (c: Context) => {
    const dataset = source.current();
    const at = now();
    const index = publishedIndex(dataset);
    const baseUrl = normalizeBaseUrl(configuredUrl ?? dataset.site.url ?? new URL(c.req.url).origin);
    const key = `${dataset.version}:${index.countAt(at)}:${baseUrl}`;
    return { dataset, baseUrl, key, posts: () => index.at(at) };
  };

  const pageContext = (dataset: Dataset, baseUrl: string): PageContext => ({
    site: dataset.site,
    baseUrl,
    feeds: { rss: feedUrl(baseUrl, '', 'rss'), atom: feedUrl(baseUrl, '', 'atom'), json: feedUrl(baseUrl, '', 'json') },
  });

  app.use(async function securityHeaders(c, next) {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'strict-origin-when-cross-origin');
    if (c.res.headers.get('Content-Type')?.startsWith('text/html')) {
      c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    }
  });

  for (const format of ['rss', 'atom', 'json'] as const) {
    const path = `/${{ rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' }[format]}`;
    app.get(path, function feed(c) {
      const { dataset, baseUrl, key, posts } = snapshot(c);
      const value = cache.getOrCreate(`${key}:feed:${format}`, () => {
        const model = buildFeedModel(dataset.site, siteScope(dataset.site, posts()), { baseUrl });
        return rendered(RENDERERS[format](model), `${FEED_MEDIA_TYPES[format]}; charset=utf-8`);
      });
      return send(c, value);
    });
  }

  app.get('/', async function index(c) {
    const { dataset, baseUrl, key, posts } = snapshot(c);
    const cached = cache.get(`${key}:page:/`);
    if (cached) return send(c, cached);
    const items = posts().map((post) => feedItem(post, baseUrl));
    const value = rendered(String(await indexPage(pageContext(dataset, baseUrl), items)), HTML);
    cache.set(`${key}:page:/`, value);
    return send(c, value);
  });

  app.get('/posts/:slug', async function post(c) {
    const { dataset, baseUrl, key, posts } = snapshot(c);
    const slug = c.req.param('slug');
    const cacheKey = `${key}:page:/posts/${slug}`;
    const cached = cache.get(cacheKey);
    if (cached) return send(c, cached);
    const found = posts().find((p) => p.slug === slug);
    if (!found) return c.text(`No published post is called "${slug}".`, 404);
    const value = rendered(String(await postPage(pageContext(dataset, baseUrl), feedItem(found, baseUrl))), HTML);
    cache.set(cacheKey, value);
    return send(c, value);
  });

  app.get('/style.css', function stylesheet(c) {
    return send(c, rendered(STYLESHEET, 'text/css; charset=utf-8'), { 'Cache-Control': 'public, max-age=3600' });
  });

  app.get('/media/*', function media(c) {
    const { dataset } = snapshot(c);
    let path: string;
    try {
      path = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return c.text('The path is not valid percent-encoding.', 400);
    }
    const asset = dataset.assets.get(path);
    if (!asset) return c.text(`No file at ${path}.`, 404);
    return send(c, { body: asset.bytes, contentType: asset.mediaType, size: asset.bytes.byteLength }, {
      'Cache-Control': 'public, max-age=3600',
    });
  });

  app.get('/healthz', function healthz(c) {
    const { dataset, posts } = snapshot(c);
    const published = posts().length;
    const drafts = dataset.posts.filter((p) => p.draft).length;
    c.header('Cache-Control', 'no-store');
    return c.json({
      status: 'ok',
      posts: published,
      scheduled: dataset.posts.length - drafts - published,
      drafts,
      version: dataset.version,
    });
  });

  // A known path with another method: 405 naming what it does take (RFC 9110 §15.5.6).
  app.all('*', function methodNotAllowed(c, next) {
    const path = c.req.path;
    const known = KNOWN_PATHS.some((pattern) => pattern.test(path));
    if (!known || c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    c.header('Allow', 'GET, HEAD');
    return c.text(`${c.req.method} is not allowed here; use GET or HEAD.`, 405);
  });

  app.notFound((c) => c.text(`Nothing is at ${c.req.path}.`, 404));
  app.onError((error, c) => {
    console.error(error);
    return c.text('Something went wrong on our side; it has been logged.', 500);
  });
  return app;
}

const KNOWN_PATHS = [/^\/$/, /^\/(rss\.xml|atom\.xml|feed\.json|healthz|style\.css)$/, /^\/posts\/[^/]+$/, /^\/media\/.+$/];
