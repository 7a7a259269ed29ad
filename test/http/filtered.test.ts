import { describe, expect, it } from 'vitest';
import { createApp, type DataSource } from '../with-safe-content.ts';
import { entityTag } from '../../src/http/representation.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { get } from '../support.ts';

type App = ReturnType<typeof createApp>;
const BASE = 'https://news.example.com';
const NOW = new Date('2024-06-01T12:00:00Z');
const FORMATS = [
  { file: 'rss.xml', type: 'application/rss+xml' },
  { file: 'atom.xml', type: 'application/atom+xml' },
  { file: 'feed.json', type: 'application/feed+json' },
] as const;

const decode = (text: string) =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** Item titles and (for XML) the feed's self link and title, loosely, in feed order. */
function readFeed(file: string, body: string): { title: string; self: string; titles: string[]; next?: string } {
  if (file === 'feed.json') {
    const feed = JSON.parse(body) as { title: string; feed_url: string; next_url?: string; items: { title: string }[] };
    return { title: feed.title, self: feed.feed_url, titles: feed.items.map((i) => i.title), ...(feed.next_url ? { next: feed.next_url } : {}) };
  }
  const item = file === 'rss.xml' ? /<item>[\s\S]*?<title>([^<]*)<\/title>/g : /<entry[^>]*>[\s\S]*?<title type="text">([^<]*)<\/title>/g;
  const self = /<(?:atom:)?link (?:href="([^"]*)" rel="self"|rel="self" type="[^"]*" href="([^"]*)")/.exec(body);
  const next = /<(?:atom:)?link (?:href="([^"]*)" rel="next"|rel="next" type="[^"]*" href="([^"]*)")/.exec(body);
  const head = body.slice(0, body.search(/<item>|<entry/) >>> 0);
  return {
    title: decode(/<title[^>]*>([^<]*)<\/title>/.exec(head)?.[1] ?? ''),
    self: decode(self?.[1] ?? self?.[2] ?? ''),
    titles: [...body.matchAll(item)].map((m) => decode(m[1]!)),
    ...(next ? { next: decode(next[1] ?? next[2] ?? '') } : {}),
  };
}

const newsroom = () =>
  dataset({
    site: siteRecord({ url: BASE, title: 'Example News', feedLimit: 2 }),
    posts: {
      'board-meeting': postRecord({ title: 'Board meeting', published: '2024-03-01', categories: ['Company News'], authors: [{ name: 'Anna Berg' }] }),
      'new-plant': postRecord({ title: 'New plant', published: '2024-04-01', categories: ['Company News', '医疗器械'], authors: [{ name: 'Anna Berg' }, { name: 'Bo Li' }] }),
      implants: postRecord({ title: 'Implants', published: '2024-05-01', categories: ['医疗器械'] }),
      'lower-case': postRecord({ title: 'Lower case', published: '2024-05-02', categories: ['company news'] }),
      secret: postRecord({ title: 'Secret', published: '2024-05-03', categories: ['Leaks'], draft: true }),
      later: postRecord({ title: 'Later', published: '2024-09-01', categories: ['Future Plans'], authors: [{ name: 'Cy Later' }] }),
    },
  });
const appFor = async () => createApp({ dataset: await newsroom(), options: { now: () => NOW } });

describe('category and author feeds', () => {
  it.each(FORMATS)('/categories/:slug/$file holds that category’s posts, titled and linked as its own', async ({ file, type }) => {
    const res = await get(await appFor(), `/categories/company-news/${file}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
    const feed = readFeed(file, await res.text());
    expect(feed.title).toBe('Example News: Company News');
    expect(feed.self).toBe(`${BASE}/categories/company-news/${file}`);
    expect(feed.titles).toEqual(['New plant', 'Board meeting']);
  });

  it.each(FORMATS)('/authors/:slug/$file holds that author’s posts; posts without authors are the site’s', async ({ file }) => {
    const app = await appFor();
    const anna = readFeed(file, await (await get(app, `/authors/anna-berg/${file}`)).text());
    expect(anna.title).toBe('Example News: Anna Berg');
    expect(anna.titles).toEqual(['New plant', 'Board meeting']);
    const site = readFeed(file, await (await get(app, `/authors/example-press-office/${file}`)).text());
    expect(site.titles).toEqual(['Lower case', 'Implants']);
  });

  it('a name in another script has its slug kept, percent-encoded in links and decoded in requests', async () => {
    const app = await appFor();
    const encoded = encodeURIComponent('医疗器械');
    const res = await get(app, `/categories/${encoded}/atom.xml`);
    expect(res.status).toBe(200);
    const feed = readFeed('atom.xml', await res.text());
    expect(feed.self).toBe(`${BASE}/categories/${encoded}/atom.xml`);
    expect(feed.titles).toEqual(['Implants', 'New plant']);
  });

  it('two names with one slug are not merged: the later one is numbered', async () => {
    const app = await appFor();
    const first = readFeed('feed.json', await (await get(app, '/categories/company-news/feed.json')).text());
    const second = readFeed('feed.json', await (await get(app, '/categories/company-news-2/feed.json')).text());
    expect(first.titles).not.toContain('Lower case');
    expect(second).toMatchObject({ title: 'Example News: company news', titles: ['Lower case'] });
  });

  it('each filtered feed has its own validators', async () => {
    const app = await appFor();
    const paths = ['/rss.xml', '/categories/company-news/rss.xml', '/categories/company-news-2/rss.xml', '/authors/anna-berg/rss.xml'];
    const etags = await Promise.all(paths.map(async (p) => (await get(app, p)).headers.get('etag')));
    expect(new Set(etags).size).toBe(paths.length);
    const res = await get(app, '/authors/anna-berg/rss.xml');
    expect(res.headers.get('etag')).toBe(await entityTag(new Uint8Array(await res.arrayBuffer())));
    expect(res.headers.get('last-modified')).toBe('Mon, 01 Apr 2024 00:00:00 GMT');
    expect((await get(app, '/authors/anna-berg/rss.xml', { headers: { 'If-None-Match': etags[3]! } })).status).toBe(304);
  });

  it('names its siblings in the Link header', async () => {
    const link = (await get(await appFor(), '/categories/company-news/atom.xml')).headers.get('link') ?? '';
    expect(link).toContain(`<${BASE}/categories/company-news/atom.xml>; rel="self"; type="application/atom+xml"`);
    expect(link).toContain(`<${BASE}/categories/company-news/feed.json>; rel="alternate"; type="application/feed+json"`);
  });

  it.each([
    ['an unknown category', '/categories/no-such/rss.xml', 'No category is called "no-such".'],
    ['an unknown author', '/authors/nobody/feed.json', 'No author is called "nobody".'],
    ['a category only a draft has', '/categories/leaks/rss.xml', 'No category is called "leaks".'],
    ['a category only a scheduled post has', '/categories/future-plans/atom.xml', 'No category is called "future-plans".'],
    ['an author only a scheduled post has', '/authors/cy-later/feed.json', 'No author is called "cy-later".'],
  ])('%s is 404', async (_, path, message) => {
    const res = await get(await appFor(), path);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(`${message}\n`);
  });

  it('a scheduled post’s category appears once the post is due', async () => {
    let now = NOW;
    const app = createApp({ dataset: await newsroom(), options: { now: () => now } });
    expect((await get(app, '/categories/future-plans/rss.xml')).status).toBe(404);
    now = new Date('2024-09-01T00:00:00Z');
    const res = await get(app, '/categories/future-plans/rss.xml');
    expect(res.status).toBe(200);
    expect(readFeed('rss.xml', await res.text()).titles).toEqual(['Later']);
  });

  it('a slug written another way is moved to its one spelling, query kept', async () => {
    const res = await get(await appFor(), '/categories/Company-News/rss.xml?limit=1');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`${BASE}/categories/company-news/rss.xml?limit=1`);
  });
});

describe('paging and limits through the app', () => {
  /** Follows `next` from the first page; returns every title seen and the URLs visited. */
  async function walk(app: App, file: string, first: string) {
    const titles: string[] = [];
    const visited: string[] = [];
    let url: string | undefined = first;
    while (url) {
      visited.push(url);
      const res = await get(app, url.replace(BASE, ''));
      expect(res.status, url).toBe(200);
      const feed = readFeed(file, await res.text());
      titles.push(...feed.titles);
      url = feed.next;
      expect(visited.length).toBeLessThan(20);
    }
    return { titles, visited };
  }

  it.each(FORMATS)('following next in $file visits every published post exactly once', async ({ file }) => {
    const { titles, visited } = await walk(await appFor(), file, `${BASE}/${file}`);
    expect(titles).toEqual(['Lower case', 'Implants', 'New plant', 'Board meeting']);
    expect(visited).toEqual([`${BASE}/${file}`, `${BASE}/page/2/${file}`]);
  });

  it.each(FORMATS)('?limit carries through the links of $file', async ({ file }) => {
    const { titles, visited } = await walk(await appFor(), file, `${BASE}/${file}?limit=1`);
    expect(titles).toEqual(['Lower case', 'Implants', 'New plant', 'Board meeting']);
    expect(visited.slice(1)).toEqual([2, 3, 4].map((n) => `${BASE}/page/${n}/${file}?limit=1`));
  });

  it('a filtered feed pages too', async () => {
    const { titles } = await walk(await appFor(), 'rss.xml', `${BASE}/categories/company-news/rss.xml?limit=1`);
    expect(titles).toEqual(['New plant', 'Board meeting']);
  });

  it('RSS and Atom name first, previous, next and last; the Link header too', async () => {
    const app = await appFor();
    const res = await get(app, '/page/2/atom.xml?limit=1');
    const body = await res.text();
    const rels = [...body.matchAll(/<link rel="(first|previous|next|last)" type="application\/atom\+xml" href="([^"]*)"\/>/g)].map((m) => [m[1], decode(m[2]!)]);
    expect(rels).toEqual([
      ['first', `${BASE}/atom.xml?limit=1`],
      ['previous', `${BASE}/atom.xml?limit=1`],
      ['next', `${BASE}/page/3/atom.xml?limit=1`],
      ['last', `${BASE}/page/4/atom.xml?limit=1`],
    ]);
    expect(res.headers.get('link')).toContain(`<${BASE}/page/3/atom.xml?limit=1>; rel="next"`);
  });

  it.each([
    ['/rss.xml?limit=0', 'limit must be a whole number from 1 to 100; got "0"'],
    ['/rss.xml?limit=101', 'limit must be a whole number from 1 to 100; got "101"'],
    ['/feed.json?limit=ten', 'limit must be a whole number from 1 to 100; got "ten"'],
    ['/atom.xml?page=0', 'page must be a whole number, 1 or more; got "0"'],
    ['/categories/company-news/rss.xml?page=x', 'page must be a whole number, 1 or more; got "x"'],
    ['/rss.xml?limit=2&limit=3', 'limit must be given once; got 2 values'],
  ])('%s is 400: %s', async (path, message) => {
    const res = await get(await appFor(), path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe(`${message}\n`);
  });

  it('takes its maximum from site.json', async () => {
    const data = await dataset({ site: siteRecord({ maxLimit: 3 }), posts: { a: postRecord() } });
    const app = createApp({ dataset: data });
    expect((await get(app, '/rss.xml?limit=20')).status).toBe(200); // feedLimit is always allowed
    expect(await (await get(app, '/rss.xml?limit=21')).text()).toBe('limit must be a whole number from 1 to 20; got "21"\n');
  });

  it('a page past the end is 404', async () => {
    const app = await appFor();
    expect((await get(app, '/page/2/rss.xml')).status).toBe(200);
    const res = await get(app, '/rss.xml?page=3');
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('page 3 is past the end: this feed has 2 pages.\n');
    expect((await get(app, '/categories/company-news/feed.json?page=2')).status).toBe(404);
  });

  it('?page=1 is moved permanently to the feed’s own URL, keeping the limit', async () => {
    const app = await appFor();
    const plain = await get(app, '/atom.xml?page=1');
    expect(plain.status).toBe(301);
    expect(plain.headers.get('location')).toBe(`${BASE}/atom.xml`);
    const limited = await get(app, '/categories/company-news/rss.xml?limit=1&page=1');
    expect(limited.headers.get('location')).toBe(`${BASE}/categories/company-news/rss.xml?limit=1`);
    const inPath = await get(app, '/categories/company-news/page/1/rss.xml?limit=1');
    expect([inPath.status, inPath.headers.get('location')]).toEqual([301, `${BASE}/categories/company-news/rss.xml?limit=1`]);
  });

  it('?page=N, the older address of a feed page, is moved permanently to its path, keeping the limit', async () => {
    const app = await appFor();
    for (const [path, location] of [
      ['/rss.xml?page=2', `${BASE}/page/2/rss.xml`],
      ['/feed.json?page=4&limit=1', `${BASE}/page/4/feed.json?limit=1`],
      ['/authors/anna-berg/atom.xml?limit=1&page=2', `${BASE}/authors/anna-berg/page/2/atom.xml?limit=1`],
      ['/categories/Company-News/page/2/rss.xml?limit=1', `${BASE}/categories/company-news/page/2/rss.xml?limit=1`],
    ]) {
      const res = await get(app, path!);
      expect([res.status, res.headers.get('location'), res.headers.get('access-control-allow-origin')], path).toEqual([301, location, '*']);
    }
    expect((await get(app, '/page/02/rss.xml')).status).toBe(404);
  });

  it('unknown query parameters change nothing', async () => {
    const app = await appFor();
    const plain = await get(app, '/rss.xml');
    const tracked = await get(app, '/rss.xml?utm_source=reader');
    expect(tracked.headers.get('etag')).toBe(plain.headers.get('etag'));
  });

  it('pages are deterministic: same data, same bytes', async () => {
    const [a, b] = [await appFor(), await appFor()];
    for (const path of ['/page/2/rss.xml', '/categories/%E5%8C%BB%E7%96%97%E5%99%A8%E6%A2%B0/atom.xml', '/authors/anna-berg/page/2/feed.json?limit=1']) {
      expect(await (await get(a, path)).text()).toBe(await (await get(b, path)).text());
    }
  });
});

describe('methods on the new paths', () => {
  const NEW_PATHS = ['/categories/company-news/', '/authors/anna-berg/rss.xml', '/categories/company-news/feed.json', '/feed', '/feed.xsl'];

  it.each(NEW_PATHS)('HEAD %s answers like GET, without a body', async (path) => {
    const app = await appFor();
    const head = await get(app, path, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe((await get(app, path)).headers.get('etag'));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it.each(NEW_PATHS)('POST %s is 405 naming GET and HEAD', async (path) => {
    const res = await get(await appFor(), path, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('OPTIONS on a filtered feed allows cross-origin readers', async () => {
    const res = await get(await appFor(), '/authors/anna-berg/atom.xml', { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('refusals and moves on feed URLs', () => {
  const expectCors = (res: Response) => {
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toBe('ETag, Link');
  };

  it.each([
    ['/rss.xml?limit=0', 400],
    ['/categories/company-news/atom.xml?page=x', 400],
    ['/feed?page=0', 400],
    ['/rss.xml?page=3', 404],
    ['/authors/anna-berg/feed.json?page=9', 404],
    ['/categories/no-such/rss.xml', 404],
    ['/authors/cy-later/atom.xml', 404],
  ])('%s (%i) may be read from any origin, so a web reader sees why', async (path, status) => {
    const res = await get(await appFor(), path);
    expect(res.status).toBe(status);
    expectCors(res);
    expect(await res.text()).toMatch(/^\S.*\n$/);
  });

  it.each([
    ['/atom.xml?page=1', `${BASE}/atom.xml`],
    ['/feed?page=1', `${BASE}/feed`],
    ['/categories/Company-News/rss.xml', `${BASE}/categories/company-news/rss.xml`],
  ])('the move of %s may be followed from any origin', async (path, location) => {
    const res = await get(await appFor(), path);
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(location);
    expectCors(res);
  });

  it('/feed refusing every type says so to any origin', async () => {
    const res = await get(await appFor(), '/feed', { headers: { Accept: 'text/html' } });
    expect(res.status).toBe(406);
    expectCors(res);
  });

  it('pages’ refusals and moves stay without CORS', async () => {
    const app = await appFor();
    for (const path of ['/categories/no-such/', '/categories/Company-News/', '/posts/no-such/', '/?page=x']) {
      expect((await get(app, path)).headers.has('access-control-allow-origin'), path).toBe(false);
    }
  });
});

describe('one look at the data and the clock per request', () => {
  it.each(['/categories/company-news/rss.xml', '/authors/anna-berg/', '/rss.xml', '/', '/posts/new-plant/'])(
    '%s reads the data and the clock once',
    async (path) => {
      const data = await newsroom();
      const calls = { current: 0, now: 0 };
      const source: DataSource = {
        current: () => {
          calls.current++;
          return data;
        },
      };
      const app = createApp({
        source,
        options: {
          now: () => {
            calls.now++;
            return NOW;
          },
        },
      });
      expect((await get(app, path)).status).toBe(200); // rendered (the clock clamps Last-Modified once)
      calls.current = calls.now = 0;
      expect((await get(app, path)).status).toBe(200);
      expect(calls).toEqual({ current: 1, now: 1 });
    },
  );

  it('a post coming due between two readings of the clock is never cached under the wrong key', async () => {
    // The first reading is just before the post is due, every later one after: a second snapshot in the
    // same request would render the old list under the key of the new one, and keep serving it.
    const due = new Date('2024-09-01T00:00:00Z');
    let readings = 0;
    const app = createApp({
      dataset: await dataset({
        site: siteRecord({ url: BASE }),
        posts: {
          old: postRecord({ title: 'Old', published: '2024-03-01', categories: ['Company News'] }),
          due: postRecord({ title: 'Due', published: due.toISOString(), categories: ['Company News'] }),
        },
      }),
      options: { now: () => (readings++ === 0 ? new Date(due.getTime() - 1) : due) },
    });
    for (const path of ['/categories/company-news/rss.xml', '/categories/company-news/']) {
      readings = 0;
      const first = await (await get(app, path)).text();
      expect(first, path).toContain('Old');
      expect(first, path).not.toContain('Due');
      expect(await (await get(app, path)).text(), path).toContain('Due');
    }
  });
});
