/**
 * The worker serving from R2 (src/worker/r2-data.ts), on Node over a bucket in memory that
 * `publishDataset` filled: the same bytes as Node, bodies read only for what a render shows, a new
 * publish served once the re-check interval has passed on an injected clock.
 */
import type { ExecutionContext } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { publishDataset } from '../../scripts/publish.ts';
import { POINTER_KEY } from '../../src/posts/published-index.ts';
import { webCompressors, type Compressors } from '../../src/http/representation.ts';
import { createWorker, type Env } from '../../src/worker/edge-cache.ts';
import { r2Data } from '../../src/worker/r2-data.ts';
import r2Main from '../../src/worker/r2-main.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { createApp } from '../with-safe-content.ts';
import { MemoryBucket } from './r2-bucket.ts';

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
const BASE = 'https://news.example.com';
const PUBLISHED_AT = () => new Date('2024-06-01T00:00:00Z');

const site = siteRecord({ feedLimit: 2 });
const posts = {
  first: postRecord({ title: 'First', content: '<p>First: the body.</p>', published: '2024-01-01', categories: ['Plant'] }),
  second: postRecord({ title: 'Second', published: '2024-02-01', content: '<p onclick="x()">Second <a href="../media/a.png">a</a></p>' }),
  third: postRecord({ title: 'Third', content: '<p>Third: the body.</p>', published: '2024-03-01', categories: ['Plant'] }),
  fourth: postRecord({ title: 'Fourth', content: '<p>Fourth: the body.</p>', published: '2024-04-01', authors: [{ name: 'Anna Berg' }] }),
  fifth: postRecord({ title: 'Fifth', content: '<p>Fifth: the body.</p>', published: '2024-05-01', categories: ['Board'] }),
  later: postRecord({ title: 'Later', content: '<p>Later: the body.</p>', published: '2030-01-01T09:00:00Z', categories: ['Plant'] }),
  hidden: postRecord({ title: 'Hidden', content: '<p>Hidden: the body.</p>', published: '2024-01-02', draft: true }),
};
const media = { 'a.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]) };

/**
 * A worker over the bucket, its clocks in the test's hands: the pointer's re-check and "now". It
 * renders every feed itself unless told to take those rendered at publish, as src/worker/r2-main.ts does.
 */
function r2Worker(
  bucket: MemoryBucket,
  clock: { ms: number; at: Date },
  options: { renderedAtPublish?: boolean; env?: Env; compressors?: Compressors } = {},
) {
  const data = r2Data({ bucket, now: () => clock.ms, recheckMs: 10_000 });
  const worker = createWorker({
    source: data.source,
    safeContent: data.safeContent,
    media: data.media,
    now: () => clock.at,
    ...(options.renderedAtPublish ? { renderedAtPublish: data.renderedAtPublish } : {}),
    ...(options.compressors ? { compressors: options.compressors } : {}),
  });
  return {
    data,
    async get(path: string, headers: Record<string, string> = {}) {
      await data.source.refresh();
      return worker.fetch(new Request(`${BASE}${path}`, { headers }), options.env ?? {}, ctx);
    },
  };
}

const bodyReads = (bucket: MemoryBucket) => bucket.gets.filter((key) => key.startsWith('bodies/')).length;

describe('the worker serving data published to R2', () => {
  it('serves every feed and page with the bytes and validators Node serves, and reads only the bodies a render shows', async () => {
    const loaded = await dataset({ site, posts, media });
    const bucket = new MemoryBucket();
    await publishDataset(loaded, bucket, { now: PUBLISHED_AT });
    const node = createApp({ dataset: loaded, options: { now: () => new Date('2025-01-01') } });
    const worker = r2Worker(bucket, { ms: 0, at: new Date('2025-01-01') });

    bucket.reset();
    const rss = await worker.get('/rss.xml');
    // The pointer, the manifest, the outline, the scopes; then the part of the post fields page 1 is
    // in, and the two bodies it shows, no more. No media file: each is read when it is asked for.
    expect(bucket.gets.filter((key) => !key.startsWith('bodies/'))).toEqual([
      POINTER_KEY,
      expect.stringMatching(/^indexes\//),
      expect.stringMatching(/^outlines\//),
      expect.stringMatching(/^scopes\//),
      expect.stringMatching(/^posts\//),
    ]);
    expect(bodyReads(bucket)).toBe(2);
    expect(await rss.text()).toBe(await (await node.request(`${BASE}/rss.xml`)).text());

    for (const path of ['/atom.xml', '/feed.json', '/', '/page/2/', '/page/2/rss.xml', '/categories/plant/rss.xml', '/authors/anna-berg/', '/posts/second/', '/media/a.png']) {
      const [fromWorker, fromNode] = await Promise.all([worker.get(path), node.request(`${BASE}${path}`)]);
      expect(fromWorker.status, path).toBe(200);
      expect(new Uint8Array(await fromWorker.arrayBuffer()), path).toEqual(new Uint8Array(await fromNode.arrayBuffer()));
      for (const name of ['content-type', 'etag', 'last-modified', 'link']) expect(fromWorker.headers.get(name), `${path} ${name}`).toBe(fromNode.headers.get(name));
    }
    const page = await (await worker.get('/posts/second/')).text();
    expect(page).toContain(`<a href="${BASE}/media/a.png">a</a>`);
    expect(page).not.toContain('onclick');
    expect((await worker.get('/posts/hidden/')).status).toBe(404);
    expect((await worker.get('/posts/later/')).status).toBe(404);
  });

  it('reads a media file when it is first asked for, then serves it from memory; a failed read is a 503 tried again', async () => {
    const bucket = new MemoryBucket();
    await publishDataset(await dataset({ site, posts, media }), bucket, { now: PUBLISHED_AT });
    const worker = r2Worker(bucket, { ms: 0, at: new Date('2025-01-01') });
    const mediaReads = () => bucket.gets.filter((key) => key.startsWith('media/'));
    bucket.reset();
    expect((await worker.get('/rss.xml')).status).toBe(200);
    expect(mediaReads()).toEqual([]);

    const object = [...bucket.objects.keys()].find((key) => key.startsWith('media/')) ?? '';
    bucket.failing.add(object);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const failed = await worker.get('/media/a.png');
    expect(failed.status).toBe(503);
    expect(failed.headers.get('Retry-After')).toBe('10');
    bucket.failing.delete(object);

    const first = await worker.get('/media/a.png');
    expect(first.status).toBe(200);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(media['a.png']);
    bucket.reset();
    const again = await worker.get('/media/a.png', { 'If-None-Match': first.headers.get('ETag') ?? '' });
    expect(again.status).toBe(304);
    expect(mediaReads()).toEqual([]);
    vi.restoreAllMocks();
  });

  it('keeps the index in the isolate, reads the pointer again only after the interval, and serves a new publish then', async () => {
    const bucket = new MemoryBucket();
    await publishDataset(await dataset({ site, posts, media }), bucket, { now: PUBLISHED_AT });
    const clock = { ms: 0, at: new Date('2025-01-01') };
    const worker = r2Worker(bucket, clock);
    expect(await (await worker.get('/posts/fifth/')).text()).toContain('Fifth: the body.');

    const changed = await dataset({ site, posts: { ...posts, fifth: { ...posts.fifth, content: '<p>Corrected.</p>' } }, media });
    bucket.reset();
    const report = await publishDataset(changed, bucket, { now: PUBLISHED_AT });
    expect(report.bodies).toEqual({ uploaded: 1, unchanged: 6 });
    // The post, its part of the post fields, and the feeds and home page rendered at publish: they show it.
    expect(bucket.written).toEqual([
      expect.stringMatching(/^bodies\//),
      expect.stringMatching(/^posts\//),
      ...Array.from({ length: 4 }, () => expect.stringMatching(/^rendered\//)),
      report.index,
      POINTER_KEY,
    ]);

    bucket.reset();
    clock.ms = 9_999;
    expect(await (await worker.get('/posts/fifth/')).text()).not.toContain('Corrected.');
    expect(bucket.gets).toEqual([]);
    clock.ms = 10_000;
    expect(await (await worker.get('/posts/fifth/')).text()).toContain('<p>Corrected.</p>');
    // The new manifest, the one new part of the post fields and the one new body: the outline, the
    // scopes, the media file and the unchanged bodies are the previous version's, not read again.
    expect(bucket.gets).toEqual([POINTER_KEY, report.index, expect.stringMatching(/^posts\//), expect.stringMatching(/^bodies\//)]);

    bucket.reset();
    clock.ms = 20_000;
    await worker.get('/posts/fifth/');
    expect(bucket.gets).toEqual([POINTER_KEY]);
  });

  it('shows a scheduled post once it is due, from the same index', async () => {
    const bucket = new MemoryBucket();
    await publishDataset(await dataset({ site, posts }), bucket, { now: PUBLISHED_AT });
    const clock = { ms: 0, at: new Date('2029-12-31T23:59:59Z') };
    const worker = r2Worker(bucket, clock);
    expect(await (await worker.get('/rss.xml')).text()).not.toContain('Later');
    clock.at = new Date('2030-01-01T09:00:00Z');
    expect(await (await worker.get('/rss.xml')).text()).toContain('<title>Later</title>');
    expect((await worker.get('/posts/later/')).status).toBe(200);
  });

  it('keeps serving what it read when a re-check fails, and fails loudly on a body nobody prepared', async () => {
    const bucket = new MemoryBucket();
    await publishDataset(await dataset({ site, posts }), bucket, { now: PUBLISHED_AT });
    const clock = { ms: 0, at: new Date('2025-01-01') };
    const worker = r2Worker(bucket, clock);
    expect((await worker.get('/rss.xml')).status).toBe(200);
    bucket.failing.add(POINTER_KEY);
    clock.ms = 60_000;
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      expect((await worker.get('/atom.xml')).status).toBe(200);
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(1);

    const fresh = r2Data({ bucket: new MemoryBucket() });
    const prepared = worker.data.source.current().posts.find((post) => post.slug === 'fifth')!;
    expect(worker.data.safeContent(prepared)).toBe('<p>Fifth: the body.</p>');
    expect(fresh.source.loaded()).toBe(false);
    const unprepared = worker.data.source.current().posts.find((post) => post.slug === 'first')!;
    expect(() => worker.data.safeContent(unprepared)).toThrow('a post reached a feed before its body was read from R2: the route did not prepare it');
  });

  it('answers 503 with Retry-After, not 500, when a body cannot be read for a render, and serves once it can', async () => {
    const bucket = new MemoryBucket();
    await publishDataset(await dataset({ site, posts }), bucket, { now: PUBLISHED_AT });
    const worker = r2Worker(bucket, { ms: 0, at: new Date('2025-01-01') });
    // The index reads well; the bodies of the first page do not, one unreachable, one missing.
    expect((await worker.get('/healthz')).status).toBe(200);
    const bodies = [...bucket.objects.keys()].filter((key) => key.startsWith('bodies/'));
    for (const key of bodies) bucket.failing.add(key);
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      const failed = await worker.get('/rss.xml');
      expect(failed.status).toBe(503);
      expect(failed.headers.get('Retry-After')).toBe('10');
      expect(await failed.text()).toBe('The site cannot read its data right now; try again shortly.\n');
      bucket.failing.clear();
      const saved = new Map(bodies.map((key) => [key, bucket.objects.get(key)!]));
      for (const key of bodies) bucket.objects.delete(key);
      expect((await worker.get('/atom.xml')).status).toBe(503);
      for (const [key, bytes] of saved) bucket.objects.set(key, bytes);
    } finally {
      console.error = original;
    }
    expect(errors.map((args) => String((args as unknown[])[0]))).toEqual([
      expect.stringMatching(/^DataUnavailable: reading bodies\/.+ from R2 failed: R2 is unreachable/),
      expect.stringMatching(/^DataUnavailable: R2 has no bodies\/.+, which the published index names/),
    ]);
    // Nothing was cached from the failures.
    const rss = await worker.get('/rss.xml');
    expect(rss.status).toBe(200);
    expect(await rss.text()).toContain('<title>Fifth</title>');
  });

  it('a cold isolate\'s requests share the first index read, and one that waits 15 s on a read that never ends reads it itself', async () => {
    const bucket = new MemoryBucket();
    await publishDataset(await dataset({ site, posts }), bucket, { now: PUBLISHED_AT });
    // The first read of the pointer never answers: the request that made it ended, and its read with it.
    let pointerReads = 0;
    const stuck: typeof bucket = Object.assign(Object.create(bucket) as MemoryBucket, {
      get: (key: string) => (key === POINTER_KEY && ++pointerReads === 1 ? new Promise<never>(() => {}) : bucket.get(key)),
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const data = r2Data({ bucket: stuck, now: () => 0 });
      void data.source.refresh();
      let waited = false;
      const second = data.source.refresh().then(() => (waited = true));
      await vi.advanceTimersByTimeAsync(14_999);
      expect(waited).toBe(false);
      expect(data.source.loaded()).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await second;
      expect(data.source.loaded()).toBe(true);
      expect(pointerReads).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers 503 until something is published, and 500 without the binding', async () => {
    const bucket = new MemoryBucket();
    const request = () => new Request(`${BASE}/rss.xml`);
    const unbound = await r2Main.fetch(request(), {}, ctx);
    expect(unbound.status).toBe(500);
    expect(await unbound.text()).toBe('The site is misconfigured: its data bucket is not bound.\n');
    const empty = await r2Main.fetch(request(), { PRESSROOM_DATA: bucket, DATA_RECHECK_SECONDS: '0' }, ctx);
    expect(empty.status).toBe(503);
    expect(await empty.text()).toBe('Nothing has been published yet: run npm run publish.\n');
    await publishDataset(await dataset({ site, posts }), bucket, { now: PUBLISHED_AT });
    expect((await r2Main.fetch(request(), { PRESSROOM_DATA: bucket, DATA_RECHECK_SECONDS: '0' }, ctx)).status).toBe(200);
  });
});

describe('feeds and the home page rendered when the data is published', () => {
  const READER = { ms: 0, at: new Date('2025-01-01') };
  const RENDERED_PATHS = ['/rss.xml', '/atom.xml', '/feed.json', '/'];

  it('are served on their first request without reading a post, with the bytes and validators Node serves', async () => {
    const loaded = await dataset({ site, posts, media });
    const bucket = new MemoryBucket();
    await publishDataset(loaded, bucket, { now: PUBLISHED_AT });
    const node = createApp({ dataset: loaded, options: { now: () => READER.at } });
    // The worker's gzip, counted: the feeds rendered at publish come with theirs.
    let gzipped = 0;
    const gzip = webCompressors().gzip;
    const compressors: Compressors = { gzip: (bytes) => (gzipped++, gzip ? gzip(bytes) : Promise.resolve(bytes)) };
    const worker = r2Worker(bucket, { ...READER }, { renderedAtPublish: true, compressors });
    for (const path of RENDERED_PATHS) {
      for (const headers of [{}, { 'Accept-Encoding': 'gzip' }]) {
        bucket.reset();
        const [fromWorker, fromNode] = await Promise.all([worker.get(path, headers), node.request(`${BASE}${path}`, { headers })]);
        expect(fromWorker.status, path).toBe(200);
        expect(bucket.gets.filter((key) => /^(?:bodies|posts)\//.test(key)), path).toEqual([]);
        const body = new Uint8Array(await fromWorker.arrayBuffer());
        expect(body, path).toEqual(new Uint8Array(await fromNode.arrayBuffer()));
        for (const name of ['content-type', 'content-encoding', 'etag', 'last-modified', 'link', 'cache-control', 'vary']) {
          expect(fromWorker.headers.get(name), `${path} ${name}`).toBe(fromNode.headers.get(name));
        }
      }
    }
    expect(gzipped).toBe(0);
    // Pages nobody rendered at publish render as before.
    bucket.reset();
    expect((await worker.get('/page/2/rss.xml')).status).toBe(200);
    expect(bodyReads(bucket)).toBeGreaterThan(0);
    expect(gzipped).toBe(1);
  });

  it('are rendered again by the worker for another base URL, or once a scheduled post is due', async () => {
    const bucket = new MemoryBucket();
    await publishDataset(await dataset({ site, posts, media }), bucket, { now: PUBLISHED_AT });
    const elsewhere = r2Worker(bucket, { ...READER }, { renderedAtPublish: true, env: { SITE_URL: 'https://press.example.org' } });
    bucket.reset();
    expect(await (await elsewhere.get('/rss.xml')).text()).toContain('<link>https://press.example.org/</link>');
    expect(bodyReads(bucket)).toBeGreaterThan(0);

    const later = r2Worker(bucket, { ms: 0, at: new Date('2030-01-01T09:00:00Z') }, { renderedAtPublish: true });
    bucket.reset();
    expect(await (await later.get('/rss.xml')).text()).toContain('<title>Later</title>');
    expect(bodyReads(bucket)).toBeGreaterThan(0);
  });

  it('are rendered for the base URL publish is given, else site.json\u2019s, else not at all', async () => {
    const renderedKeys = async (site: Record<string, unknown>, siteUrl?: string) => {
      const bucket = new MemoryBucket();
      const report = await publishDataset(await dataset({ site, posts }), bucket, { now: PUBLISHED_AT, ...(siteUrl ? { siteUrl } : {}) });
      const index = JSON.parse((await bucket.read(report.index)) ?? '{}') as { rendered?: Record<string, string> };
      return Object.keys(index.rendered ?? {});
    };
    const given = await renderedKeys(site, 'https://press.example.org/news');
    expect(given).toHaveLength(4);
    for (const key of given) expect(key).toContain(':https://press.example.org/news:');
    const fromSite = await renderedKeys(site);
    expect(fromSite).toHaveLength(4);
    for (const key of fromSite) expect(key).toContain(':https://news.example.com:');
    expect(await renderedKeys(siteRecord({ url: undefined }))).toEqual([]);
  });

  it('upload nothing more when the changed post is one they do not show, though their Last-Modified moves', async () => {
    const bucket = new MemoryBucket();
    const many = { ...posts, first: { ...posts.first, summary: 'First.' } };
    await publishDataset(await dataset({ site, posts: many }), bucket, { now: PUBLISHED_AT });
    bucket.reset();
    // As from a data folder: the edit is the data's newest change, hence every feed's Last-Modified.
    const edited = await dataset({ site, posts: { ...many, first: { ...many.first, content: '<p>First, corrected.</p>' } } });
    const changed = { ...edited, modified: new Date('2024-05-20T08:00:00Z') };
    const report = await publishDataset(changed, bucket, { now: PUBLISHED_AT });
    expect(bucket.written).toEqual([expect.stringMatching(/^bodies\//), expect.stringMatching(/^posts\//), report.index, POINTER_KEY]);

    const node = createApp({ dataset: changed, options: { now: () => READER.at } });
    const worker = r2Worker(bucket, { ...READER }, { renderedAtPublish: true });
    bucket.reset();
    const [fromWorker, fromNode] = await Promise.all([worker.get('/rss.xml'), node.request(`${BASE}/rss.xml`)]);
    expect(bodyReads(bucket)).toBe(0);
    expect(fromWorker.headers.get('Last-Modified')).toBe('Mon, 20 May 2024 08:00:00 GMT');
    for (const name of ['last-modified', 'etag']) expect(fromWorker.headers.get(name), name).toBe(fromNode.headers.get(name));
  });
});
