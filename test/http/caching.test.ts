import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createApp, type AppOptions, type DataSource } from '../with-safe-content.ts';
import { httpDate } from '../../src/http/conditional.ts';
import { entityTag, type Compressors } from '../../src/http/representation.ts';
import { nodeCompressors } from '../../src/node/compression.ts';
import type { Dataset } from '../../src/posts/index.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';

type App = ReturnType<typeof createApp>;

/** Enough text that every feed and page is well over the 1 KB below which nothing is compressed. */
const longContent = (topic: string) =>
  `<p>${`The board met about ${topic} and agreed the plan for next year. `.repeat(30)}</p>`;

const NOW = new Date('2024-06-01T12:00:00Z');
const SCHEDULED_AT = new Date('2024-07-01T08:00:00Z');
const NEWEST_CHANGE = new Date('2024-05-05T10:11:12Z');

const posts = {
  'board-meeting': postRecord({
    title: 'Board meeting',
    published: '2024-03-01',
    updated: '2024-05-05T10:11:12Z',
    content: longContent('the budget'),
  }),
  'new-plant': postRecord({ title: 'New plant', published: '2024-04-01T09:00:00Z', content: longContent('the plant') }),
  'annual-report': postRecord({ title: 'Annual report', published: '2024-02-01', content: longContent('the report') }),
  'summer-fair': postRecord({
    title: 'Summer fair',
    published: SCHEDULED_AT.toISOString(),
    content: longContent('the fair'),
  }),
};

const newsroom = (site: Record<string, unknown> = {}) => dataset({ site: siteRecord(site), posts });
const appFor = async (options: AppOptions = {}, site: Record<string, unknown> = {}) =>
  createApp({ dataset: await newsroom(site), options: { now: () => NOW, ...options } });

const FEEDS = ['/rss.xml', '/atom.xml', '/feed.json'] as const;
const PAGES = ['/', '/posts/board-meeting/'] as const;
const ALL = [...FEEDS, ...PAGES] as const;

/** RSS and Atom also vary with Accept: a browser gets them as application/xml, to apply the stylesheet. */
const varyOf = (path: string) => (/\/(rss|atom)\.xml$/.test(path) ? 'Accept, Accept-Encoding' : 'Accept-Encoding');
const get = (app: App, path: string, headers: Record<string, string> = {}, method = 'GET') =>
  app.request(path, { method, headers });
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const headersOf = (res: Response) => Object.fromEntries(res.headers.entries());

/** Compressors that count what they compress, by the post title in it: one call per render and coding. */
function countingCompressors(inner: Compressors) {
  const calls: { coding: string; text: string }[] = [];
  const compressors: Compressors = {};
  for (const [coding, compress] of Object.entries(inner)) {
    compressors[coding as keyof Compressors] = (bytes) => {
      calls.push({ coding, text: new TextDecoder().decode(bytes) });
      return compress(bytes);
    };
  }
  const rendersOf = (needle: string) => calls.filter((c) => c.coding === 'gzip' && c.text.includes(needle)).length;
  return { compressors, calls, rendersOf };
}

/** RFC 8288 links as `rel → { url, type }`. */
function links(header: string | null): Map<string, { url: string; type: string | undefined }[]> {
  const found = new Map<string, { url: string; type: string | undefined }[]>();
  for (const m of (header ?? '').matchAll(/<([^>]*)>;\s*rel="([^"]*)"(?:;\s*type="([^"]*)")?/g)) {
    const rel = m[2]!;
    found.set(rel, [...(found.get(rel) ?? []), { url: m[1]!, type: m[3] }]);
  }
  return found;
}

describe('validators', () => {
  it.each(ALL)('%s has a strong ETag that is the hash of the bytes sent', async (path) => {
    const app = await appFor();
    const res = await get(app, path);
    expect(res.status).toBe(200);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(etag).toBe(await entityTag(await bytesOf(res)));
    expect(res.headers.get('content-length')).toBe(String((await bytesOf(await get(app, path))).byteLength));
  });

  it.each(ALL)('%s has the same ETag on every request, and a different one from the other paths', async (path) => {
    const app = await appFor();
    const etags = await Promise.all([1, 2, 3].map(async () => (await get(app, path)).headers.get('etag')));
    expect(new Set(etags).size).toBe(1);
    const others = await Promise.all(
      ALL.filter((p) => p !== path).map(async (p) => (await get(app, p)).headers.get('etag')),
    );
    expect(others).not.toContain(etags[0]);
  });

  it('Last-Modified is the newest change among what the body shows, as an HTTP-date', async () => {
    const app = await appFor();
    for (const path of [...FEEDS, '/']) {
      expect((await get(app, path)).headers.get('last-modified')).toBe(httpDate(NEWEST_CHANGE));
    }
    expect((await get(app, '/posts/new-plant/')).headers.get('last-modified')).toBe('Mon, 01 Apr 2024 09:00:00 GMT');
    expect((await get(app, '/posts/board-meeting/')).headers.get('last-modified')).toBe('Sun, 05 May 2024 10:11:12 GMT');
  });

  it('Last-Modified is never later than now, even when a post says it was updated in the future', async () => {
    // RFC 9110 §8.8.2.1. Left in the future, the date would hide every change made before it from
    // a reader that polls with If-Modified-Since, even after that future has passed.
    let clock = NOW;
    let current = await dataset({
      site: siteRecord(),
      posts: { early: postRecord({ title: 'Early', published: '2024-03-01', updated: '2024-06-01T18:00:00Z' }) },
    });
    const app = createApp({ source: { current: () => current }, options: { now: () => clock } });
    for (const path of [...FEEDS, '/', '/posts/early/']) {
      expect((await get(app, path)).headers.get('last-modified'), path).toBe(httpDate(NOW));
    }
    const seen = (await get(app, '/rss.xml')).headers.get('last-modified')!;

    clock = new Date('2024-06-01T13:00:00Z');
    current = await dataset({
      site: siteRecord(),
      posts: {
        early: postRecord({ title: 'Early', published: '2024-03-01', updated: '2024-06-01T18:00:00Z' }),
        later: postRecord({ title: 'Later', published: '2024-06-01T12:30:00Z' }),
      },
    });
    const res = await get(app, '/rss.xml', { 'If-Modified-Since': seen });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Later');
    expect(res.headers.get('last-modified')).toBe(httpDate(clock));
  });

  it('a feed with no posts has an ETag and no Last-Modified', async () => {
    const app = createApp({ dataset: await dataset({ site: siteRecord(), posts: {} }) });
    const res = await get(app, '/atom.xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(res.headers.has('last-modified')).toBe(false);
    expect((await get(app, '/atom.xml', { 'If-Modified-Since': httpDate(NOW) })).status).toBe(200);
  });

  it.each(ALL)('%s may be kept 300 s and served stale for 3600 s by default', async (path) => {
    const res = await get(await appFor(), path);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300, stale-while-revalidate=3600');
  });

  it('Cache-Control comes from site.json, each field defaulting on its own', async () => {
    const custom = await appFor({}, { cache: { maxAge: 60, staleWhileRevalidate: 0 } });
    for (const path of ALL) {
      expect((await get(custom, path)).headers.get('cache-control')).toBe('public, max-age=60, stale-while-revalidate=0');
    }
    const partial = await appFor({}, { cache: { maxAge: 30 } });
    expect((await get(partial, '/rss.xml')).headers.get('cache-control')).toBe(
      'public, max-age=30, stale-while-revalidate=3600',
    );
  });

  it('site.json cache values out of range are refused', async () => {
    await expect(newsroom({ cache: { maxAge: -1 } })).rejects.toThrow(/cache\.maxAge/);
    await expect(newsroom({ cache: { staleWhileRevalidate: 1.5 } })).rejects.toThrow(/cache\.staleWhileRevalidate/);
  });
});

describe('Last-Modified and the data’s own change', () => {
  /** When the data changed as a whole (the newest file or folder mtime, on Node). */
  type Posts = Record<string, Record<string, unknown>>;
  const withModified = async (modified: Date, site: Record<string, unknown> = {}, only: Posts = posts) => ({
    ...(await dataset({ site: siteRecord(site), posts: only })),
    modified,
  });
  const PATHS = [...FEEDS, '/', '/posts/new-plant/', '/categories/company-news/', '/categories/company-news/rss.xml'] as const;
  const inCategory: Posts = Object.fromEntries(Object.entries(posts).map(([name, record]) => [name, { ...record, categories: ['Company News'] }]));
  const withoutNewestInCategory: Posts = Object.fromEntries(Object.entries(inCategory).filter(([name]) => name !== 'board-meeting'));

  async function lastModifiedWhenSwapped(next: Dataset, first: Dataset) {
    let current = first;
    const app = createApp({ source: { current: () => current }, options: { now: () => NOW } });
    const before = new Map<string, string>();
    for (const path of PATHS) before.set(path, (await get(app, path)).headers.get('last-modified')!);
    current = next;
    const after = new Map<string, { lastModified: string | null; status: number }>();
    for (const path of PATHS) {
      const res = await get(app, path, { 'If-Modified-Since': before.get(path)! });
      after.set(path, { lastModified: res.headers.get('last-modified'), status: res.status });
    }
    return { before, after };
  }

  it('never goes backwards when the newest post is deleted', async () => {
    const first = await dataset({ site: siteRecord(), posts: inCategory });
    const deletedAt = new Date('2024-05-20T08:00:00Z');
    const { before, after } = await lastModifiedWhenSwapped(await withModified(deletedAt, {}, withoutNewestInCategory), first);
    for (const path of PATHS.filter((p) => p !== '/posts/new-plant/')) expect(before.get(path), path).toBe(httpDate(NEWEST_CHANGE));
    // Each of them changed (the newest post is gone, or no longer linked): a poller with the old date must see it.
    for (const path of PATHS) expect(after.get(path), path).toEqual({ lastModified: httpDate(deletedAt), status: 200 });
  });

  it('moves on when a post becomes a draft or site.json changes, with no post updated', async () => {
    const editedAt = new Date('2024-05-21T09:30:00Z');
    const first = await dataset({ site: siteRecord(), posts: inCategory });
    const drafted = { ...inCategory, 'annual-report': { ...inCategory['annual-report'], draft: true } };
    for (const next of [await withModified(editedAt, {}, drafted), await withModified(editedAt, { title: 'Example Newsroom' }, inCategory)]) {
      const { after } = await lastModifiedWhenSwapped(next, first);
      for (const path of PATHS) expect(after.get(path), path).toEqual({ lastModified: httpDate(editedAt), status: 200 });
    }
  });

  it('is the newest post’s change when that is later than the data’s', async () => {
    const app = createApp({ dataset: await withModified(new Date('2024-04-01T00:00:00Z'), {}, inCategory), options: { now: () => NOW } });
    for (const path of [...FEEDS, '/', '/categories/company-news/']) {
      expect((await get(app, path)).headers.get('last-modified'), path).toBe(httpDate(NEWEST_CHANGE));
    }
    expect((await get(app, '/posts/new-plant/')).headers.get('last-modified')).toBe('Mon, 01 Apr 2024 09:00:00 GMT');
  });

  it('a feed or page without posts takes the data’s change', async () => {
    const modified = new Date('2024-05-01T00:00:00Z');
    const app = createApp({ dataset: await withModified(modified, {}, {}), options: { now: () => NOW } });
    for (const path of [...FEEDS, '/']) expect((await get(app, path)).headers.get('last-modified'), path).toBe(httpDate(modified));
  });

  it('is still never later than now', async () => {
    const app = createApp({ dataset: await withModified(new Date('2030-01-01T00:00:00Z')), options: { now: () => NOW } });
    for (const path of [...FEEDS, '/', '/posts/new-plant/']) expect((await get(app, path)).headers.get('last-modified'), path).toBe(httpDate(NOW));
  });

  it('the same files touched again: same bytes and ETag, the new date', async () => {
    let current = await withModified(new Date('2024-05-20T00:00:00Z'));
    const app = createApp({ source: { current: () => current }, options: { now: () => NOW } });
    const before = await get(app, '/rss.xml');
    current = await withModified(new Date('2024-05-25T00:00:00Z'));
    const after = await get(app, '/rss.xml');
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(after.headers.get('last-modified')).toBe('Sat, 25 May 2024 00:00:00 GMT');
  });

  it('leaves the feeds’ own dates to the posts: RSS lastBuildDate and Atom updated', async () => {
    const app = createApp({ dataset: await withModified(new Date('2024-05-20T00:00:00Z')), options: { now: () => NOW } });
    const res = await get(app, '/rss.xml');
    expect(res.headers.get('last-modified')).toBe('Mon, 20 May 2024 00:00:00 GMT');
    expect(await res.text()).toContain(`<lastBuildDate>${httpDate(NEWEST_CHANGE)}</lastBuildDate>`);
    const atom = await (await get(app, '/atom.xml')).text();
    expect(/<feed[^>]*>[\s\S]*?<updated>([^<]*)<\/updated>/.exec(atom)?.[1]).toBe('2024-05-05T10:11:12Z');
  });
});

describe('conditional GET', () => {
  it.each(ALL)('%s: If-None-Match with the current tag is 304 with the fields RFC 9110 §15.4.5 lists, and no body', async (path) => {
    const app = await appFor();
    const fresh = await get(app, path);
    const res = await get(app, path, { 'If-None-Match': fresh.headers.get('etag')! });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe('');
    const cors = FEEDS.includes(path as (typeof FEEDS)[number]) ? ['access-control-allow-origin', 'access-control-expose-headers'] : [];
    expect(Object.keys(headersOf(res)).sort()).toEqual(['cache-control', 'etag', 'vary', ...cors].sort());
    for (const name of Object.keys(headersOf(res))) expect(res.headers.get(name), name).toBe(fresh.headers.get(name));
    expect(res.headers.get('vary')).toBe(varyOf(path));
  });

  it.each(FEEDS)('%s: a 304 keeps CORS, so a web-based reader can read it and its ETag', async (path) => {
    const app = await appFor();
    const fresh = await get(app, path);
    const res = await get(app, path, { 'If-None-Match': fresh.headers.get('etag')!, Origin: 'https://reader.example' });
    expect(res.status).toBe(304);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    // As on the 200: a cache replaces its stored fields with the 304's (RFC 9111 §4.3.4).
    expect(res.headers.get('access-control-expose-headers')).toBe(fresh.headers.get('access-control-expose-headers'));
    expect(res.headers.get('access-control-expose-headers')).toMatch(/\bETag\b/);
  });

  it('a 304 from /feed names the chosen format\'s URL in Content-Location, as its 200 does', async () => {
    const app = await appFor();
    const headers = { Accept: 'application/atom+xml' };
    const fresh = await get(app, '/feed', headers);
    const res = await get(app, '/feed', { ...headers, 'If-None-Match': fresh.headers.get('etag')! });
    expect(res.status).toBe(304);
    expect(res.headers.get('content-location')).toBe(fresh.headers.get('content-location'));
    expect(res.headers.get('content-location')).toMatch(/\/atom\.xml$/);
  });

  it('If-None-Match compares weakly, takes lists and *', async () => {
    const app = await appFor();
    const etag = (await get(app, '/rss.xml')).headers.get('etag')!;
    for (const ifNoneMatch of [`W/${etag}`, `"stale", ${etag}`, `"a","b",${etag}`, '*']) {
      expect((await get(app, '/rss.xml', { 'If-None-Match': ifNoneMatch })).status, ifNoneMatch).toBe(304);
    }
    expect((await get(app, '/rss.xml', { 'If-None-Match': '"stale", "older"' })).status).toBe(200);
  });

  it('a stale If-None-Match is 200 even with an If-Modified-Since that would be 304', async () => {
    const app = await appFor();
    const fresh = await get(app, '/atom.xml');
    const res = await get(app, '/atom.xml', {
      'If-None-Match': '"stale"',
      'If-Modified-Since': fresh.headers.get('last-modified')!,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(await fresh.text());
  });

  it('If-Modified-Since alone is 304 when nothing changed since, 200 otherwise', async () => {
    const app = await appFor();
    for (const path of ALL) {
      const lastModified = (await get(app, path)).headers.get('last-modified')!;
      const earlier = httpDate(new Date(Date.parse(lastModified) - 1000));
      const later = httpDate(new Date(Date.parse(lastModified) + 86_400_000));
      expect((await get(app, path, { 'If-Modified-Since': lastModified })).status, path).toBe(304);
      expect((await get(app, path, { 'If-Modified-Since': later })).status, path).toBe(304);
      expect((await get(app, path, { 'If-Modified-Since': earlier })).status, path).toBe(200);
      expect((await get(app, path, { 'If-Modified-Since': 'not a date' })).status, path).toBe(200);
    }
  });

  it('an If-Modified-Since after the server’s clock is ignored: a change made before it is served', async () => {
    let clock = NOW;
    let current = await newsroom();
    const app = createApp({ source: { current: () => current }, options: { now: () => clock } });
    const future = httpDate(new Date('2024-06-02T00:00:00Z'));
    for (const path of ALL) expect((await get(app, path, { 'If-Modified-Since': future })).status, path).toBe(200);

    // A client that once got (or made up) that date must still see the edit made before it.
    clock = new Date('2024-06-01T13:00:00Z');
    current = await dataset({
      site: siteRecord(),
      posts: { ...posts, 'board-meeting': { ...posts['board-meeting'], title: 'Board meeting (edited)', updated: '2024-06-01T12:30:00Z' } },
    });
    const res = await get(app, '/rss.xml', { 'If-Modified-Since': future });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Board meeting (edited)');
    // Once the clock passes the date, it is an ordinary one.
    clock = new Date('2024-06-02T00:00:01Z');
    expect((await get(app, '/rss.xml', { 'If-Modified-Since': future })).status).toBe(304);
  });

  it.each(ALL)('%s: HEAD gives the GET headers, Content-Length included, and no body', async (path) => {
    const app = await appFor({ compressors: nodeCompressors });
    for (const acceptEncoding of ['', 'gzip', 'br']) {
      const headers = acceptEncoding ? { 'Accept-Encoding': acceptEncoding } : {};
      const got = await get(app, path, headers);
      const head = await get(app, path, headers, 'HEAD');
      expect(head.status).toBe(200);
      expect(headersOf(head)).toEqual(headersOf(got));
      expect(head.headers.get('content-length')).toBe(String((await bytesOf(got)).byteLength));
      expect(await head.text()).toBe('');
    }
  });

  it('HEAD is conditional too', async () => {
    const app = await appFor();
    const etag = (await get(app, '/feed.json')).headers.get('etag')!;
    const res = await get(app, '/feed.json', { 'If-None-Match': etag }, 'HEAD');
    expect(res.status).toBe(304);
    expect(res.headers.get('etag')).toBe(etag);
  });
});

describe('a new version', () => {
  it('a scheduled post coming due changes the validators of the feeds and the index', async () => {
    let clock = NOW;
    const app = await appFor({ now: () => clock });
    const before = new Map<string, Response>();
    for (const path of [...FEEDS, '/']) before.set(path, await get(app, path));
    expect((await get(app, '/posts/summer-fair/')).status).toBe(404);

    clock = new Date(SCHEDULED_AT.getTime() + 1000);
    for (const [path, old] of before) {
      const etag = old.headers.get('etag')!;
      const res = await get(app, path, { 'If-None-Match': etag });
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain('Summer fair');
      const newEtag = res.headers.get('etag')!;
      expect(newEtag).not.toBe(etag);
      expect(res.headers.get('last-modified')).toBe(httpDate(SCHEDULED_AT));
      expect((await get(app, path, { 'If-Modified-Since': old.headers.get('last-modified')! })).status, path).toBe(200);
      expect((await get(app, path, { 'If-None-Match': newEtag })).status, path).toBe(304);
    }
    expect((await get(app, '/posts/summer-fair/')).status).toBe(200);
  });

  it('the clock passing without a post coming due changes nothing', async () => {
    let clock = NOW;
    const app = await appFor({ now: () => clock });
    const etag = (await get(app, '/rss.xml')).headers.get('etag')!;
    clock = new Date(SCHEDULED_AT.getTime() - 1000);
    expect((await get(app, '/rss.xml', { 'If-None-Match': etag })).status).toBe(304);
  });

  it('new data changes the validators', async () => {
    const first = await newsroom();
    const second = await dataset({
      site: siteRecord(),
      posts: {
        ...posts,
        'new-plant': postRecord({
          title: 'New plant (corrected)',
          published: '2024-04-01T09:00:00Z',
          content: longContent('the plant'),
        }),
      },
    });
    let current: Dataset = first;
    const source: DataSource = { current: () => current };
    const app = createApp({ source, options: { now: () => NOW } });
    const etag = (await get(app, '/atom.xml')).headers.get('etag')!;
    current = second;
    const res = await get(app, '/atom.xml', { 'If-None-Match': etag });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).not.toBe(etag);
    expect(await res.text()).toContain('New plant (corrected)');
  });
});

describe('compression', () => {
  it('gzips with the default web compressor when no compressors are given', async () => {
    const app = await appFor();
    for (const path of ALL) {
      const identity = await bytesOf(await get(app, path));
      const res = await get(app, path, { 'Accept-Encoding': 'gzip, deflate, br' });
      expect(res.headers.get('content-encoding'), path).toBe('gzip');
      expect(res.headers.get('vary')).toBe(varyOf(path));
      const gzipped = await bytesOf(res);
      expect(res.headers.get('content-length')).toBe(String(gzipped.byteLength));
      expect(gunzipSync(gzipped)).toEqual(Buffer.from(identity));
    }
  });

  it('without brotli, a client asking only for br gets identity', async () => {
    const app = await appFor();
    const res = await get(app, '/rss.xml', { 'Accept-Encoding': 'br' });
    expect(res.headers.has('content-encoding')).toBe(false);
    expect(res.headers.get('vary')).toBe('Accept, Accept-Encoding');
  });

  it('with Node compressors, br and gzip decode to the identity bytes', async () => {
    const app = await appFor({ compressors: nodeCompressors });
    for (const path of ALL) {
      const identity = Buffer.from(await bytesOf(await get(app, path, { 'Accept-Encoding': 'identity' })));
      const br = await get(app, path, { 'Accept-Encoding': 'br' });
      const gzip = await get(app, path, { 'Accept-Encoding': 'gzip' });
      expect(br.headers.get('content-encoding')).toBe('br');
      expect(gzip.headers.get('content-encoding')).toBe('gzip');
      expect(brotliDecompressSync(await bytesOf(br))).toEqual(identity);
      expect(gunzipSync(await bytesOf(gzip))).toEqual(identity);
    }
  });

  it.each([
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['*', 'br'],
    ['br;q=0, *', 'gzip'],
    ['br;q=0, gzip;q=0', null],
    ['identity', null],
    ['', null],
  ] as const)('Accept-Encoding %j is answered with %s', async (acceptEncoding, coding) => {
    const app = await appFor({ compressors: nodeCompressors });
    const res = await get(app, '/atom.xml', { 'Accept-Encoding': acceptEncoding });
    expect(res.headers.get('content-encoding')).toBe(coding);
    expect(res.headers.get('vary')).toBe('Accept, Accept-Encoding');
  });

  it('each encoding has its own ETag and its own 304', async () => {
    const app = await appFor({ compressors: nodeCompressors });
    const etags = new Map<string, string>();
    for (const coding of ['identity', 'gzip', 'br']) {
      const res = await get(app, '/feed.json', { 'Accept-Encoding': coding });
      etags.set(coding, res.headers.get('etag')!);
      expect(res.headers.get('etag')).toBe(await entityTag(await bytesOf(res)));
    }
    expect(new Set(etags.values()).size).toBe(3);
    for (const [coding, etag] of etags) {
      const res = await get(app, '/feed.json', { 'Accept-Encoding': coding, 'If-None-Match': etag });
      expect(res.status, coding).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
    }
    // Another encoding's tag names other bytes: the client gets this encoding's body.
    const crossed = await get(app, '/feed.json', { 'Accept-Encoding': 'br', 'If-None-Match': etags.get('gzip')! });
    expect(crossed.status).toBe(200);
    expect(crossed.headers.get('etag')).toBe(etags.get('br'));
  });

  it('compresses each body once per version, however often it is asked for', async () => {
    let clock = NOW;
    const { compressors, calls } = countingCompressors(nodeCompressors);
    const app = await appFor({ compressors, now: () => clock });
    for (const acceptEncoding of ['br', 'gzip', 'identity', 'br', 'gzip', 'br']) {
      expect((await get(app, '/rss.xml', { 'Accept-Encoding': acceptEncoding })).status).toBe(200);
      await get(app, '/rss.xml', { 'Accept-Encoding': acceptEncoding }, 'HEAD');
    }
    expect(calls.map((c) => c.coding).sort()).toEqual(['br', 'gzip']);

    clock = new Date(SCHEDULED_AT.getTime() + 1000);
    await get(app, '/rss.xml', { 'Accept-Encoding': 'br' });
    await get(app, '/rss.xml', { 'Accept-Encoding': 'gzip' });
    expect(calls.map((c) => c.coding).sort()).toEqual(['br', 'br', 'gzip', 'gzip']);
  });

  it('leaves bodies under 1 KB and images uncompressed', async () => {
    const png = new Uint8Array(8000).fill(1);
    const app = createApp({
      dataset: await dataset({ site: siteRecord(), posts, media: { 'chart.png': png, 'note.txt': 'A short note.' } }),
      options: { now: () => NOW, compressors: nodeCompressors },
    });
    const image = await get(app, '/media/chart.png', { 'Accept-Encoding': 'gzip, br' });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.has('content-encoding')).toBe(false);
    expect(image.headers.has('vary')).toBe(false);
    expect(await bytesOf(image)).toEqual(png);

    const note = await get(app, '/media/note.txt', { 'Accept-Encoding': 'gzip, br' });
    expect(note.headers.has('content-encoding')).toBe(false);
    expect(await note.text()).toBe('A short note.');
  });
});

describe('CORS and links', () => {
  it.each(FEEDS)('%s may be read from any origin, its validators visible', async (path) => {
    const res = await get(await appFor(), path, { Origin: 'https://reader.example.org' });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
    expect(exposed).toEqual(expect.arrayContaining(['etag', 'link']));
  });

  it.each(PAGES)('%s, a page, carries no CORS headers', async (path) => {
    const res = await get(await appFor(), path);
    expect(res.headers.has('access-control-allow-origin')).toBe(false);
    expect(res.headers.has('link')).toBe(false);
  });

  it.each(FEEDS)('OPTIONS %s answers a CORS preflight with 204', async (path) => {
    const res = await get(
      await appFor(),
      path,
      {
        Origin: 'https://reader.example.org',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'if-none-match',
      },
      'OPTIONS',
    );
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
    expect(allowed).toEqual(expect.arrayContaining(['if-none-match', 'if-modified-since']));
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('OPTIONS on a page says what it allows, without CORS', async () => {
    const res = await get(await appFor(), '/posts/board-meeting/', {}, 'OPTIONS');
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(res.headers.has('access-control-allow-origin')).toBe(false);
  });

  const FEED_LINKS = {
    '/rss.xml': { url: 'https://news.example.com/rss.xml', type: 'application/rss+xml' },
    '/atom.xml': { url: 'https://news.example.com/atom.xml', type: 'application/atom+xml' },
    '/feed.json': { url: 'https://news.example.com/feed.json', type: 'application/feed+json' },
  };

  it.each(FEEDS)('%s links to itself and to the other formats, and to no hub unless one is set', async (path) => {
    const found = links((await get(await appFor(), path)).headers.get('link'));
    expect(found.get('self')).toEqual([FEED_LINKS[path]]);
    expect(found.get('alternate')).toEqual(FEEDS.filter((p) => p !== path).map((p) => FEED_LINKS[p]));
    expect(found.has('hub')).toBe(false);
  });

  it('names the WebSub hub from site.json', async () => {
    const app = await appFor({}, { hub: 'https://hub.example.net/' });
    for (const path of FEEDS) {
      const found = links((await get(app, path)).headers.get('link'));
      expect(found.get('hub')).toEqual([{ url: 'https://hub.example.net/', type: undefined }]);
      expect(found.get('self')).toEqual([FEED_LINKS[path]]);
    }
  });

  it('refuses a hub that is not an absolute http(s) URL', async () => {
    await expect(newsroom({ hub: '/hub' })).rejects.toThrow(/hub/);
    await expect(newsroom({ hub: 'ftp://hub.example.net/' })).rejects.toThrow(/hub/);
  });

  it('links follow the siteUrl option', async () => {
    const app = await appFor({ siteUrl: 'https://feeds.example.org/news/' });
    const found = links((await get(app, '/rss.xml')).headers.get('link'));
    expect(found.get('self')).toEqual([{ url: 'https://feeds.example.org/news/rss.xml', type: 'application/rss+xml' }]);
  });
});

describe('the bounded render cache, through the app', () => {
  it('renders again what was pushed out, and only that', async () => {
    // Counted where the app renders: a page rendered again is the same bytes, which are not compressed again.
    const rendered: string[] = [];
    const app = await appFor({ compressors: nodeCompressors, cache: { maxEntries: 2 }, onRender: (key) => rendered.push(key) });
    const rendersOf = (slug: string) => rendered.filter((key) => key.includes(`/posts/${slug}`) || key.includes(`:${slug}`)).length;
    const visit = async (slug: string) => {
      const res = await get(app, `/posts/${slug}/`);
      expect(res.status).toBe(200);
      return res.headers.get('etag')!;
    };
    const renders = () => ({ a: rendersOf('board-meeting'), b: rendersOf('new-plant'), c: rendersOf('annual-report') });

    const firstTag = await visit('board-meeting'); // [a]
    await visit('new-plant'); // [a, b]
    await visit('board-meeting'); // hit: [b, a]
    expect(renders()).toEqual({ a: 1, b: 1, c: 0 });
    await visit('annual-report'); // b is least recently used: [a, c]
    await visit('board-meeting'); // hit: [c, a]
    expect(renders()).toEqual({ a: 1, b: 1, c: 1 });
    await visit('new-plant'); // b again, c goes: [a, b]
    await visit('annual-report'); // c again, a goes: [b, c]
    expect(renders()).toEqual({ a: 1, b: 2, c: 2 });
    // A page rendered again is the same bytes, so a poller's tag still gets its 304.
    expect(await visit('board-meeting')).toBe(firstTag);
    expect(renders()).toEqual({ a: 2, b: 2, c: 2 });
  });

  it('concurrent first requests share one render', async () => {
    const { compressors, calls } = countingCompressors(nodeCompressors);
    const app = await appFor({ compressors });
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => get(app, '/atom.xml', { 'Accept-Encoding': 'gzip' })),
    );
    expect(new Set(responses.map((r) => r.headers.get('etag'))).size).toBe(1);
    expect(calls.map((c) => c.coding).sort()).toEqual(['br', 'gzip']);
  });

  it('a render that fails is a 500, not cached: the next request renders again', async () => {
    let failures = 1;
    const gzip = nodeCompressors.gzip!;
    const compressors: Compressors = {
      gzip: async (bytes) => {
        if (failures-- > 0) throw new Error('compressor out of memory');
        return gzip(bytes);
      },
    };
    const app = await appFor({ compressors });
    const errors: unknown[] = [];
    const originalError = console.error;
    console.error = (error: unknown) => errors.push(error);
    try {
      expect((await get(app, '/rss.xml')).status).toBe(500);
    } finally {
      console.error = originalError;
    }
    expect(String(errors[0])).toContain('compressor out of memory');
    const res = await get(app, '/rss.xml', { 'Accept-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
  });
});
