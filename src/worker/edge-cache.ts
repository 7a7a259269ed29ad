import type { ExecutionContext } from 'hono';
import { SegmentRouter } from './segment-router.ts';
import type { SafeContent } from '../feeds/safe-content.ts';
import { createApp, type DataSource } from '../http/app.ts';
import type { MediaFiles } from '../http/media.ts';
import { chooseEncoding } from '../http/negotiation.ts';
import { CONTENT_CODINGS, isCompressible, webCompressors, type Compressors } from '../http/representation.ts';
import { respondFromStored, textResponse } from '../http/respond.ts';
import type { RenderQueueOptions } from '../http/render-cache.ts';
import { RenderedAhead, type Rendered } from '../http/serve.ts';
import { snapshots, type Snapshot } from '../http/snapshot.ts';
import { isHttpUrl } from '../posts/http-url.ts';
import type { Dataset } from '../posts/index.ts';

/** What the Workers runtime hands the worker, from wrangler.toml. */
export interface Env {
  /** The public base URL, from `[vars]` or `--var SITE_URL:…`; empty: the request's origin. */
  SITE_URL?: string;
  /** wrangler.toml's `version_metadata` binding: a new id with every deployed version. */
  CF_VERSION_METADATA?: { id: string };
}

/** A copy of a response in the Cache API lives this long; its key changes whenever its bytes would. */
const EDGE_CACHE_TTL = 86_400;
/** The original status line and headers of a cached response, JSON, percent-encoded. */
const STORED_HEADERS = 'X-Pressroom-Stored-Headers';
/** Conditional headers are answered by respondFromStored, never by the copy that goes into the cache. */
const CONDITIONAL_HEADERS = ['If-None-Match', 'If-Modified-Since'];
/**
 * Request headers an answer may vary on, besides Accept-Encoding (in the key as the negotiated coding):
 * their values are part of the key. An answer that varies on anything else is not shared.
 */
const KEYED_REQUEST_HEADERS = ['Accept'];
const KEYED_VARY = new Set(['accept-encoding', ...KEYED_REQUEST_HEADERS.map((name) => name.toLowerCase())]);
/**
 * The isolate's render cache: a Worker has 128 MB for everything, the R2 mode's index of 100,000 posts
 * takes some 40 of them, and the Cache API holds the shared copies anyway. Each request renders what
 * it needs itself: a request that waited on another's render hung when that request ended first.
 */
const ISOLATE_RENDER_CACHE = { maxEntries: 200, maxBytes: 16 * 1024 * 1024, shareRenders: false };
/**
 * No render waits for a turn either: a waiting render was started from the request that finished
 * before it, and the runtime cancels what a request left behind, so the waiting one hung. Past 16
 * renders at once in an isolate (its 128 MB hold them all), the next request is answered 503 with a
 * Retry-After instead.
 */
const ISOLATE_RENDER_QUEUE = { concurrency: 16, maxWaiting: 0 };
/**
 * What readers poll most, rendered before the first request asks: at start-up in the bundled mode
 * (src/worker/main.ts), when the data is published in the R2 mode (scripts/publish.ts).
 */
export const RENDERED_AHEAD_PATHS: readonly string[] = ['/rss.xml', '/atom.xml', '/feed.json', '/'];
/** Renders ahead hand nothing on: nothing they start outlives them. */
const AHEAD_CONTEXT: ExecutionContext = { waitUntil() {}, passThroughOnException() {}, props: {} };
/** Keys this isolate's own render cache has: past this many, forget them all rather than track age. */
const WARM_KEYS_LIMIT = 2_000;

export type WorkerOptions = ({ dataset: Dataset } | { source: DataSource }) & {
  /** Each post's content as `npm run build:data` or `npm run publish` sanitised it: the worker bundles no sanitiser. */
  safeContent: SafeContent;
  /** The clock, injectable so tests can move time past a scheduled post. */
  now?: () => Date;
  /** Where rendered responses are shared between isolates; default `caches.default`, absent on Node. */
  edgeCache?: () => Cache | undefined;
  compressors?: Compressors;
  /** See `RenderQueue`; the start-up's warm-up starts its renders without a timer. */
  renderQueue?: RenderQueueOptions;
  /** Where media files are read; default the bytes the dataset holds (the bundle). */
  media?: MediaFiles;
  /** Where bodies rendered when the data was published are read, by render key (src/worker/r2-data.ts). */
  renderedAtPublish?: (key: string) => Promise<Rendered | undefined>;
};

type CfRequest = Request & { cf?: { clientAcceptEncoding?: unknown } };

const defaultEdgeCache = (): Cache | undefined =>
  (globalThis as { caches?: CacheStorage & { default?: Cache } }).caches?.default;

/**
 * The Workers fetch handler, built from a dataset (src/worker/main.ts gives it the bundled one; tests give
 * theirs, with a clock and a cache) or from a source whose data changes (src/worker/r2-main.ts: R2). Its own module: a Workers entry may export nothing but handlers.
 *
 * Cloudflare (and wrangler's local proxy) hand the worker `Accept-Encoding: br, gzip` whatever the
 * client sent, keeping the client's own header in `request.cf.clientAcceptEncoding`: the app negotiates
 * on that one, as on Node. A GET of a feed or page is first looked up in the Cache API, keyed by the URL,
 * the encoding the client would get, `Accept`, the deployed version and the app's own render key (the
 * data version, the number of published posts, which changes when a scheduled post becomes due, and the
 * base URL: see src/http/snapshot.ts); a miss renders through the app and stores the 200. Either way the 304 is decided by respondFromStored on the same validators.
 */
export function createWorker(options: WorkerOptions) {
  const source: DataSource = 'source' in options ? options.source : { current: () => options.dataset };
  const now = options.now ?? (() => new Date());
  const edgeCache = options.edgeCache ?? defaultEdgeCache;
  const compressors = options.compressors ?? webCompressors();
  const codings = CONTENT_CODINGS.filter((coding) => compressors[coding]);
  const warm = new Set<string>();
  const ahead = new RenderedAhead(options.renderedAtPublish);
  /** While bodies are rendered ahead: the time they are rendered for (see `renderAhead`). */
  let renderingAt: Date | undefined;
  const clock = () => renderingAt ?? now();
  let app: ReturnType<typeof createApp> | undefined;
  let snapshotOf: ((requestUrl: string) => Snapshot) | undefined;

  /** The isolate's app, built once from the first env it sees; a 500 to answer while SITE_URL is wrong. */
  function appFor(env: Env): ReturnType<typeof createApp> | Response {
    if (app) return app;
    const configured = env.SITE_URL || undefined;
    // Every link in every feed is built on it: a typo would publish broken links, so refuse to serve.
    if (configured !== undefined && !isHttpUrl(configured)) {
      console.error(`SITE_URL: expected an absolute http(s) URL, got ${JSON.stringify(configured)}`);
      return textResponse('The site is misconfigured: SITE_URL is not an absolute http(s) URL.', 500);
    }
    const siteUrl = configured;
    // Hono's default router costs a cold isolate more than the render of a feed: see SegmentRouter.
    app = createApp({
      source,
      options: {
        safeContent: options.safeContent,
        now: clock,
        compressors,
        router: new SegmentRouter(),
        cache: ISOLATE_RENDER_CACHE,
        renderQueue: { ...ISOLATE_RENDER_QUEUE, ...options.renderQueue },
        renderedAhead: ahead,
        ...(options.media ? { media: options.media } : {}),
        ...(siteUrl ? { siteUrl } : {}),
      },
    });
    snapshotOf = snapshots({ current: () => source.current(), now: clock, siteUrl });
    return app;
  }

  return {
    /**
     * Builds the app from the env before any request comes: at a worker's start-up, where the env is
     * known (`cloudflare:workers`), so that no request pays for it. A wrong SITE_URL is logged here and
     * told to every request.
     */
    start(env: Env): void {
      appFor(env);
    },

    /**
     * Renders `paths` before any request asks for them, as the data stands at `at`, keeping their
     * bodies for their first requests, which then only compress, hash and store them (see
     * `RenderedAhead`). For a worker's start-up, where the env is known (`cloudflare:workers`) but
     * nothing may be compressed and the clock reads 0: `at` is when the data was built, and a body
     * serves only while the posts due are those due then. Without a base URL (no SITE_URL, no
     * `site.url`) links follow each request's origin: nothing is rendered. Resolves to the bodies kept.
     */
    async renderAhead(env: Env, at: Date, paths: readonly string[]): Promise<number> {
      const built = appFor(env);
      const base = env.SITE_URL || source.current().site.url;
      if (built instanceof Response || !base) return 0;
      renderingAt = at;
      try {
        await ahead.collect((request) => built.fetch(request, env, AHEAD_CONTEXT), new URL(base).origin, paths);
      } finally {
        renderingAt = undefined;
      }
      return ahead.size;
    },

    async fetch(incoming: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
      // Vars arrive with the first request, unless start-up had them (`start`, `renderAhead`).
      const app = appFor(env);
      if (app instanceof Response) return app;
      const request = withClientAcceptEncoding(incoming);
      const cache = env.CF_VERSION_METADATA ? edgeCache() : undefined;
      if (!cache || !snapshotOf || !env.CF_VERSION_METADATA || (request.method !== 'GET' && request.method !== 'HEAD')) {
        return app.fetch(request, env, ctx);
      }

      const coding = chooseEncoding(request.headers.get('Accept-Encoding'), codings) ?? 'identity';
      const key = new URL(request.url);
      const parts = [env.CF_VERSION_METADATA.id, snapshotOf(request.url).key, coding];
      for (const name of KEYED_REQUEST_HEADERS) parts.push(request.headers.get(name) ?? '');
      key.searchParams.append('pressroom-cache', JSON.stringify(parts));
      const cacheKey = key.href;
      // This isolate rendered it already: its render cache answers faster than the Cache API.
      if (warm.has(cacheKey)) return app.fetch(request, env, ctx);

      const hit = await cache.match(cacheKey);
      if (hit) {
        const headers = new Headers(JSON.parse(decodeURIComponent(hit.headers.get(STORED_HEADERS) ?? '[]')) as [string, string][]);
        return respondFromStored(request, { headers, bytes: new Uint8Array(await hit.arrayBuffer()) }, now);
      }

      const unconditional = new Headers(request.headers);
      for (const name of CONDITIONAL_HEADERS) unconditional.delete(name);
      const rendered = await app.fetch(new Request(request.url, { method: 'GET', headers: unconditional }), env, ctx);
      if (!isShareable(rendered)) {
        const same = request.method === 'GET' && CONDITIONAL_HEADERS.every((name) => !request.headers.has(name));
        return same ? rendered : app.fetch(request, env, ctx);
      }
      if (warm.size >= WARM_KEYS_LIMIT) warm.clear();
      warm.add(cacheKey);
      const bytes = new Uint8Array(await rendered.arrayBuffer());
      const stored = new Response(bytes, {
        headers: {
          // Opaque bytes to the cache: it must neither re-encode nor vary them; the real headers ride along.
          'Content-Type': 'application/octet-stream',
          'Cache-Control': `public, max-age=${EDGE_CACHE_TTL}`,
          [STORED_HEADERS]: encodeURIComponent(JSON.stringify([...rendered.headers])),
        },
      });
      ctx.waitUntil(cache.put(cacheKey, stored));
      return respondFromStored(request, { headers: rendered.headers, bytes }, now);
    },
  };
}

/** The client's own Accept-Encoding, where the platform replaced it (an empty string: it sent none). */
function withClientAcceptEncoding(request: CfRequest): Request {
  const original = request.cf?.clientAcceptEncoding;
  if (typeof original !== 'string' || original === request.headers.get('Accept-Encoding')) return request;
  const headers = new Headers(request.headers);
  if (original) headers.set('Accept-Encoding', original);
  else headers.delete('Accept-Encoding');
  // A GET or HEAD is its URL and headers: made from those, not copied from the platform's request,
  // whose copy (its body, its `cf` properties) cost a cold isolate more than the render.
  if (request.method === 'GET' || request.method === 'HEAD') return new Request(request.url, { method: request.method, headers });
  return new Request(request, { headers });
}

/**
 * What the app rendered for everyone: public, with a validator, text (media are bundled bytes already),
 * and varying on nothing the key leaves out.
 */
function isShareable(response: Response): boolean {
  const contentType = response.headers.get('Content-Type') ?? '';
  return (
    response.status === 200 &&
    response.headers.has('ETag') &&
    /^public\b/.test(response.headers.get('Cache-Control') ?? '') &&
    isCompressible(contentType) &&
    (response.headers.get('Vary') ?? '').split(',').every((name) => !name.trim() || KEYED_VARY.has(name.trim().toLowerCase()))
  );
}

