/**
 * The Workers fetch handler (src/worker/edge-cache.ts), run on Node with a Cache API of its own: the
 * client's Accept-Encoding, the shared cache between isolates, its key, and 304s from cached copies.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExecutionContext } from 'hono';
import { createApp, safeContent } from '../with-safe-content.ts';
import type { Dataset } from '../../src/posts/index.ts';
import { snapshots } from '../../src/http/snapshot.ts';
import { createWorker, type Env } from '../../src/worker/edge-cache.ts';
import { dataset, postRecord } from '../fixtures.ts';

/** The Cache API's two calls, over a Map, counting what happens. */
class MemoryCache {
  readonly entries = new Map<string, { status: number; headers: [string, string][]; bytes: Uint8Array }>();
  hits = 0;
  async match(key: string): Promise<Response | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.hits++;
    return new Response(entry.bytes as Uint8Array<ArrayBuffer>, { status: entry.status, headers: entry.headers });
  }
  async put(key: string, response: Response): Promise<void> {
    const bytes = new Uint8Array(await response.arrayBuffer());
    this.entries.set(key, { status: response.status, headers: [...response.headers], bytes });
  }
}

const pending: Promise<unknown>[] = [];
const ctx = { waitUntil: (promise: Promise<unknown>) => void pending.push(promise), passThroughOnException() {}, props: {} } as ExecutionContext;
const settle = async () => {
  await Promise.all(pending.splice(0));
};
afterEach(settle);

const ENV: Env = { CF_VERSION_METADATA: { id: 'version-1' } };
const URL_BASE = 'https://news.example.com';

/** A request as Cloudflare hands it over: Accept-Encoding replaced, the client's own in `cf`. */
function edgeRequest(path: string, client: { acceptEncoding?: string; headers?: Record<string, string>; method?: string } = {}) {
  const request = new Request(`${URL_BASE}${path}`, {
    method: client.method ?? 'GET',
    headers: { ...client.headers, 'Accept-Encoding': 'br, gzip' },
  });
  return Object.assign(request, { cf: { clientAcceptEncoding: client.acceptEncoding ?? '' } });
}

const headersOf = (response: Response) => Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));

const posts = {
  older: postRecord({ title: 'Older', published: '2024-01-01' }),
  newer: postRecord({ title: 'Newer', published: '2024-02-01', categories: ['Plant'] }),
  scheduled: postRecord({ title: 'Scheduled', published: '2030-01-01T09:00:00Z' }),
};

describe('the Workers fetch handler', () => {
  it('negotiates on the client\u2019s own Accept-Encoding, not the one the platform put in its place', async () => {
    const data = await dataset({ posts });
    const app = createApp({ dataset: data });
    const cache = new MemoryCache();
    const worker = createWorker({ dataset: data, safeContent, edgeCache: () => cache as unknown as Cache });
    const none = await worker.fetch(edgeRequest('/rss.xml'), ENV, ctx);
    const direct = await app.request(`${URL_BASE}/rss.xml`);
    expect(none.headers.get('Content-Encoding')).toBeNull();
    expect(none.headers.get('ETag')).toBe(direct.headers.get('ETag'));
    expect(new Uint8Array(await none.arrayBuffer())).toEqual(new Uint8Array(await direct.arrayBuffer()));

    const gzip = await worker.fetch(edgeRequest('/rss.xml', { acceptEncoding: 'gzip, deflate' }), ENV, ctx);
    const directGzip = await app.request(`${URL_BASE}/rss.xml`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gzip.headers.get('Content-Encoding')).toBe('gzip');
    expect(gzip.headers.get('ETag')).toBe(directGzip.headers.get('ETag'));
  });

  it('serves a new isolate from the Cache API without rendering, with the same bytes and headers', async () => {
    const data = await dataset({ posts });
    const cache = new MemoryCache();
    const first = createWorker({ dataset: data, safeContent, edgeCache: () => cache as unknown as Cache });
    const rendered = await first.fetch(edgeRequest('/atom.xml', { acceptEncoding: 'gzip' }), ENV, ctx);
    const renderedBytes = new Uint8Array(await rendered.arrayBuffer());
    await settle();
    expect(cache.entries.size).toBe(1);
    const [key] = cache.entries.keys();
    expect(key).toContain(encodeURIComponent(data.version));
    expect(decodeURIComponent(key ?? '')).toContain('"gzip"');

    // Same version, other words: a second isolate that rendered would show "Renamed".
    const renamed: Dataset = { ...data, posts: data.posts.map((post) => ({ ...post, title: 'Renamed' })) };
    const second = createWorker({ dataset: renamed, safeContent, edgeCache: () => cache as unknown as Cache });
    const served = await second.fetch(edgeRequest('/atom.xml', { acceptEncoding: 'gzip' }), ENV, ctx);
    expect(cache.hits).toBe(1);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(renderedBytes);
    expect(headersOf(served)).toEqual(headersOf(rendered));
  });

  it('answers conditional requests from a cached copy exactly as the app answers them', async () => {
    const data = await dataset({ posts });
    const cache = new MemoryCache();
    const app = createApp({ dataset: data });
    await createWorker({ dataset: data, safeContent, edgeCache: () => cache as unknown as Cache }).fetch(edgeRequest('/feed.json'), ENV, ctx);
    await settle();
    const fromApp = await app.request(`${URL_BASE}/feed.json`);
    const etag = fromApp.headers.get('ETag') as string;
    const lastModified = fromApp.headers.get('Last-Modified') as string;
    const cold = () => createWorker({ dataset: data, safeContent, edgeCache: () => cache as unknown as Cache });
    for (const headers of [{ 'If-None-Match': etag }, { 'If-Modified-Since': lastModified }, { 'If-None-Match': '"other"' }]) {
      const cached = await cold().fetch(edgeRequest('/feed.json', { headers }), ENV, ctx);
      const own = await app.request(`${URL_BASE}/feed.json`, { headers });
      expect(cached.status).toBe(own.status);
      expect(headersOf(cached)).toEqual(headersOf(own));
      expect(await cached.text()).toBe(await own.text());
    }
    const head = await cold().fetch(edgeRequest('/feed.json', { method: 'HEAD' }), ENV, ctx);
    expect(head.status).toBe(200);
    expect(head.headers.get('Content-Length')).toBe(fromApp.headers.get('Content-Length'));
    expect(await head.text()).toBe('');
    expect(cache.hits).toBe(4);
  });

  it('changes the key when a scheduled post becomes due, so a cold isolate shows it on time', async () => {
    const data = await dataset({ posts });
    const cache = new MemoryCache();
    let now = new Date('2030-01-01T08:59:59Z');
    const worker = () => createWorker({ dataset: data, safeContent, now: () => now, edgeCache: () => cache as unknown as Cache });
    const before = await (await worker().fetch(edgeRequest('/rss.xml'), ENV, ctx)).text();
    await settle();
    expect(before).not.toContain('Scheduled');
    now = new Date('2030-01-01T09:00:00Z');
    const warm = worker();
    const after = await (await warm.fetch(edgeRequest('/rss.xml'), ENV, ctx)).text();
    expect(after).toContain('<title>Scheduled</title>');
    expect(cache.hits).toBe(0);
    await settle();
    expect(cache.entries.size).toBe(2);
  });

  it('shows a scheduled post at its time, the same bytes and validators as the app Node serves', async () => {
    const data = await dataset({ posts });
    let now = new Date('2030-01-01T08:59:59Z');
    const clock = () => now;
    const worker = createWorker({ dataset: data, safeContent, now: clock, edgeCache: () => new MemoryCache() as unknown as Cache });
    const app = createApp({ dataset: data, options: { now: clock } });
    for (const [at, shown] of [['2030-01-01T08:59:59Z', false], ['2030-01-01T09:00:00Z', true]] as const) {
      now = new Date(at);
      const fromWorker = await worker.fetch(edgeRequest('/rss.xml'), ENV, ctx);
      const fromApp = await app.request(`${URL_BASE}/rss.xml`);
      const text = await fromWorker.text();
      expect(text.includes('<title>Scheduled</title>'), at).toBe(shown);
      expect(text).toBe(await fromApp.text());
      expect(fromWorker.headers.get('ETag')).toBe(fromApp.headers.get('ETag'));
      expect(fromWorker.headers.get('Last-Modified')).toBe(fromApp.headers.get('Last-Modified'));
      expect((await worker.fetch(edgeRequest('/posts/scheduled/'), ENV, ctx)).status).toBe(shown ? 200 : 404);
      await settle();
    }
  });

  it('keys on the deployed version and on Accept, and shares only public rendered text', async () => {
    const data = await dataset({ posts });
    const cache = new MemoryCache();
    const worker = createWorker({ dataset: data, safeContent, edgeCache: () => cache as unknown as Cache });
    await worker.fetch(edgeRequest('/rss.xml'), ENV, ctx);
    await worker.fetch(edgeRequest('/rss.xml'), { CF_VERSION_METADATA: { id: 'version-2' } }, ctx);
    await worker.fetch(edgeRequest('/rss.xml', { headers: { Accept: 'text/html' } }), ENV, ctx);
    for (const path of ['/healthz', '/no-such-page', '/posts/scheduled/']) {
      await worker.fetch(edgeRequest(path), ENV, ctx);
    }
    await settle();
    expect(cache.entries.size).toBe(3);
    expect([...cache.entries.keys()].every((key) => new URL(key).pathname === '/rss.xml')).toBe(true);
  });

  it('keys on the app\u2019s own render key, so the two caches cannot drift apart', async () => {
    const data = await dataset({ posts });
    const cache = new MemoryCache();
    const now = () => new Date('2025-01-01T00:00:00Z');
    await createWorker({ dataset: data, safeContent, now, edgeCache: () => cache as unknown as Cache }).fetch(edgeRequest('/rss.xml'), ENV, ctx);
    await settle();
    const [key] = cache.entries.keys();
    const { key: renderKey } = snapshots({ current: () => data, now })(`${URL_BASE}/rss.xml`);
    expect(JSON.parse(new URL(key ?? '').searchParams.get('pressroom-cache') ?? '[]')).toContain(renderKey);
  });

  it('does without the Cache API when there is no version to key it on', async () => {
    const data = await dataset({ posts });
    const cache = new MemoryCache();
    const response = await createWorker({ dataset: data, safeContent, edgeCache: () => cache as unknown as Cache }).fetch(edgeRequest('/'), {}, ctx);
    await settle();
    expect(response.status).toBe(200);
    expect(cache.entries.size).toBe(0);
  });

  it('renders up to sixteen pages at once and answers the next 503 with Retry-After, none kept waiting', async () => {
    const data = await dataset({ posts });
    const worker = createWorker({ dataset: data, safeContent, edgeCache: () => undefined });
    // Twenty different renders asked for in one go: the feed at twenty limits.
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => worker.fetch(edgeRequest(`/rss.xml?limit=${i + 1}`), {}, ctx)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(16);
    const busy = answers.filter((answer) => answer.status === 503);
    expect(busy).toHaveLength(4);
    for (const answer of busy) {
      expect(answer.headers.get('Retry-After')).toBe('1');
      expect(await answer.text()).toBe('The server is busy rendering other pages; try again in a second.\n');
    }
    // Nothing was left behind: the next one renders.
    expect((await worker.fetch(edgeRequest('/rss.xml?limit=20'), {}, ctx)).status).toBe(200);
  });

  it('refuses to serve with a SITE_URL that is not an absolute http(s) URL, saying so', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const worker = createWorker({ dataset: await dataset({ posts }), safeContent });
    const response = await worker.fetch(edgeRequest('/rss.xml'), { SITE_URL: 'news.example.com' }, ctx);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('The site is misconfigured: SITE_URL is not an absolute http(s) URL.\n');
    expect(error).toHaveBeenCalledWith('SITE_URL: expected an absolute http(s) URL, got "news.example.com"');
    error.mockRestore();
  });
});
