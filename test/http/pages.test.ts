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
    const page = await (await get(await newsroom(), '/posts/board-meeting')).text();
    expect(linksTo(page, `${BASE}/categories/`)).toEqual([
      ['Company News', `${BASE}/categories/company-news`],
      ['医疗器械', `${BASE}/categories/${encodeURIComponent('医疗器械')}`],
    ]);
    expect(linksTo(page, `${BASE}/authors/`)).toEqual([
      ['Anna Berg', `${BASE}/authors/anna-berg`],
      ['Bo Li', `${BASE}/authors/bo-li`],
    ]);
  });

  it('names the site’s authors when the post has none', async () => {
    const page = await (await get(await newsroom(), '/posts/new-plant')).text();
    expect(linksTo(page, `${BASE}/authors/`)).toEqual([['Example Press Office', `${BASE}/authors/example-press-office`]]);
  });
});

describe('category and author pages', () => {
  it('list their posts newest first, with dates', async () => {
    const res = await get(await newsroom(), '/categories/company-news');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await res.text();
    expect([...page.matchAll(/<h2><a href="([^"]*)">([^<]*)<\/a><\/h2>/g)].map((m) => [m[2], m[1]])).toEqual([
      ['New plant', `${BASE}/posts/new-plant`],
      ['Board meeting', `${BASE}/posts/board-meeting`],
    ]);
    expect(page).toContain('<h1>Company News</h1>');
    expect(page).toContain('<time datetime="2024-04-01T00:00:00.000Z">1 April 2024</time>');
    expect(page).toContain('<title>Company News – Example News</title>');
    expect(tags(page, 'link').find((l) => l.rel === 'canonical')?.href).toBe(`${BASE}/categories/company-news`);
  });

  it('advertise their own feeds for autodiscovery', async () => {
    const page = await (await get(await newsroom(), '/authors/anna-berg')).text();
    const alternates = tags(page, 'link').filter((l) => l.rel === 'alternate');
    expect(alternates.map(({ type, href, title }) => ({ type, href, title }))).toEqual([
      { type: 'application/rss+xml', href: `${BASE}/authors/anna-berg/rss.xml`, title: 'Example News: Anna Berg (RSS)' },
      { type: 'application/atom+xml', href: `${BASE}/authors/anna-berg/atom.xml`, title: 'Example News: Anna Berg (Atom)' },
      { type: 'application/feed+json', href: `${BASE}/authors/anna-berg/feed.json`, title: 'Example News: Anna Berg (JSON Feed)' },
    ]);
  });

  it('are 404 for an unknown slug, and carry the strict policy when found', async () => {
    const app = await newsroom();
    expect((await get(app, '/categories/nothing-here')).status).toBe(404);
    const csp = (await get(app, `/categories/${encodeURIComponent('医疗器械')}`)).headers.get('content-security-policy') ?? '';
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
