/**
 * Rendering ahead (src/worker/edge-cache.ts `renderAhead`, src/http/serve.ts `RenderedAhead`): the
 * bundled worker renders its most polled feeds and pages while the isolate starts, where nothing may be
 * compressed and the clock reads 0, so that their first request only compresses, hashes and stores.
 */
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExecutionContext } from 'hono';
import type { SafeContent } from '../../src/feeds/safe-content.ts';
import { renderedFromBytes, renderedToBytes } from '../../src/http/serve.ts';
import { createWorker, type Env } from '../../src/worker/edge-cache.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { safeContent } from '../with-safe-content.ts';
import { asInGlobalScope } from './global-scope.ts';

const pending: Promise<unknown>[] = [];
const ctx = { waitUntil: (promise: Promise<unknown>) => void pending.push(promise), passThroughOnException() {}, props: {} } as ExecutionContext;

afterEach(async () => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  vi.useRealTimers();
  await Promise.all(pending.splice(0));
});

const ENV: Env = { SITE_URL: 'https://news.example.com', CF_VERSION_METADATA: { id: 'version-1' } };
const PATHS = ['/rss.xml', '/atom.xml', '/feed.json', '/'];
/** When the data was built, and a while later, when the first request comes. */
const BUILT_AT = new Date('2029-12-31T00:00:00Z');
const LATER = new Date('2029-12-31T12:00:00Z');

const posts = {
  older: postRecord({ title: 'Older', published: '2024-01-01' }),
  newer: postRecord({ title: 'Newer', published: '2024-02-01', categories: ['Plant'] }),
  scheduled: postRecord({ title: 'Scheduled', published: '2030-01-01T09:00:00Z' }),
};

/** The posts' safe content, counting the posts rendered: none means the body came from elsewhere. */
function counting(): { safeContent: SafeContent; renders: () => number } {
  let count = 0;
  return {
    safeContent: (post) => {
      count++;
      return safeContent(post);
    },
    renders: () => count,
  };
}

/** A Cache API over a Map. */
function memoryCache(): Cache {
  const entries = new Map<string, { headers: [string, string][]; bytes: ArrayBuffer }>();
  return {
    async match(key: string) {
      const entry = entries.get(key);
      return entry ? new Response(entry.bytes.slice(0), { headers: entry.headers }) : undefined;
    },
    async put(key: string, response: Response) {
      entries.set(key, { headers: [...response.headers], bytes: await response.arrayBuffer() });
    },
  } as unknown as Cache;
}

const request = (path: string, headers: Record<string, string> = {}) => new Request(`https://news.example.com${path}`, { headers });
const described = async (response: Response) => ({
  status: response.status,
  headers: [...response.headers].filter(([name]) => name !== 'date'),
  body: new Uint8Array(await response.arrayBuffer()),
});

describe('rendering ahead at start-up', () => {
  it('renders the feeds and home page with only what global scope allows, and their first requests render no post', async () => {
    const data = await dataset({ posts });
    const ahead = counting();
    const worker = createWorker({ dataset: data, safeContent: ahead.safeContent, now: () => LATER });
    asInGlobalScope();
    await expect(worker.renderAhead(ENV, BUILT_AT, PATHS)).resolves.toBe(PATHS.length);
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    vi.useRealTimers();
    const renderedAhead = ahead.renders();
    expect(renderedAhead).toBeGreaterThan(0);

    const cold = counting();
    const reference = createWorker({ dataset: data, safeContent: cold.safeContent, now: () => LATER });
    for (const path of PATHS) {
      for (const headers of [{}, { 'Accept-Encoding': 'gzip' }]) {
        const [fromAhead, fromCold] = await Promise.all([worker.fetch(request(path, headers), ENV, ctx), reference.fetch(request(path, headers), ENV, ctx)]);
        expect(await described(fromAhead), path).toEqual(await described(fromCold));
      }
    }
    expect(ahead.renders()).toBe(renderedAhead);
    expect(cold.renders()).toBeGreaterThan(0);
    // A page that was not rendered ahead renders at its first request.
    expect((await worker.fetch(request('/posts/newer/'), ENV, ctx)).status).toBe(200);
    expect(ahead.renders()).toBeGreaterThan(renderedAhead);
  });

  it('puts what was rendered ahead into the Cache API, as a render at the first request would', async () => {
    const data = await dataset({ posts });
    const [ahead, cold] = [counting(), counting()];
    const worker = createWorker({ dataset: data, safeContent: ahead.safeContent, now: () => LATER, edgeCache: memoryCache });
    await worker.renderAhead(ENV, BUILT_AT, PATHS);
    const rendered = ahead.renders();
    const reference = createWorker({ dataset: data, safeContent: cold.safeContent, now: () => LATER, edgeCache: memoryCache });
    const first = await worker.fetch(request('/rss.xml', { 'Accept-Encoding': 'gzip', 'If-None-Match': '"stale"' }), ENV, ctx);
    expect(await described(first)).toEqual(await described(await reference.fetch(request('/rss.xml', { 'Accept-Encoding': 'gzip', 'If-None-Match': '"stale"' }), ENV, ctx)));
    expect(ahead.renders()).toBe(rendered);
    const etag = first.headers.get('ETag') ?? '';
    expect((await worker.fetch(request('/rss.xml', { 'Accept-Encoding': 'gzip', 'If-None-Match': etag }), ENV, ctx)).status).toBe(304);
  });

  it('renders afresh when a scheduled post became due after the data was built', async () => {
    const data = await dataset({ posts });
    const ahead = counting();
    const worker = createWorker({ dataset: data, safeContent: ahead.safeContent, now: () => new Date('2030-01-01T09:00:00Z') });
    await worker.renderAhead(ENV, BUILT_AT, PATHS);
    const rendered = ahead.renders();
    const rss = await (await worker.fetch(request('/rss.xml'), ENV, ctx)).text();
    expect(rss).toContain('<title>Scheduled</title>');
    expect(ahead.renders()).toBeGreaterThan(rendered);
  });

  it('renders nothing without a base URL, since links follow each request\u2019s origin', async () => {
    const data = await dataset({ site: siteRecord({ url: undefined }), posts });
    const ahead = counting();
    const worker = createWorker({ dataset: data, safeContent: ahead.safeContent, now: () => LATER });
    await expect(worker.renderAhead({}, BUILT_AT, PATHS)).resolves.toBe(0);
    expect(ahead.renders()).toBe(0);
    const rss = await (await worker.fetch(new Request('https://elsewhere.example.net/rss.xml'), {}, ctx)).text();
    expect(rss).toContain('<link>https://elsewhere.example.net/</link>');
  });

  it('renders with site.json\u2019s url when SITE_URL is unset', async () => {
    const data = await dataset({ posts });
    const ahead = counting();
    const worker = createWorker({ dataset: data, safeContent: ahead.safeContent, now: () => LATER });
    await expect(worker.renderAhead({}, BUILT_AT, ['/rss.xml'])).resolves.toBe(1);
    const rendered = ahead.renders();
    const rss = await (await worker.fetch(request('/rss.xml'), {}, ctx)).text();
    expect(rss).toContain('<link>https://news.example.com/</link>');
    expect(ahead.renders()).toBe(rendered);
  });

  it('renders nothing with a SITE_URL that is wrong, and every request is told', async () => {
    const data = await dataset({ posts });
    const worker = createWorker({ dataset: data, safeContent, now: () => LATER });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(worker.renderAhead({ SITE_URL: 'news.example.com' }, BUILT_AT, PATHS)).resolves.toBe(0);
    expect(logged).toHaveBeenCalledWith('SITE_URL: expected an absolute http(s) URL, got "news.example.com"');
    expect((await worker.fetch(request('/rss.xml'), { SITE_URL: 'news.example.com' }, ctx)).status).toBe(500);
  });

  it('fails loudly when a path it renders does not render', async () => {
    const data = await dataset({ posts });
    const worker = createWorker({ dataset: data, safeContent, now: () => LATER });
    await expect(worker.renderAhead(ENV, BUILT_AT, ['/no-such-feed.xml'])).rejects.toThrow('rendering /no-such-feed.xml ahead answered 404');
  });
});

describe('a render stored as bytes', () => {
  it('is a line of JSON, the body as it is, then its compressed variants; read back the same', () => {
    const rendered = {
      body: '<?xml version="1.0"?>\n<rss>\n  <title>"Quotes" & \\ lines, and ünïcode</title>\n</rss>\n',
      contentType: 'application/rss+xml; charset=utf-8',
      headers: { 'Cache-Control': 'public, max-age=300', Link: '<https://news.example.com/page/2/rss.xml>; rel="next"' },
      vary: ['Accept'],
      tagSuffix: '',
      encoded: { gzip: gzipSync('<rss>…</rss>') },
    };
    const bytes = renderedToBytes(rendered);
    const lineEnd = bytes.indexOf(10);
    const body = new TextEncoder().encode(rendered.body);
    expect(bytes.subarray(lineEnd + 1, lineEnd + 1 + body.byteLength)).toEqual(body);
    expect(renderedFromBytes(bytes)).toEqual({ ...rendered, body, encoded: { gzip: new Uint8Array(rendered.encoded.gzip) } });

    const { encoded: _encoded, ...plain } = rendered;
    const json = new TextEncoder().encode('{"a":1}');
    expect(renderedFromBytes(renderedToBytes({ ...plain, body: json }))).toEqual({ ...plain, body: json });
    expect(() => renderedFromBytes(new TextEncoder().encode('{"contentType":"text/plain"}'))).toThrow('a stored render without its body');
    expect(() => renderedFromBytes(bytes.subarray(0, bytes.byteLength - 1))).toThrow('a stored render shorter than its lengths say');
  });
});
