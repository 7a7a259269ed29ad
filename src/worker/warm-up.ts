import type { ExecutionContext } from 'hono';
import { datasetFromBundle, type DataBundle } from '../posts/bundle.ts';
import { POINTER_KEY, INDEX_FORMAT, indexDataset, type CurrentPointer } from '../posts/published-index.ts';
import { bundledData } from './bundled-data.ts';
import { createWorker } from './edge-cache.ts';
import { scopeParts } from './precomputed-index.ts';
import { r2Data, type DataBucket } from './r2-data.ts';

/**
 * Three made-up posts that between them show what a feed item can: authors, categories, an image, an
 * attachment, a language of its own, links to resolve, a summary; and a draft.
 */
const WARM_UP_BUNDLE: DataBundle = {
  format: 3,
  site: {
    title: 'Warm-up',
    description: 'Posts that exist only while the worker starts.',
    url: 'https://warm-up.invalid',
    language: 'en',
    authors: [{ name: 'Press Office', email: 'press@warm-up.invalid', url: 'https://warm-up.invalid/press' }],
    copyright: '© Warm-up',
    icon: '/media/icon.png',
    feedLimit: 20,
    maxLimit: 100,
    cache: { maxAge: 300, staleWhileRevalidate: 3600 },
    timeZone: 'UTC',
    feedContent: 'full',
  },
  posts: [
    {
      title: 'Results for the year & what comes next',
      published: '2026-01-02T00:00:00.000Z',
      updated: '2026-01-03T00:00:00.000Z',
      id: 'tag:warm-up.invalid,2026-01-02:results',
      slug: 'results',
      file: 'posts/results.json',
      authors: [{ name: 'Chen Jing' }, { name: 'Fatima Al-Sayed', email: 'f.alsayed@warm-up.invalid' }],
      categories: ['Results', 'Governance'],
      language: 'en-GB',
      image: { url: '../media/icon.png', alt: 'Cover', mimeType: 'image/png', size: 1 },
      attachments: [{ url: 'https://cdn.warm-up.invalid/report.pdf', mimeType: 'application/pdf', size: 1000, title: 'Full report' }],
      summary: 'Results <and> more.',
      safeContent:
        '<p>Grew &amp; more.</p>\n<figure><img src="../media/icon.png" alt="A plant" width="64" height="48" /><figcaption>A plant.</figcaption></figure>\n' +
        '<p>Read <a href="/posts/plans">the plans</a> or <a href="https://example.com/">our website</a>.</p>',
    },
    {
      title: 'Plans',
      published: '2026-01-01T00:00:00.000Z',
      updated: '2026-01-01T00:00:00.000Z',
      slug: 'plans',
      file: 'posts/plans.json',
      categories: ['Results'],
      summary: 'Plans.',
      safeContent: '<p>Plans.</p>',
    },
    {
      title: 'A draft',
      published: '2026-01-01T00:00:00.000Z',
      updated: '2026-01-01T00:00:00.000Z',
      slug: 'draft',
      file: 'posts/draft.json',
      draft: true,
      safeContent: '<p>Not yet.</p>',
    },
  ],
  assets: [{ path: 'media/icon.png', file: 'media/icon.png', size: 1, mediaType: 'image/png', base64: 'AA==' }],
  version: 'warm-up',
  modified: '2026-01-03T00:00:00.000Z',
};

/** What a first request asks for, most often: a reader's poll of a feed, then the home page. */
const WARM_UP_PATHS = ['/rss.xml', '/atom.xml', '/feed.json', '/'];
/** After the posts above, so they are all due. */
const WARM_UP_NOW = new Date('2026-02-01T00:00:00.000Z');
const WARM_UP_ENV = { SITE_URL: 'https://warm-up.invalid' };
/** The warm-up hands nothing on: nothing of it outlives the start-up. */
const WARM_UP_CONTEXT: ExecutionContext = { waitUntil() {}, passThroughOnException() {}, props: {} };
/** Its renders start in a microtask: global scope forbids timers. */
const WARM_UP_QUEUE = { defer: (start: () => void) => queueMicrotask(start) };

type Requested = { fetch(request: Request, env: typeof WARM_UP_ENV, ctx: ExecutionContext): Promise<Response> };

/**
 * An isolate's first request compiles every function it runs (V8 compiles lazily) and builds the app:
 * under Node, a one-post site's first /rss.xml cost 17–19 ms, 1,000 posts' 37 ms, so half of it was
 * cold code, not data. Cloudflare bounds a script's start-up apart from its requests' CPU, so the
 * worker's module runs that code once while it is evaluated, on the posts above, through a worker of
 * its own: its own app, render cache and compressors (none: gzip is I/O, which global scope forbids, as
 * are timers and random values), no Cache API, and a clock of its own. The compiled code is what stays;
 * none of the worker's state is touched.
 */
async function warmUpWorker(worker: Requested): Promise<void> {
  for (const path of WARM_UP_PATHS) {
    // A 304 has no body: global scope forbids a Response with one (a body is a stream, I/O).
    const request = new Request(`https://warm-up.invalid${path}`, { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': '*' } });
    const response = await worker.fetch(request, WARM_UP_ENV, WARM_UP_CONTEXT);
    if (response.status !== 304) throw new Error(`the warm-up's ${path} answered ${response.status}`);
  }
  collectNow();
}

/**
 * Garbage enough to fill V8's young generation a few times over (a million small arrays, some 32 MB),
 * so that the collections that move what start-up left alive (the bundle's posts, the index) run now
 * rather than in the first request. Measured
 * in workerd (1,000 bundled posts, no Cache API, the CPU of its threads around the first /rss.xml less
 * a repeat, four fresh starts each way): 30–39 ms without it, 15–22 ms with it. Under Node the loop
 * costs some 30 ms.
 */
function collectNow(): number[][] {
  const ring = new Array<number[]>(1024);
  for (let i = 0; i < 1_000_000; i++) ring[i & 1023] = [i];
  return ring;
}

/** The warm-up of the bundled worker (src/worker/main.ts): its data and index as build:data would write them. */
export async function warmUpBundled(): Promise<void> {
  const scopes = scopeParts(datasetFromBundle(WARM_UP_BUNDLE));
  await warmUpWorker(createWorker({ ...bundledData(WARM_UP_BUNDLE, scopes), now: () => WARM_UP_NOW, compressors: {}, edgeCache: () => undefined, renderQueue: WARM_UP_QUEUE }));
}

/**
 * The warm-up of the R2 worker (src/worker/r2-main.ts): the posts above as `npm run publish` would
 * publish them, in a bucket in memory, read through the same reader.
 */
export async function warmUpR2(): Promise<void> {
  const dataset = datasetFromBundle(WARM_UP_BUNDLE);
  const safeContent = new Map(WARM_UP_BUNDLE.posts.map((post) => [post.slug, post.safeContent]));
  let names = 0;
  const indexed = indexDataset(dataset, {
    safeContentOf: (post) => safeContent.get(post.slug) ?? '',
    defaultSummary: () => '',
    // Names only need to differ here.
    hash: () => String(names++),
    scopes: scopeParts(dataset),
  });
  const pointer: CurrentPointer = { format: INDEX_FORMAT, index: indexed.key, version: dataset.version, publishedAt: WARM_UP_NOW.toISOString() };
  const objects = new Map<string, string | Uint8Array>([
    ...indexed.parts,
    ...indexed.bodies,
    ...[...indexed.media].map(([key, asset]) => [key, asset.bytes] as const),
    [indexed.key, indexed.text],
    [POINTER_KEY, JSON.stringify(pointer)],
  ]);
  const bucket: DataBucket = {
    async get(key) {
      const value = objects.get(key);
      if (value === undefined) return null;
      const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
      return { text: async () => (typeof value === 'string' ? value : new TextDecoder().decode(value)), arrayBuffer: async () => bytes.slice().buffer };
    },
  };
  const data = r2Data({ bucket, now: () => WARM_UP_NOW.getTime() });
  await data.source.refresh();
  await warmUpWorker(createWorker({ source: data.source, safeContent: data.safeContent, now: () => WARM_UP_NOW, compressors: {}, edgeCache: () => undefined, renderQueue: WARM_UP_QUEUE }));
}
