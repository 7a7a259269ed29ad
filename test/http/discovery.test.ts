import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { SITEMAP_NAMESPACE } from '../../src/feeds/sitemap.ts';
import { httpDate } from '../../src/http/conditional.ts';
import { webCompressors } from '../../src/http/representation.ts';
import { discoveryRoutes } from '../../src/http/routes/discovery.ts';
import { servingRendered } from '../../src/http/serve.ts';
import { snapshots } from '../../src/http/snapshot.ts';
import type { Dataset } from '../../src/posts/index.ts';
import { childrenNamed, parseXml, textOf, xmlErrors, type XmlElement } from '../feeds/parse.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { createApp } from '../with-safe-content.ts';

const BASE = 'https://news.example.com';
const NOW = new Date('2024-06-01T12:00:00Z');
const DUE = new Date('2024-07-01T08:00:00Z');
const NS = SITEMAP_NAMESPACE;

const newsroom = () =>
  dataset({
    site: siteRecord({ url: BASE, cache: { maxAge: 120, staleWhileRevalidate: 600 } }),
    posts: {
      'board-meeting': postRecord({ title: 'Board meeting', published: '2024-03-01', updated: '2024-05-05T10:11:12Z', categories: ['Board'] }),
      'new-plant': postRecord({ title: 'New plant', published: '2024-04-01', categories: ['Plant', '医疗器械'], authors: [{ name: 'Anna Berg' }] }),
      'annual-report': postRecord({ title: 'Annual report', published: '2024-02-01' }),
      'summer-fair': postRecord({ title: 'Summer fair', published: DUE.toISOString(), categories: ['Fairs'] }),
      hidden: postRecord({ title: 'Hidden', published: '2024-01-01', draft: true, categories: ['Secret'] }),
    },
  });

type App = { request: Hono['request'] };
const appAt = async (now: () => Date, data?: Dataset) => createApp({ dataset: data ?? (await newsroom()), options: { now } });

/** The app path a URL of the site names: `https://news.example.com/posts/x/` → `/posts/x/`. */
const pathOf = (url: string) => {
  expect(url.startsWith(`${BASE}/`), url).toBe(true);
  return url.slice(BASE.length);
};
const locsOf = (root: XmlElement, name: 'url' | 'sitemap') => childrenNamed(root, NS, name).map((entry) => textOf(entry, NS, 'loc') ?? '');

async function expectServed(app: App, urls: readonly string[]) {
  for (const url of urls) expect({ url, status: (await app.request(pathOf(url))).status }).toEqual({ url, status: 200 });
}

describe('/sitemap.xml', async () => {
  const app = await appAt(() => NOW);

  it('is a well-formed urlset of every published page, typed and cached like the feeds', async () => {
    const res = await app.request('/sitemap.xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('application/xml; charset=utf-8');
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=120, stale-while-revalidate=600');
    expect(res.headers.get('ETag')).toMatch(/^"[^"]+"$/);
    // The newest `updated` among the published posts: board-meeting's.
    expect(res.headers.get('Last-Modified')).toBe(httpDate(new Date('2024-05-05T10:11:12Z')));
    const xml = await res.text();
    expect(xmlErrors(xml)).toEqual([]);
    const root = parseXml(xml);
    expect([root.uri, root.local]).toEqual([NS, 'urlset']);
    for (const entry of childrenNamed(root, NS, 'url')) {
      expect(entry.children.map((child) => `${child.uri} ${child.local}`)).toEqual([`${NS} loc`, `${NS} lastmod`]);
      expect(textOf(entry, NS, 'lastmod')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    expect(locsOf(root, 'url')).toEqual([
      `${BASE}/`,
      `${BASE}/posts/new-plant/`,
      `${BASE}/posts/board-meeting/`,
      `${BASE}/posts/annual-report/`,
      `${BASE}/categories/board/`,
      `${BASE}/categories/plant/`,
      `${BASE}/categories/${encodeURIComponent('医疗器械')}/`,
      `${BASE}/authors/example-press-office/`,
      `${BASE}/authors/anna-berg/`,
    ]);
  });

  it('names only URLs the app serves with 200', async () => {
    await expectServed(app, locsOf(parseXml(await (await app.request('/sitemap.xml')).text()), 'url'));
  });

  it('answers 304 to its ETag, and HEAD with the same headers', async () => {
    const first = await app.request('/sitemap.xml');
    const etag = first.headers.get('ETag') ?? '';
    const again = await app.request('/sitemap.xml', { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('ETag')).toBe(etag);
    expect(again.headers.get('Cache-Control')).toBe(first.headers.get('Cache-Control'));
    const head = await app.request('/sitemap.xml', { method: 'HEAD' });
    expect(head.headers.get('Content-Length')).toBe(first.headers.get('Content-Length'));
  });

  it('lists a scheduled post and its category once due, under a new ETag', async () => {
    let now = NOW;
    const moving = await appAt(() => now);
    const before = await moving.request('/sitemap.xml');
    expect(await before.text()).not.toMatch(/summer-fair|fairs|hidden|secret/);
    now = new Date(DUE.getTime() + 1000);
    const after = await moving.request('/sitemap.xml', { headers: { 'If-None-Match': before.headers.get('ETag') ?? '' } });
    expect(after.status).toBe(200);
    const locs = locsOf(parseXml(await after.text()), 'url');
    expect(locs).toContain(`${BASE}/posts/summer-fair/`);
    expect(locs).toContain(`${BASE}/categories/fairs/`);
    await expectServed(moving, locs);
  });

  it('has no parts while it is one file', async () => {
    const res = await app.request('/sitemap-1.xml');
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('No sitemap part 1: the sitemap is one file, /sitemap.xml.\n');
    expect((await app.request('/sitemap-0.xml')).status).toBe(404);
    expect((await app.request('/sitemap-01.xml')).status).toBe(404);
  });
});

describe('a sitemap split into parts', async () => {
  const data = await newsroom();
  // The app's own pipeline, with a limit small enough to split nine URLs.
  const snapshotOf = snapshots({ current: () => data, now: () => NOW });
  const discovery = discoveryRoutes(
    { snapshot: (c) => snapshotOf(c.req.url), serve: servingRendered({ compressors: webCompressors(), now: () => NOW }) },
    { sitemapLimits: { maxUrls: 4 } },
  );
  const app = await appAt(() => NOW, data);

  it('is an index at /sitemap.xml naming parts served at /sitemap-N.xml, together every page once', async () => {
    const index = parseXml(await (await discovery.request('/sitemap.xml')).text());
    expect(index.local).toBe('sitemapindex');
    const parts = locsOf(index, 'sitemap');
    expect(parts).toEqual([1, 2, 3].map((n) => `${BASE}/sitemap-${n}.xml`));
    const pages: string[] = [];
    for (const part of parts) {
      const res = await discovery.request(pathOf(part));
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toBe('application/xml; charset=utf-8');
      const root = parseXml(await res.text());
      expect(root.local).toBe('urlset');
      pages.push(...locsOf(root, 'url'));
      const etag = res.headers.get('ETag') ?? '';
      expect((await discovery.request(pathOf(part), { headers: { 'If-None-Match': etag } })).status).toBe(304);
    }
    expect(pages).toEqual(locsOf(parseXml(await (await app.request('/sitemap.xml')).text()), 'url'));
    await expectServed(app, pages);
  });

  it('answers 404 past the last part, saying how many there are', async () => {
    const res = await discovery.request('/sitemap-4.xml');
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('No sitemap part 4: the sitemap has 3 parts.\n');
    expect((await discovery.request('/sitemap-4.xml', { method: 'OPTIONS' })).status).toBe(404);
    expect((await discovery.request('/sitemap-3.xml', { method: 'OPTIONS' })).status).toBe(204);
  });
});

describe('/robots.txt', async () => {
  const app = await appAt(() => NOW);

  it('lets every crawler in and names the sitemap, as plain text', async () => {
    const res = await app.request('/robots.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=120, stale-while-revalidate=600');
    expect(await res.text()).toBe(`User-agent: *\nAllow: /\n\nSitemap: ${BASE}/sitemap.xml\n`);
    expect((await app.request('/robots.txt', { headers: { 'If-None-Match': res.headers.get('ETag') ?? '' } })).status).toBe(304);
  });
});

describe('/feeds.opml', async () => {
  const app = await appAt(() => NOW);

  it('lists every feed the app serves, typed as OPML and compressed like the feeds', async () => {
    const res = await app.request('/feeds.opml');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/x-opml; charset=utf-8');
    expect(res.headers.get('Last-Modified')).toBe(httpDate(new Date('2024-05-05T10:11:12Z')));
    const text = await res.text();
    const root = parseXml(text);
    expect([root.local, root.attributes.version]).toEqual(['opml', '2.0']);
    const feeds: string[] = [];
    const walk = (element: XmlElement) => {
      if (element.attributes.xmlUrl) feeds.push(element.attributes.xmlUrl);
      element.children.forEach(walk);
    };
    walk(root);
    expect(feeds).toHaveLength(3 * 6); // the main feeds, three categories, two authors: three formats each
    expect(feeds).not.toContain(`${BASE}/categories/fairs/rss.xml/`);
    await expectServed(app, feeds);

    const gzipped = await app.request('/feeds.opml', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gzipped.headers.get('Content-Encoding')).toBe('gzip');
    expect(gzipped.headers.get('Vary')).toBe('Accept-Encoding');
    expect(gunzipSync(new Uint8Array(await gzipped.arrayBuffer())).toString()).toBe(text);
    expect((await app.request('/feeds.opml', { headers: { 'If-None-Match': res.headers.get('ETag') ?? '' } })).status).toBe(304);
  });
});

describe('methods', async () => {
  const app = await appAt(() => NOW);

  it.each(['/sitemap.xml', '/robots.txt', '/feeds.opml'])('%s answers OPTIONS with Allow and other methods with 405', async (path) => {
    const options = await app.request(path, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('Allow')).toMatch(/GET/);
    const post = await app.request(path, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('Allow')).toBe(options.headers.get('Allow'));
  });
});
