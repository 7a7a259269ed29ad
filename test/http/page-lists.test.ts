/**
 * The HTML lists of posts (the home page, category and author pages) are paged like the feeds:
 * `feedLimit` posts a page, `/page/N/` for older ones (`?page=N` moved there), with the feeds' rules and messages.
 */
import { describe, expect, it } from 'vitest';
import { createApp, type AppOptions } from '../with-safe-content.ts';
import type { Compressors } from '../../src/http/representation.ts';
import { nodeCompressors } from '../../src/node/compression.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { get } from '../support.ts';

const BASE = 'https://news.example.com';
const NOW = new Date('2024-06-01T12:00:00Z');

const decode = (text: string) =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The start tags named `tag`, each as its attributes. */
function tags(page: string, tag: string): Record<string, string>[] {
  return [...page.matchAll(new RegExp(`<${tag}\\b[^>]*>`, 'gi'))].map(([whole]) =>
    Object.fromEntries([...whole.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1]!, decode(m[2]!)])),
  );
}

/** What a person and a crawler read from one page of a list. */
function readList(page: string) {
  const head = page.slice(0, page.indexOf('</head>'));
  const headLink = (rel: string) => tags(head, 'link').find((l) => l.rel === rel)?.href;
  const pager = /<nav class="pager"[^>]*>([\s\S]*?)<\/nav>/.exec(page)?.[1] ?? '';
  const pagerLink = (rel: string) => {
    const found = /<a rel="([^"]*)" href="([^"]*)">([^<]*)<\/a>/g;
    for (const m of pager.matchAll(found)) if (m[1] === rel) return { href: decode(m[2]!), text: m[3]! };
    return undefined;
  };
  return {
    title: decode(/<title>([^<]*)<\/title>/.exec(page)?.[1] ?? ''),
    titles: [...page.matchAll(/<h2><a href="[^"]*">([^<]*)<\/a><\/h2>/g)].map((m) => decode(m[1]!)),
    canonical: headLink('canonical'),
    prev: headLink('prev'),
    next: headLink('next'),
    newer: pagerLink('prev'),
    older: pagerLink('next'),
  };
}

/** Post 1 is the oldest; `count` of them, one an hour from 2020, the odd ones in "Odd". */
const posts = (count: number) =>
  Object.fromEntries(
    Array.from({ length: count }, (_, n) => {
      const number = n + 1;
      const published = new Date(Date.UTC(2020, 0, 1) + n * 3_600_000).toISOString();
      return [`post-${number}`, postRecord({ title: `Post ${number}`, published, categories: number % 2 ? ['Odd'] : ['Even'] })];
    }),
  );
const appWith = async (count: number, site: Record<string, unknown> = {}, options: AppOptions = {}) =>
  createApp({ dataset: await dataset({ site: siteRecord({ url: BASE, ...site }), posts: posts(count) }), options: { now: () => NOW, ...options } });
/** Post `from` down to post `to`, as the newest-first list shows them. */
const titlesFrom = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, n) => `Post ${from - n}`);

describe('the home page, paged', () => {
  it('shows feedLimit posts a page, the newest first, and links to the older ones', async () => {
    const app = await appWith(5, { feedLimit: 2 });
    const first = await get(app, '/');
    expect(first.status).toBe(200);
    expect(readList(await first.text())).toEqual({
      title: 'Example News',
      titles: ['Post 5', 'Post 4'],
      canonical: `${BASE}/`,
      prev: undefined,
      next: `${BASE}/page/2/`,
      newer: undefined,
      older: { href: `${BASE}/page/2/`, text: 'Older posts' },
    });
    expect(readList(await (await get(app, '/page/2/')).text())).toEqual({
      title: 'Example News, page 2',
      titles: ['Post 3', 'Post 2'],
      canonical: `${BASE}/page/2/`,
      prev: `${BASE}/`,
      next: `${BASE}/page/3/`,
      newer: { href: `${BASE}/`, text: 'Newer posts' },
      older: { href: `${BASE}/page/3/`, text: 'Older posts' },
    });
    expect(readList(await (await get(app, '/page/3/')).text())).toMatchObject({
      titles: ['Post 1'],
      canonical: `${BASE}/page/3/`,
      prev: `${BASE}/page/2/`,
      next: undefined,
      older: undefined,
    });
  });

  it('following Older posts visits every published post once, and Newer posts leads back', async () => {
    const app = await appWith(7, { feedLimit: 3 });
    const seen: string[] = [];
    const visited: string[] = [];
    let url: string | undefined = `${BASE}/`;
    while (url) {
      visited.push(url);
      const res = await get(app, url.slice(BASE.length));
      expect(res.status, url).toBe(200);
      const list = readList(await res.text());
      seen.push(...list.titles);
      if (list.older) expect((await get(app, list.older.href.slice(BASE.length))).status).toBe(200);
      if (list.newer) expect(list.newer.href).toBe(visited.at(-2));
      url = list.older?.href;
      expect(visited.length).toBeLessThan(10);
    }
    expect(seen).toEqual(titlesFrom(7, 1));
    expect(visited).toEqual([`${BASE}/`, `${BASE}/page/2/`, `${BASE}/page/3/`]);
  });

  it('keeps the categories and authors on every page', async () => {
    const app = await appWith(5, { feedLimit: 2 });
    for (const path of ['/', '/page/3/']) {
      const page = await (await get(app, path)).text();
      expect(page).toContain('<h2>Categories</h2>');
      expect(page).toContain(`<a href="${BASE}/categories/odd/">Odd</a> <span class="count">3</span>`);
    }
  });

  it('one page holds a short list: no pager and no prev or next', async () => {
    const list = readList(await (await get(await appWith(2), '/')).text());
    expect(list).toMatchObject({ titles: ['Post 2', 'Post 1'], prev: undefined, next: undefined, newer: undefined, older: undefined });
  });

  it('an empty site has its one page, saying so', async () => {
    const app = await appWith(0);
    expect(await (await get(app, '/')).text()).toContain('<p>No posts yet.</p>');
    expect((await get(app, '/page/2/')).status).toBe(404);
  });

  it('stays one page long however many posts there are, rendered once and kept in the cache', async () => {
    // 1,000 posts made the page over 400 KB, larger than this cache's budget: it was rendered on every request.
    let renders = 0;
    const compressors: Compressors = {
      gzip: (bytes) => {
        if (new TextDecoder().decode(bytes).includes('<h2>Categories</h2>')) renders++;
        return nodeCompressors.gzip!(bytes);
      },
    };
    const app = await appWith(1000, {}, { compressors, cache: { maxBytes: 100_000 } });
    const first = await get(app, '/');
    const body = await first.text();
    expect(readList(body).titles).toEqual(titlesFrom(1000, 981));
    expect(new TextEncoder().encode(body).byteLength).toBeLessThan(50_000);
    expect(readList(body).next).toBe(`${BASE}/page/2/`);
    await get(app, '/');
    expect((await get(app, '/', { headers: { 'If-None-Match': first.headers.get('etag')! } })).status).toBe(304);
    expect(renders).toBe(1);
    expect(readList(await (await get(app, '/page/50/')).text()).titles).toEqual(titlesFrom(20, 1));
    expect((await get(app, '/page/51/')).status).toBe(404);
  });
});

describe('category and author pages, paged', () => {
  it('page like the home page, below their own URL', async () => {
    const app = await appWith(7, { feedLimit: 2 });
    expect(readList(await (await get(app, '/categories/odd/')).text())).toEqual({
      title: 'Odd – Example News',
      titles: ['Post 7', 'Post 5'],
      canonical: `${BASE}/categories/odd/`,
      prev: undefined,
      next: `${BASE}/categories/odd/page/2/`,
      newer: undefined,
      older: { href: `${BASE}/categories/odd/page/2/`, text: 'Older posts' },
    });
    expect(readList(await (await get(app, '/categories/odd/page/2/')).text())).toEqual({
      title: 'Odd, page 2 – Example News',
      titles: ['Post 3', 'Post 1'],
      canonical: `${BASE}/categories/odd/page/2/`,
      prev: `${BASE}/categories/odd/`,
      next: undefined,
      newer: { href: `${BASE}/categories/odd/`, text: 'Newer posts' },
      older: undefined,
    });
    expect(readList(await (await get(app, '/authors/example-press-office/page/4/')).text()).titles).toEqual(['Post 1']);
  });

  it('show what the same page of their feed holds', async () => {
    const app = await appWith(7, { feedLimit: 2 });
    const feed = JSON.parse(await (await get(app, '/categories/odd/page/2/feed.json')).text()) as { items: { title: string }[] };
    expect(readList(await (await get(app, '/categories/odd/page/2/')).text()).titles).toEqual(feed.items.map((i) => i.title));
  });

  it('a respelled slug is moved with its page', async () => {
    const app = await appWith(7, { feedLimit: 2 });
    for (const [path, location] of [
      ['/categories/ODD/page/2/', `${BASE}/categories/odd/page/2/`],
      ['/categories/ODD/page/2', `${BASE}/categories/odd/page/2/`],
      ['/categories/Odd', `${BASE}/categories/odd/`],
    ]) {
      const res = await get(app, path!);
      expect([res.status, res.headers.get('location')], path).toEqual([301, location]);
    }
  });
});

describe('?page on a page, checked as on a feed', () => {
  it.each([
    ['/?page=1', `${BASE}/`],
    ['/?page=1&utm_source=x', `${BASE}/`],
    ['/categories/odd/?page=1', `${BASE}/categories/odd/`],
    // The older addresses of pages: a query, and no final slash. Each moved in one step.
    ['/?page=2', `${BASE}/page/2/`],
    ['/categories/odd/?page=2', `${BASE}/categories/odd/page/2/`],
    ['/categories/odd?page=2', `${BASE}/categories/odd/page/2/`],
    ['/categories/odd?page=1', `${BASE}/categories/odd/`],
    ['/categories/odd', `${BASE}/categories/odd/`],
    ['/authors/example-press-office?page=3', `${BASE}/authors/example-press-office/page/3/`],
    ['/page/2', `${BASE}/page/2/`],
    ['/page/1/', `${BASE}/`],
    ['/page/1', `${BASE}/`],
    ['/categories/odd/page/1/', `${BASE}/categories/odd/`],
    ['/categories/odd/page/2', `${BASE}/categories/odd/page/2/`],
  ])('%s is moved permanently to %s', async (path, location) => {
    const res = await get(await appWith(5, { feedLimit: 2 }), path);
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(location);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300, stale-while-revalidate=3600');
  });

  it.each([
    ['/?page=0', 'page must be a whole number, 1 or more; got "0"'],
    ['/?page=x', 'page must be a whole number, 1 or more; got "x"'],
    ['/?page=-1', 'page must be a whole number, 1 or more; got "-1"'],
    ['/?page=', 'page must be a whole number, 1 or more; got ""'],
    ['/?page=2&page=3', 'page must be given once; got 2 values'],
    ['/authors/example-press-office/?page=1.5', 'page must be a whole number, 1 or more; got "1.5"'],
    ['/page/2/?page=3', 'page must be given once; got it in the path and in the query'],
  ])('%s is 400: %s', async (path, message) => {
    const res = await get(await appWith(5, { feedLimit: 2 }), path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe(`${message}\n`);
  });

  it.each([
    ['/?page=4', 'page 4 is past the end: this list has 3 pages.'],
    ['/?page=99999999999999999999', 'page 100000000000000000000 is past the end: this list has 3 pages.'],
    ['/categories/even/?page=2', 'page 2 is past the end: this list has 1 page.'],
    ['/page/4/', 'page 4 is past the end: this list has 3 pages.'],
    ['/page/02/', '"02" is not a page number.'],
    ['/page/x/', '"x" is not a page number.'],
    ['/categories/odd/page/0/', '"0" is not a page number.'],
  ])('%s is 404: %s', async (path, message) => {
    const res = await get(await appWith(5, { feedLimit: 2 }), path);
    expect(res.status).toBe(404);
    // A page, for the person who followed the link, with the reason in it.
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(decode(/<p class="lede reason">([^<]*)<\/p>/.exec(await res.text())?.[1] ?? '')).toBe(message);
  });

  it('a page takes no ?limit: it and other parameters change nothing', async () => {
    const app = await appWith(5, { feedLimit: 2 });
    const plain = await get(app, '/');
    for (const path of ['/?limit=5', '/?limit=nonsense', '/?utm_source=reader']) {
      const res = await get(app, path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('etag'), path).toBe(plain.headers.get('etag'));
    }
  });

  it('each page has its own validators', async () => {
    const app = await appWith(5, { feedLimit: 2 });
    const etags = await Promise.all(['/', '/page/2/', '/page/3/'].map(async (p) => (await get(app, p)).headers.get('etag')));
    expect(new Set(etags).size).toBe(3);
    expect((await get(app, '/page/2/', { headers: { 'If-None-Match': etags[1]! } })).status).toBe(304);
  });

  it('a scheduled post coming due moves the posts along every page', async () => {
    let clock = NOW;
    const data = await dataset({
      site: siteRecord({ url: BASE, feedLimit: 2 }),
      posts: { ...posts(4), due: postRecord({ title: 'Due', published: '2024-07-01T00:00:00Z' }) },
    });
    const app = createApp({ dataset: data, options: { now: () => clock } });
    const before = await get(app, '/page/2/');
    expect(readList(await before.text()).titles).toEqual(['Post 2', 'Post 1']);
    expect((await get(app, '/page/3/')).status).toBe(404);

    clock = new Date('2024-07-01T00:00:01Z');
    const after = await get(app, '/page/2/', { headers: { 'If-Modified-Since': before.headers.get('last-modified')! } });
    expect(after.status).toBe(200);
    expect(readList(await after.text()).titles).toEqual(['Post 3', 'Post 2']);
    // Page 2 shows no new post, yet it changed: its Last-Modified counts the posts before it too.
    expect(after.headers.get('last-modified')).toBe('Mon, 01 Jul 2024 00:00:00 GMT');
    expect(readList(await (await get(app, '/page/3/')).text()).titles).toEqual(['Post 1']);
  });
});
