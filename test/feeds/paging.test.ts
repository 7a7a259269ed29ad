import { describe, expect, it } from 'vitest';
import { renderAtom } from '../../src/feeds/atom.ts';
import { renderJsonFeed } from '../../src/feeds/json-feed.ts';
import { PublishedPosts, siteScope } from '../../src/feeds/model.ts';
import { buildFeedModel } from '../with-safe-content.ts';
import { pageCount, pageNeighbours, limitQuery, pageInPath, pagePath, readPageRequest } from '../../src/feeds/paging.ts';
import { renderRss } from '../../src/feeds/rss.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { childrenNamed, NS, only, parseXml } from './parse.ts';

const LIMITS = { feedLimit: 20, maxLimit: 100 };
const ask = (page: string[] = [], limit: string[] = [], limits = LIMITS) => readPageRequest({ page, limit }, limits);

describe('readPageRequest', () => {
  it('defaults to page 1 and no limit of its own', () => {
    expect(ask()).toEqual({ ok: true, request: { page: 1 } });
  });

  it('reads a page and a limit', () => {
    expect(ask(['3'], ['5'])).toEqual({ ok: true, request: { page: 3, limit: 5 } });
    expect(ask([], ['100'])).toEqual({ ok: true, request: { page: 1, limit: 100 } });
  });

  it.each(['0', '101', '-1', '2.5', 'abc', '', ' 5', '1e2', '0x10'])('refuses the limit %j in one sentence', (limit) => {
    expect(ask([], [limit])).toEqual({
      ok: false,
      message: `limit must be a whole number from 1 to 100; got ${JSON.stringify(limit)}`,
    });
  });

  it.each(['0', '-2', '1.0', 'last', ''])('refuses the page %j in one sentence', (page) => {
    expect(ask([page])).toEqual({ ok: false, message: `page must be a whole number, 1 or more; got ${JSON.stringify(page)}` });
  });

  it('refuses a value given twice', () => {
    expect(ask([], ['5', '6'])).toEqual({ ok: false, message: 'limit must be given once; got 2 values' });
    expect(ask(['2', '2'])).toEqual({ ok: false, message: 'page must be given once; got 2 values' });
  });

  it('takes the maximum from the site, never below feedLimit', () => {
    expect(ask([], ['11'], { feedLimit: 5, maxLimit: 10 })).toEqual({
      ok: false,
      message: 'limit must be a whole number from 1 to 10; got "11"',
    });
    expect(ask([], ['150'], { feedLimit: 150, maxLimit: 100 })).toEqual({ ok: true, request: { page: 1, limit: 150 } });
  });

  it('shortens a long value so the answer stays one line', () => {
    const result = ask([], ['9'.repeat(500)]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeLessThan(120);
  });
});

describe('page arithmetic', () => {
  it('counts pages, an empty feed having one', () => {
    expect([0, 1, 20, 21, 40, 41].map((n) => pageCount(n, 20))).toEqual([1, 1, 1, 2, 2, 3]);
  });

  it('writes page 1 as the feed itself, older pages as a folder, and a limit as the query', () => {
    expect(pagePath(1)).toBe('');
    expect(pagePath(2)).toBe('/page/2');
    expect(limitQuery(undefined)).toBe('');
    expect(limitQuery(5)).toBe('?limit=5');
  });

  it('reads a page from the path only as links write it', () => {
    expect(['1', '2', '120'].map(pageInPath)).toEqual([1, 2, 120]);
    expect(['0', '02', '-1', '1.0', 'x', '', '9'.repeat(16)].map(pageInPath)).toEqual(Array(7).fill(undefined));
  });

  it('names the RFC 5005 neighbours of a page', () => {
    expect(pageNeighbours(1, 1)).toEqual({});
    expect(pageNeighbours(1, 3)).toEqual({ first: 1, next: 2, last: 3 });
    expect(pageNeighbours(2, 3)).toEqual({ first: 1, previous: 1, next: 3, last: 3 });
    expect(pageNeighbours(3, 3)).toEqual({ first: 1, previous: 2, last: 3 });
  });
});

describe('paged feed models and renderers', async () => {
  const BASE = 'https://news.example.com';
  const posts = Object.fromEntries(
    Array.from({ length: 5 }, (_, n) => [`post-${n + 1}`, postRecord({ title: `Post ${n + 1}`, published: `2024-01-0${n + 1}` })]),
  );
  const data = await dataset({ site: siteRecord({ feedLimit: 2 }), posts });
  const published = new PublishedPosts(data).at(new Date('2030-01-01'));
  const model = (page: number, limit?: number) =>
    buildFeedModel(data.site, siteScope(data.site, published), { baseUrl: BASE, page, ...(limit ? { limit } : {}) });

  it('puts feedLimit items on each page, newest first', () => {
    expect([1, 2, 3].map((page) => model(page).items.map((item) => item.title))).toEqual([
      ['Post 5', 'Post 4'],
      ['Post 3', 'Post 2'],
      ['Post 1'],
    ]);
  });

  it('names the page itself, and its neighbours, in every format', () => {
    const second = model(2);
    expect(second.feedUrls).toEqual({
      rss: `${BASE}/page/2/rss.xml`,
      atom: `${BASE}/page/2/atom.xml`,
      json: `${BASE}/page/2/feed.json`,
    });
    expect(second.paging?.first?.atom).toBe(`${BASE}/atom.xml`);
    expect(second.paging?.previous?.rss).toBe(`${BASE}/rss.xml`);
    expect(second.paging?.next?.json).toBe(`${BASE}/page/3/feed.json`);
    expect(second.paging?.last?.rss).toBe(`${BASE}/page/3/rss.xml`);
  });

  it('has no paging links when one page holds the feed', () => {
    expect(model(1, 10).paging).toBeUndefined();
  });

  it('RSS: the pages as atom:link, a limit carried on', () => {
    const channel = only(parseXml(renderRss(model(2, 2))), '', 'channel');
    const links = childrenNamed(channel, NS.atom, 'link').map((link) => [link.attributes.rel, link.attributes.href]);
    expect(links).toEqual([
      ['self', `${BASE}/page/2/rss.xml?limit=2`],
      ['first', `${BASE}/rss.xml?limit=2`],
      ['previous', `${BASE}/rss.xml?limit=2`],
      ['next', `${BASE}/page/3/rss.xml?limit=2`],
      ['last', `${BASE}/page/3/rss.xml?limit=2`],
    ]);
  });

  it('Atom: the pages as link', () => {
    const feed = parseXml(renderAtom(model(3)));
    const rels = childrenNamed(feed, NS.atom, 'link')
      .filter((link) => link.attributes.type === 'application/atom+xml')
      .map((link) => [link.attributes.rel, link.attributes.href]);
    expect(rels).toEqual([
      ['self', `${BASE}/page/3/atom.xml`],
      ['first', `${BASE}/atom.xml`],
      ['previous', `${BASE}/page/2/atom.xml`],
      ['last', `${BASE}/page/3/atom.xml`],
    ]);
  });

  it('JSON Feed: next_url on every page but the last; feed_url is the first page', () => {
    const pages = [1, 2, 3].map((page) => JSON.parse(renderJsonFeed(model(page))) as { feed_url: string; next_url?: string });
    expect(pages.map((p) => p.next_url)).toEqual([`${BASE}/page/2/feed.json`, `${BASE}/page/3/feed.json`, undefined]);
    expect(new Set(pages.map((p) => p.feed_url))).toEqual(new Set([`${BASE}/feed.json`]));
  });

  it('names the stylesheet in an xml-stylesheet instruction, escaped, only when asked', () => {
    const withStylesheet = buildFeedModel(data.site, siteScope(data.site, published), {
      baseUrl: BASE,
      stylesheetUrl: `${BASE}/feed.xsl?a=1&b="2"`,
    });
    for (const xml of [renderRss(withStylesheet), renderAtom(withStylesheet)]) {
      expect(xml.split('\n').slice(0, 2)).toEqual([
        '<?xml version="1.0" encoding="utf-8"?>',
        `<?xml-stylesheet type="text/xsl" href="${BASE}/feed.xsl?a=1&amp;b=&quot;2&quot;"?>`,
      ]);
      expect(() => parseXml(xml)).not.toThrow();
    }
    expect(renderRss(model(1))).not.toContain('xml-stylesheet');
  });
});
