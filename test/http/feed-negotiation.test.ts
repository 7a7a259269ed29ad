import { describe, expect, it } from 'vitest';
import { createApp } from '../with-safe-content.ts';
import { chooseFeedFormat, wantsBrowserView } from '../../src/http/feed-negotiation.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';

const CHROMIUM_NAVIGATION =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';

describe('chooseFeedFormat', () => {
  it.each([
    [null, 'rss'],
    ['', 'rss'],
    ['*/*', 'rss'],
    ['application/*', 'rss'],
    ['application/atom+xml', 'atom'],
    ['application/feed+json', 'json'],
    ['application/json', 'json'],
    ['text/xml', 'rss'],
    ['application/rss+xml;q=0.5, application/atom+xml', 'atom'],
    ['application/atom+xml;q=0.2, application/feed+json;q=0.9, */*;q=0.1', 'json'],
    // The most specific range decides: */* is high, but RSS itself is refused.
    ['application/rss+xml;q=0, */*', 'atom'],
    ['APPLICATION/ATOM+XML', 'atom'],
    // An alias counts only where the format's own type is not named.
    ['application/rss+xml;q=0.1, application/xml', 'rss'],
    ['application/rss+xml;q=0.1, application/atom+xml;q=0.5, application/xml', 'atom'],
    ['application/*;q=0.5, text/xml', 'rss'],
    // A tie goes to RSS.
    ['application/atom+xml, application/rss+xml', 'rss'],
    ['application/feed+json;q=0.8, application/atom+xml;q=0.8', 'atom'],
    ['nonsense', 'rss'],
    [CHROMIUM_NAVIGATION, 'rss'],
  ] as const)('%j → %s', (accept, format) => {
    expect(chooseFeedFormat(accept)).toBe(format);
  });

  it.each(['image/png', 'text/html', 'application/rss+xml;q=0, application/atom+xml;q=0, application/feed+json;q=0, application/json;q=0, application/xml;q=0, text/xml;q=0'])(
    'refuses every format for %j',
    (accept) => {
      expect(chooseFeedFormat(accept)).toBeUndefined();
    },
  );
});

describe('wantsBrowserView', () => {
  it.each([
    [CHROMIUM_NAVIGATION, true],
    ['text/html', true],
    [null, false],
    ['*/*', false],
    ['application/rss+xml, application/atom+xml, text/html;q=0.5', false],
    ['application/atom+xml, text/html', false],
  ] as const)('%j → %s', (accept, expected) => {
    expect(wantsBrowserView(accept, 'atom')).toBe(expected);
  });
});

describe('/feed', async () => {
  const data = await dataset({ site: siteRecord({ feedLimit: 1 }), posts: { a: postRecord({ title: 'A' }), b: postRecord({ title: 'B', published: '2024-04-01' }) } });
  const app = createApp({ dataset: data });
  const get = (accept?: string, query = '') =>
    app.request(`http://localhost/feed${query}`, { headers: accept === undefined ? {} : { Accept: accept } });

  it.each([
    [undefined, 'application/rss+xml', '/rss.xml'],
    ['application/atom+xml', 'application/atom+xml', '/atom.xml'],
    ['application/feed+json, application/rss+xml;q=0.9', 'application/feed+json', '/feed.json'],
  ])('Accept %j gets %s, the same bytes as %s', async (accept, type, path) => {
    const res = await get(accept);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
    expect(res.headers.get('vary')?.split(/,\s*/)).toEqual(expect.arrayContaining(['Accept', 'Accept-Encoding']));
    expect(res.headers.get('content-location')).toBe(`https://news.example.com${path}`);
    const direct = await app.request(`http://localhost${path}`);
    expect(await res.text()).toBe(await direct.text());
    expect(res.headers.get('etag')).toBe(direct.headers.get('etag'));
  });

  it('pages like the feed it picks, at /page/N/feed', async () => {
    const paged = (accept: string | undefined, page: string) =>
      app.request(`http://localhost/page/${page}/feed`, { headers: accept === undefined ? {} : { Accept: accept } });
    const res = await paged('application/atom+xml', '2');
    expect(res.headers.get('content-location')).toBe('https://news.example.com/page/2/atom.xml');
    expect(await res.text()).toContain('<title type="text">A</title>');
    expect((await paged('application/atom+xml', '3')).status).toBe(404);
    const first = await paged(undefined, '1');
    expect(first.status).toBe(301);
    expect(first.headers.get('location')).toBe('https://news.example.com/feed');
    const older = await get(undefined, '?page=2');
    expect([older.status, older.headers.get('location'), older.headers.get('vary')]).toEqual([301, 'https://news.example.com/page/2/feed', 'Accept']);
    expect((await get(undefined, '?page=1')).headers.get('location')).toBe('https://news.example.com/feed');
  });

  it('answers 304 to its own validator', async () => {
    const etag = (await get('application/atom+xml')).headers.get('etag')!;
    const res = await app.request('http://localhost/feed', { headers: { Accept: 'application/atom+xml', 'If-None-Match': etag } });
    expect(res.status).toBe(304);
    expect(res.headers.get('vary')).toContain('Accept');
  });

  it('is 406 with the types on offer when every format is refused', async () => {
    const res = await get('image/png');
    expect(res.status).toBe(406);
    expect(res.headers.get('vary')).toBe('Accept');
    expect(await res.text()).toBe(
      'None of the feed types is acceptable; /feed offers application/rss+xml, application/atom+xml, application/feed+json.\n',
    );
  });
});

describe('RSS and Atom for a browser', async () => {
  const app = createApp({ dataset: await dataset({ posts: { a: postRecord({ title: 'A' }) } }) });

  it.each(['/rss.xml', '/atom.xml'])(
    '%s is the same bytes as application/xml, so Chromium applies the stylesheet',
    async (path) => {
      const reader = await app.request(`http://localhost${path}`, { headers: { Accept: '*/*' } });
      const browser = await app.request(`http://localhost${path}`, { headers: { Accept: CHROMIUM_NAVIGATION } });
      expect(browser.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      expect(reader.headers.get('content-type')).not.toBe('application/xml; charset=utf-8');
      for (const res of [reader, browser]) expect(res.headers.get('vary')).toBe('Accept, Accept-Encoding');
      const [readerBody, browserBody] = [await reader.text(), await browser.text()];
      expect(browserBody).toBe(readerBody);
      expect(browserBody.split('\n')[1]).toBe('<?xml-stylesheet type="text/xsl" href="https://news.example.com/feed.xsl"?>');
      // Another Content-Type is another representation: its own strong validator (RFC 9110 §8.8.3),
      // so neither is ever revalidated with the other's tag.
      const [readerTag, browserTag] = [reader.headers.get('etag'), browser.headers.get('etag')];
      expect(browserTag).toMatch(/^"[A-Za-z0-9_-]{22}\.xml"$/);
      expect(browserTag).not.toBe(readerTag);
      const crossed = await app.request(`http://localhost${path}`, {
        headers: { Accept: CHROMIUM_NAVIGATION, 'If-None-Match': readerTag ?? '' },
      });
      expect(crossed.status).toBe(200);
      const same = await app.request(`http://localhost${path}`, {
        headers: { Accept: CHROMIUM_NAVIGATION, 'If-None-Match': browserTag ?? '' },
      });
      expect(same.status).toBe(304);
    },
  );

  it('JSON Feed is never re-typed', async () => {
    const res = await app.request('http://localhost/feed.json', { headers: { Accept: CHROMIUM_NAVIGATION } });
    expect(res.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
  });

  it('the feeds’ policy lets exactly the stylesheet load as a script, and no other', async () => {
    const csp = (await app.request('http://localhost/rss.xml')).headers.get('content-security-policy') ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives.get('script-src')).toEqual(['https://news.example.com/feed.xsl']);
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    const json = (await app.request('http://localhost/feed.json')).headers.get('content-security-policy') ?? '';
    expect(json).not.toContain('script-src');
  });
});
