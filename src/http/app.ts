import { Hono } from 'hono';
import type { SafeContent } from '../feeds/safe-content.ts';
import type { Dataset, Post } from '../posts/index.ts';
import { rateLimit, requestGuards, type RateLimitOptions, type RequestGuardOptions } from './guards.ts';
import type { RenderCacheOptions } from './render-cache.ts';
import { webCompressors, type Compressors } from './representation.ts';
import { textResponse } from './respond.ts';
import type { RouteContext } from './routes/context.ts';
import { feedRoutes } from './routes/feeds.ts';
import { healthRoutes, type Health } from './routes/health.ts';
import { listRoutes } from './routes/lists.ts';
import { mediaRoutes } from './routes/media.ts';
import { servingRendered } from './serve.ts';
import { snapshots } from './snapshot.ts';

/** Where the app gets its data: a fixed dataset, or one that a watcher swaps when the files change. */
export interface DataSource {
  current(): Dataset;
  /** Whether the files on disk are what is served; `degraded` while an edit fails validation. */
  health?(): ReturnType<Health>;
  /**
   * Makes ready what the safe content of these posts needs, before a render shows them: a source
   * whose post bodies live elsewhere (R2) reads them here, since the safe content is synchronous.
   * Awaited only when a feed or page is rendered, with the posts that render shows.
   */
  prepare?(posts: readonly Post[]): Promise<void>;
}

export interface AppOptions {
  /**
   * Each post's content with everything that could run script removed. The runtime's choice: Node
   * sanitises (`sanitizingOncePerPost()`), the worker reads what `npm run build:data` sanitised.
   */
  safeContent: SafeContent;
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

export type AppInput = ({ dataset: Dataset } | { source: DataSource }) & { options: AppOptions };

const ALWAYS_OK: Health = () => ({ status: 'ok', problems: [] });

/**
 * The whole service as one Hono app, knowing no runtime: Node and Workers hand it their data and the
 * safe content of its posts. Every feed and page is rendered once per data version (and per due
 * scheduled post), then served from memory with strong validators and precompressed variants.
 * @example
 * const app = createApp({ dataset, options: { safeContent: sanitizingOncePerPost(), siteUrl: 'https://news.example.com' } });
 */
export function createApp(input: AppInput): Hono {
  const { options } = input;
  const source: DataSource = 'source' in input ? input.source : { current: () => input.dataset };
  const now = options.now ?? (() => new Date());
  const snapshotOf = snapshots({ current: () => source.current(), now, siteUrl: options.siteUrl });
  const context: RouteContext = {
    snapshot: (c) => snapshotOf(c.req.url),
    serve: servingRendered({ cache: options.cache, compressors: options.compressors ?? webCompressors(), now }),
    safeContent: options.safeContent,
    ...(source.prepare ? { prepare: source.prepare.bind(source) } : {}),
  };

  const app = new Hono();
  // Refusals before routing: a client over its budget, or a request no route should ever see.
  if (options.rateLimit) app.use(rateLimit(options.rateLimit));
  app.use(requestGuards(options.guards));

  app.route('/', feedRoutes(context)); //       /rss.xml /atom.xml /feed.json, /{categories,authors}/:slug/…, /feed, /feed.xsl
  app.route('/', listRoutes(context)); //       /, /{categories,authors}/:slug, /posts/:slug, /style.css
  app.route('/', mediaRoutes(context)); //      /media/*
  app.route('/', healthRoutes(context, () => source.health?.() ?? ALWAYS_OK())); // /healthz

  app.notFound((c) => textResponse(`Nothing is at ${c.req.path}.`, 404));
  app.onError((error) => {
    console.error(error);
    return textResponse('Something went wrong on our side; it has been logged.', 500);
  });
  return app;
}
