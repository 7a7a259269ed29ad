import { describe, expect, it } from 'vitest';
import { createApp } from '../with-safe-content.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { get } from '../support.ts';

const BASE = 'https://news.example.com';

/** The start tags named `tag`, each as its attributes (values with the few entities hono writes decoded). */
function tags(page: string, tag: string): Record<string, string>[] {
  return [...page.matchAll(new RegExp(`<${tag}\\b[^>]*>`, 'gi'))].map(([whole]) =>
    Object.fromEntries(
      [...whole.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')]),
    ),
  );
}
const linksTo = (page: string, prefix: string) =>
  [...page.matchAll(/<a\b[^>]*href="([^"]*)"[^>]*>([^<]*)<\/a>/g)].filter((m) => m[1]!.startsWith(prefix)).map((m) => [m[2], m[1]]);

const newsroom = async () =>
  createApp({
    dataset: await dataset({
      site: siteRecord({ url: BASE }),
      posts: {
        'board-meeting': postRecord({ title: 'Board meeting', published: '2024-03-01', categories: ['Company News', '医疗器械'], authors: [{ name: 'Anna Berg' }, { name: 'Bo Li' }] }),
        'new-plant': postRecord({ title: 'New plant', published: '2024-04-01', categories: ['Company News'] }),
      },
    }),
    options: { now: () => new Date('2024-06-01') },
  });

describe('the post page', () => {
  it('links its categories and authors to their pages', async () => {
    const page = await (await get(await newsroom(), '/posts/board-meeting/')).text();
    expect(linksTo(page, `${BASE}/categories/`)).toEqual([
      ['Company News', `${BASE}/categories/company-news/`],
      ['医疗器械', `${BASE}/categories/${encodeURIComponent('医疗器械')}/`],
    ]);
    expect(linksTo(page, `${BASE}/authors/`)).toEqual([
      ['Anna Berg', `${BASE}/authors/anna-berg/`],
      ['Bo Li', `${BASE}/authors/bo-li/`],
    ]);
  });

  it('names the site’s authors when the post has none', async () => {
    const page = await (await get(await newsroom(), '/posts/new-plant/')).text();
    expect(linksTo(page, `${BASE}/authors/`)).toEqual([['Example Press Office', `${BASE}/authors/example-press-office/`]]);
  });
});

describe('category and author pages', () => {
  it('list their posts newest first, with dates', async () => {
    const res = await get(await newsroom(), '/categories/company-news/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await res.text();
    expect([...page.matchAll(/<h2><a href="([^"]*)">([^<]*)<\/a><\/h2>/g)].map((m) => [m[2], m[1]])).toEqual([
      ['New plant', `${BASE}/posts/new-plant/`],
      ['Board meeting', `${BASE}/posts/board-meeting/`],
    ]);
    expect(page).toContain('<h1>Company News</h1>');
    expect(page).toContain('<time datetime="2024-04-01T00:00:00.000Z">1 April 2024</time>');
    expect(page).toContain('<title>Company News – Example News</title>');
    expect(tags(page, 'link').find((l) => l.rel === 'canonical')?.href).toBe(`${BASE}/categories/company-news/`);
  });

  it('advertise their own feeds for autodiscovery', async () => {
    const page = await (await get(await newsroom(), '/authors/anna-berg/')).text();
    const alternates = tags(page, 'link').filter((l) => l.rel === 'alternate');
    expect(alternates.map(({ type, href, title }) => ({ type, href, title }))).toEqual([
      { type: 'application/rss+xml', href: `${BASE}/authors/anna-berg/rss.xml`, title: 'Example News: Anna Berg (RSS)' },
      { type: 'application/atom+xml', href: `${BASE}/authors/anna-berg/atom.xml`, title: 'Example News: Anna Berg (Atom)' },
      { type: 'application/feed+json', href: `${BASE}/authors/anna-berg/feed.json`, title: 'Example News: Anna Berg (JSON Feed)' },
    ]);
  });

  it('are 404 for an unknown slug, and carry the strict policy when found', async () => {
    const app = await newsroom();
    expect((await get(app, '/categories/nothing-here/')).status).toBe(404);
    const csp = (await get(app, `/categories/${encodeURIComponent('医疗器械')}/`)).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
  });
});

describe('the home page', () => {
  it('lists the categories and authors with their post counts, most posts first', async () => {
    const page = await (await get(await newsroom(), '/')).text();
    const section = (label: string) => page.slice(page.indexOf(`<h2>${label}</h2>`));
    expect(linksTo(section('Categories'), `${BASE}/categories/`).map(([name]) => name)).toEqual(['Company News', '医疗器械']);
    expect(section('Categories')).toContain('<span class="count">2</span>');
    expect(linksTo(section('Authors'), `${BASE}/authors/`).map(([name]) => name)).toEqual(['Anna Berg', 'Bo Li', 'Example Press Office']);
  });

  it('loads nothing but our stylesheet: no scripts, no external fonts, an empty icon', async () => {
    const page = await (await get(await newsroom(), '/')).text();
    expect(page).not.toMatch(/<script\b|<style\b|\sstyle="|\son\w+=/i);
    expect(tags(page, 'link').filter((l) => l.rel === 'stylesheet').map((l) => l.href)).toEqual([`${BASE}/style.css`]);
    expect(tags(page, 'link').find((l) => l.rel === 'icon')?.href).toBe('data:,');
  });
});

describe('/feed.xsl', () => {
  it('is XSLT, names our stylesheet and the site, and is cached like the pages', async () => {
    const res = await get(await newsroom(), '/feed.xsl');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xslt+xml; charset=utf-8');
    expect(res.headers.get('etag')).toMatch(/^"/);
    const xsl = await res.text();
    expect(xsl).toContain('<xsl:stylesheet version="1.0"');
    expect(xsl).toContain(`<link rel="stylesheet" href="${BASE}/style.css"/>`);
    expect(xsl).toContain(`<a class="site-title" href="${BASE}/">Example News</a>`);
    expect(xsl).not.toMatch(/<script\b|\sstyle="|disable-output-escaping/);
  });
});

/** The `<meta>` tags of a page's head, by `property` or `name`. */
const metaOf = (page: string) =>
  Object.fromEntries(
    tags(page.slice(0, page.indexOf('</head>')), 'meta')
      .filter((m) => (m.property ?? m.name) && m.name !== 'viewport')
      .map((m) => [m.property ?? m.name, m.content]),
  );

const pictured = async (site: Record<string, unknown> = {}) =>
  createApp({
    dataset: await dataset({
      site: siteRecord({ url: BASE, ...site }),
      posts: {
        pictured: postRecord({
          title: 'Pictured "post"',
          published: '2024-03-01T18:00:00-08:00',
          updated: '2024-03-04T09:30:00+01:00',
          summary: 'What the "plant" shows & why.',
          image: { url: '../media/plant.png', alt: 'The new plant at dawn' },
          content: '<p>Words only.</p>',
        }),
        shown: postRecord({
          title: 'Shown in the body',
          published: '2024-02-01',
          image: { url: '../media/plant.png' },
          content: '<p>Look:</p><img src="../media/plant.png" alt="">',
        }),
        plain: postRecord({ title: 'Plain', published: '2024-01-01', summary: 'No picture here.' }),
      },
      media: { 'plant.png': new Uint8Array([137, 80, 78, 71]) },
    }),
    options: { now: () => new Date('2024-06-01') },
  });

describe('sharing a post', () => {
  it('describes the post, not the site, and gives Open Graph and Twitter card tags', async () => {
    const page = await (await get(await pictured(), '/posts/pictured/')).text();
    expect(metaOf(page)).toEqual({
      description: 'What the "plant" shows & why.',
      'og:type': 'article',
      'og:site_name': 'Example News',
      'og:title': 'Pictured "post"',
      'og:description': 'What the "plant" shows & why.',
      'og:url': `${BASE}/posts/pictured/`,
      'og:image': `${BASE}/media/plant.png`,
      'og:image:alt': 'The new plant at dawn',
      'article:published_time': '2024-03-02T02:00:00.000Z',
      'article:modified_time': '2024-03-04T08:30:00.000Z',
      'twitter:card': 'summary_large_image',
    });
    expect(tags(page, 'link').find((l) => l.rel === 'canonical')?.href).toBe(metaOf(page)['og:url']);
  });

  it('is a summary card without a picture, and the image URL is absolute even when the site has none', async () => {
    const page = await (await get(await pictured(), '/posts/plain/')).text();
    expect(metaOf(page)['twitter:card']).toBe('summary');
    expect(metaOf(page)).not.toHaveProperty('og:image');
    const noUrl = createApp({
      dataset: await dataset({
        site: siteRecord({ url: undefined }),
        posts: { p: postRecord({ image: { url: '/media/plant.png' } }) },
        media: { 'plant.png': new Uint8Array([137, 80, 78, 71]) },
      }),
    });
    const fromOrigin = await (await noUrl.request('http://127.0.0.1:3000/posts/p/')).text();
    expect(metaOf(fromOrigin)['og:image']).toBe('http://127.0.0.1:3000/media/plant.png');
  });

  it('shows the lead image with its alt above the body, once', async () => {
    const app = await pictured();
    const page = await (await get(app, '/posts/pictured/')).text();
    expect(tags(page, 'img')).toEqual([
      { class: 'lead-image', src: `${BASE}/media/plant.png`, alt: 'The new plant at dawn', decoding: 'async' },
    ]);
    expect(page.indexOf('class="lead-image"')).toBeLessThan(page.indexOf('<div class="content">'));
    // The body shows this one already: a second copy above it would be the same picture twice.
    const shown = await (await get(app, '/posts/shown/')).text();
    expect(tags(shown, 'img').map((img) => img.class ?? 'in the body')).toEqual(['in the body']);
  });

  it('lists show each post’s picture beside it, lazily, with its alt (empty when it has none)', async () => {
    const page = await (await get(await pictured(), '/')).text();
    expect(tags(page, 'img').map(({ class: c, src, alt, loading }) => ({ c, src, alt, loading }))).toEqual([
      { c: 'thumb', src: `${BASE}/media/plant.png`, alt: 'The new plant at dawn', loading: 'lazy' },
      { c: 'thumb', src: `${BASE}/media/plant.png`, alt: '', loading: 'lazy' },
    ]);
    expect(page.match(/<article class="with-image">/g)).toHaveLength(2);
  });

  it('list pages are websites to Open Graph, described as on the page', async () => {
    const app = await pictured();
    expect(metaOf(await (await get(app, '/')).text())).toEqual({
      description: 'Company news from Example.',
      'og:type': 'website',
      'og:site_name': 'Example News',
      'og:title': 'Example News',
      'og:description': 'Company news from Example.',
      'og:url': `${BASE}/`,
      'twitter:card': 'summary',
    });
    const author = metaOf(await (await get(app, '/authors/example-press-office/')).text());
    expect(author).toMatchObject({
      'og:type': 'website',
      'og:title': 'Example Press Office – Example News',
      'og:url': `${BASE}/authors/example-press-office/`,
      description: 'Posts by Example Press Office from Example News.',
    });
  });
});

describe('dates in the site’s time zone', () => {
  it('default to UTC: 18:00 in San Francisco is the next day there', async () => {
    const page = await (await get(await pictured(), '/posts/pictured/')).text();
    expect(page).toContain('<time datetime="2024-03-02T02:00:00.000Z">2 March 2024</time>');
  });

  it('show the day it was in the zone site.json names, on lists and posts', async () => {
    const app = await pictured({ timeZone: 'America/Los_Angeles' });
    for (const path of ['/', '/posts/pictured/', '/authors/example-press-office/']) {
      expect(await (await get(app, path)).text(), path).toContain('<time datetime="2024-03-02T02:00:00.000Z">1 March 2024</time>');
    }
  });
});

describe('the 404 page', () => {
  it.each([
    ['an unknown path', '/no/such/thing', 'Nothing is at /no/such/thing.'],
    ['an unknown post', '/posts/no-such-post/', 'No published post is called "no-such-post".'],
    ['a draft', '/posts/secret/', 'No published post is called "secret".'],
    ['an unknown category', '/categories/nothing-here/', 'No category is called "nothing-here".'],
    ['an unknown author', '/authors/nobody/', 'No author is called "nobody".'],
    ['a list page past the end', '/?page=3', 'page 3 is past the end: this list has 1 page.'],
  ])('%s is a page in the site’s style, 404, with the reason', async (_, path, reason) => {
    const app = createApp({
      dataset: await dataset({
        site: siteRecord({ url: BASE }),
        posts: { post: postRecord(), secret: postRecord({ title: 'Secret plans', draft: true }) },
      }),
    });
    const res = await get(app, path);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();
    const text = (html: string) => html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(text(/<p class="lede reason">([^<]*)<\/p>/.exec(page)?.[1] ?? '')).toBe(reason);
    expect(page).toContain('<title>Not found – Example News</title>');
    expect(tags(page, 'link').filter((l) => l.rel === 'stylesheet').map((l) => l.href)).toEqual([`${BASE}/style.css`]);
    expect(metaOf(page).robots).toBe('noindex');
    expect(tags(page, 'link').some((l) => l.rel === 'canonical')).toBe(false);
    expect(page).not.toMatch(/Secret plans|<script\b|\sstyle="/);
  });

  it('escapes the path it names', async () => {
    const app = createApp({ dataset: await dataset({ site: siteRecord({ url: BASE }) }) });
    const page = await (await app.fetch(new Request(`http://localhost/"><script>alert(1)</script>`))).text();
    expect(page).not.toContain('<script>');
  });

  it('feeds keep their plain-text 404 for readers', async () => {
    const app = createApp({ dataset: await dataset({ site: siteRecord({ url: BASE }), posts: { post: postRecord() } }) });
    for (const path of ['/categories/nothing/rss.xml', '/rss.xml?page=9']) {
      const res = await get(app, path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toBe('text/plain; charset=utf-8');
    }
  });
});
