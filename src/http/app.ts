import { Hono } from 'hono';
import type { Router } from 'hono/router';
import type { H, RouterRoute } from 'hono/types';
import type { SafeContent } from '../feeds/safe-content.ts';
import type { Dataset, Post } from '../posts/index.ts';
import { MAX_HEADER_BYTES, boundedOrigins, rateLimit, requestGuards, type RateLimitOptions, type RequestGuardOptions } from './guards.ts';
import type { PreparedPolls } from './poll.ts';
import type { RenderCacheOptions, RenderQueueOptions } from './render-cache.ts';
import { webCompressors, type Compressors } from './representation.ts';
import { textResponse } from './respond.ts';
import type { RouteContext } from './routes/context.ts';
import { discoveryRoutes } from './routes/discovery.ts';
import { feedRoutes } from './routes/feeds.ts';
import { healthRoutes, type Health } from './routes/health.ts';
import { listRoutes, notFoundPageResponse } from './routes/lists.ts';
import { bytesInMemory, type MediaFiles } from './media.ts';
import { mediaRoutes } from './routes/media.ts';
import { servingRendered, type RenderedAhead } from './serve.ts';
import { snapshots } from './snapshot.ts';

/** Where the app gets its data: a fixed dataset, or one that a watcher swaps when the files change. */
export interface DataSource {
  current(): Dataset;
  /** Whether the files on disk are what is served; `degraded` while an edit fails validation. */
  health?(): ReturnType<Health>;
  /**
   * Makes ready what the safe content of these posts needs, before a render shows them: a source
   * whose post bodies live elsewhere (R2) reads them here, since the safe content is synchronous.
   * Awaited only when a feed or page is rendered, with the posts that render shows. Rejects with
   * `DataUnavailable` when the store cannot be read just now.
   */
  prepare?(posts: readonly Post[]): Promise<void>;
}

/**
 * The data could not be read just now (a storage read failed or named an object that is not there):
 * the request is answered 503 with a Retry-After, nothing is cached, and the next request tries again.
 */
export class DataUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataUnavailable';
  }
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
  /** Uncached renders at once and waiting; see `RenderQueue`. */
  renderQueue?: RenderQueueOptions;
  /** Told of each render as it starts, by render key. */
  onRender?: (key: string) => void;
  /** Without a public URL, how many host names are answered (see `boundedOrigins`); default 8. */
  maxOrigins?: number;
  /** How bodies are compressed; default: gzip by CompressionStream where the runtime has it. */
  compressors?: Compressors;
  /** A per-client request budget, answered with 429 and Retry-After when spent; default: none. */
  rateLimit?: RateLimitOptions;
  /** Limits on the request itself; see `requestGuards`. */
  guards?: RequestGuardOptions;
  /**
   * A local preview (`npm run dev`): links from each request's origin whatever `site.url` says, and
   * drafts and scheduled posts on the pages, marked as such. Feeds never show them.
   */
  preview?: boolean;
  /** Where media files are read when served; default: the bytes the dataset holds (the worker's bundle). */
  media?: MediaFiles;
  /**
   * Filled with what each prepared answer was, for a server to answer repeats before routing
   * (src/node/fast-path.ts). Left empty under a rate limit or a finite header budget: those guards
   * depend on more than the URL.
   */
  polls?: PreparedPolls;
  /**
   * What matches a request to its route; default Hono's. A worker passes one that is cheap to build
   * (src/worker/segment-router.ts): every isolate builds it for its first request, inside that
   * request's CPU budget.
   */
  router?: Router<[H, RouterRoute]>;
  /** Where bodies rendered before any request are kept (a worker's start-up); see `RenderedAhead`. */
  renderedAhead?: RenderedAhead;
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
  const snapshotOf = snapshots({ current: () => source.current(), now, siteUrl: options.siteUrl, preview: options.preview });
  const polls = options.rateLimit || Number.isFinite(options.guards?.maxHeaderBytes ?? MAX_HEADER_BYTES) ? undefined : options.polls;
  polls?.follow((url) => snapshotOf(url).key);
  const context: RouteContext = {
    snapshot: (c) => snapshotOf(c.req.url),
    serve: servingRendered({
      polls,
      cache: options.cache,
      queue: options.renderQueue,
      compressors: options.compressors ?? webCompressors(),
      now,
      onRender: options.onRender,
      ahead: options.renderedAhead,
    }),
    safeContent: options.safeContent,
    ...(source.prepare ? { prepare: source.prepare.bind(source) } : {}),
  };

  const app = new Hono(options.router ? { router: options.router } : {});
  // Refusals before routing: a client over its budget, or a request no route should ever see.
  if (options.rateLimit) app.use(rateLimit(options.rateLimit));
  app.use(requestGuards(options.guards));
  const configured = () => Boolean(options.siteUrl ?? source.current().site.url);
  app.use(boundedOrigins({ configured, ...(options.maxOrigins !== undefined ? { maxOrigins: options.maxOrigins } : {}) }));

  app.route('/', feedRoutes(context)); //       /rss.xml /atom.xml /feed.json, /{categories,authors}/:slug/…, /feed, /feed.xsl
  app.route('/', listRoutes(context, { preview: options.preview ?? false })); // /, /{categories,authors}/:slug, /posts/:slug, /style.css
  app.route('/', mediaRoutes(context, { files: options.media ?? bytesInMemory(), now })); // /media/*
  app.route('/', discoveryRoutes(context)); //  /sitemap.xml /sitemap-N.xml /robots.txt /feeds.opml
  app.route('/', healthRoutes(context, () => source.health?.() ?? ALWAYS_OK())); // /healthz

  // A person who followed a broken link gets a page in the site's style, with the way home.
  app.notFound((c) => notFoundPageResponse(context.snapshot(c), `Nothing is at ${c.req.path}.`));
  app.onError((error) => {
    console.error(error);
    if (error instanceof DataUnavailable) {
      return textResponse('The site cannot read its data right now; try again shortly.', 503, { 'Retry-After': '10' });
    }
    return textResponse('Something went wrong on our side; it has been logged.', 500);
  });
  return app;
}
