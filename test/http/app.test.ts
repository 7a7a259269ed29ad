import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createApp, type AppOptions } from '../with-safe-content.ts';
import { mediaFilesIn } from '../../src/node/media-files.ts';
import type { Dataset, Problem } from '../../src/posts/index.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { get, SEED_DIR, SEED_ID, SEED_IMAGE, SEED_SLUG, seedDataset } from '../support.ts';

const FEEDS = [
  { path: '/rss.xml', format: 'rss', contentType: 'application/rss+xml; charset=utf-8' },
  { path: '/atom.xml', format: 'atom', contentType: 'application/atom+xml; charset=utf-8' },
  { path: '/feed.json', format: 'json', contentType: 'application/feed+json; charset=utf-8' },
] as const;
type Format = (typeof FEEDS)[number]['format'];
const KNOWN_PATHS = ['/', '/rss.xml', '/atom.xml', '/feed.json', '/healthz', `/posts/${SEED_SLUG}/`, '/media/cxdfhd-1.png'];

// The seed data is read from disk, media stated, not read: they are served from the folder, as on Node.
const seedApp = async (options: AppOptions = {}) =>
  createApp({ dataset: await seedDataset(), options: { media: mediaFilesIn(SEED_DIR), ...options } });

const decodeEntities = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** The start tags named `tag` in an HTML page, each as its attributes, found loosely (no DOM). */
function tags(page: string, tag: string): Record<string, string>[] {
  return [...page.matchAll(new RegExp(`<${tag}\\b[^>]*>`, 'gi'))].map(([whole]) => {
    const attributes: Record<string, string> = {};
    for (const m of whole.matchAll(/([A-Za-z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
      attributes[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
    }
    return attributes;
  });
}

/** Titles and links of a feed's items, in feed order. */
function feedItems(format: Format, body: string): { title: string; url: string }[] {
  if (format === 'json') {
    const feed = JSON.parse(body) as { items: { title: string; url: string }[] };
    return feed.items.map(({ title, url }) => ({ title, url }));
  }
  const [open, close] = format === 'rss' ? ['<item>', '</item>'] : ['<entry', '</entry>'];
  return body
    .split(open)
    .slice(1)
    .map((chunk) => chunk.slice(0, chunk.indexOf(close)))
    .map((item) => ({
      title: decodeEntities(/<title[^>]*>([\s\S]*?)<\/title>/.exec(item)?.[1] ?? ''),
      url:
        format === 'rss'
          ? decodeEntities(/<link>([\s\S]*?)<\/link>/.exec(item)?.[1] ?? '')
          : decodeEntities(/<link rel="alternate" type="text\/html" href="([^"]*)"/.exec(item)?.[1] ?? ''),
    }));
}

async function feedTitles(app: ReturnType<typeof createApp>, format: Format): Promise<string[]> {
  const feed = FEEDS.find((f) => f.format === format)!;
  const res = await get(app, feed.path);
  expect(res.status).toBe(200);
  return feedItems(format, await res.text()).map((item) => item.title);
}

/** Published, draft and scheduled posts around a fixed "now" of 2024-06-01. */
const NOW = new Date('2024-06-01T12:00:00Z');
const mixedData = () =>
  dataset({
    site: siteRecord(),
    posts: {
      older: postRecord({ title: 'Older', published: '2024-03-01' }),
      // 23:30 at UTC-5 is 04:30 UTC on 2 March: newer than "latest-by-text" despite sorting first as text.
      'evening-in-new-york': postRecord({ title: 'Evening in New York', published: '2024-03-01T23:30:00-05:00' }),
      'latest-by-text': postRecord({ title: 'Latest by text', published: '2024-03-02T01:00:00+00:00' }),
      draft: postRecord({ title: 'Secret draft', published: '2024-04-01', draft: true }),
      scheduled: postRecord({ title: 'Scheduled', published: '2024-07-01T08:00:00Z' }),
    },
  });
const PUBLISHED_NEWEST_FIRST = ['Evening in New York', 'Latest by text', 'Older'];

describe('feeds', () => {
  it.each(FEEDS)('$path is served as $contentType', async ({ path: feedPath, contentType }) => {
    const res = await get(await seedApp(), feedPath);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(contentType);
    expect(await res.text()).toContain(SEED_ID);
  });

  it.each(FEEDS)('$path holds the published posts newest first, without drafts or scheduled posts', async ({ format }) => {
    const app = createApp({ dataset: await mixedData(), options: { now: () => NOW } });
    expect(await feedTitles(app, format)).toEqual(PUBLISHED_NEWEST_FIRST);
  });

  it('shows a scheduled post everywhere once its time has come, without a new app', async () => {
    let now = new Date('2024-07-01T07:59:59.999Z');
    const app = createApp({ dataset: await mixedData(), options: { now: () => now } });
    // Everything is rendered (and cached) once before the post is due.
    for (const { format } of FEEDS) expect(await feedTitles(app, format)).not.toContain('Scheduled');
    expect(await (await get(app, '/')).text()).not.toContain('Scheduled');
    expect((await get(app, '/posts/scheduled/')).status).toBe(404);
    expect(await (await get(app, '/healthz')).json()).toMatchObject({ posts: 3, scheduled: 1, drafts: 1 });

    now = new Date('2024-07-01T08:00:00Z'); // exactly its `published`
    for (const { format } of FEEDS) expect((await feedTitles(app, format))[0]).toBe('Scheduled');
    const index = await (await get(app, '/')).text();
    expect(index.indexOf('Scheduled')).toBeGreaterThan(-1);
    expect(index.indexOf('Scheduled')).toBeLessThan(index.indexOf('Evening in New York'));
    const page = await get(app, '/posts/scheduled/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1>Scheduled</h1>');
    expect(await (await get(app, '/healthz')).json()).toMatchObject({ posts: 4, scheduled: 0, drafts: 1 });
  });

  it.each(FEEDS)('$path holds at most feedLimit posts, the newest', async ({ format }) => {
    const data = await dataset({
      site: siteRecord({ feedLimit: 2 }),
      posts: {
        first: postRecord({ title: 'First', published: '2024-01-01' }),
        second: postRecord({ title: 'Second', published: '2024-01-02' }),
        third: postRecord({ title: 'Third', published: '2024-01-03' }),
      },
    });
    const app = createApp({ dataset: data });
    expect(await feedTitles(app, format)).toEqual(['Third', 'Second']);
    // The home page is paged the same way: the same newest posts, and the rest on page 2.
    const index = await (await get(app, '/')).text();
    expect(tags(index, 'article')).toHaveLength(2);
    expect(tags(index, 'link').find((link) => link.rel === 'next')?.href).toBe('https://news.example.com/page/2/');
    expect(tags(await (await get(app, '/page/2/')).text(), 'article')).toHaveLength(1);
  });
});

describe('the base URL of links', () => {
  const data = (url?: string) =>
    dataset({
      site: siteRecord(url === undefined ? { url: undefined } : { url }),
      posts: { hello: postRecord({ title: 'Hello' }) },
    });

  /** Every link a reader follows, from each feed and from the page's autodiscovery. */
  async function linksOf(app: ReturnType<typeof createApp>, origin: string) {
    const rss = await (await get(app, `${origin}/rss.xml`)).text();
    const atom = await (await get(app, `${origin}/atom.xml`)).text();
    const json = JSON.parse(await (await get(app, `${origin}/feed.json`)).text()) as {
      home_page_url: string;
      feed_url: string;
      items: { url: string }[];
    };
    const index = await (await get(app, `${origin}/`)).text();
    return {
      rssChannelLink: /<channel>\s*<title>[^<]*<\/title>\s*<link>([^<]*)<\/link>/.exec(rss)?.[1],
      rssItem: feedItems('rss', rss)[0]?.url,
      atomSelf: /<link rel="self" type="application\/atom\+xml" href="([^"]*)"/.exec(atom)?.[1],
      atomItem: feedItems('atom', atom)[0]?.url,
      jsonHome: json.home_page_url,
      jsonFeed: json.feed_url,
      jsonItem: json.items[0]?.url,
      pageFeeds: tags(index, 'link')
        .filter((link) => link.rel === 'alternate')
        .map((link) => link.href),
      pagePost: tags(index, 'a').find((a) => a.href?.includes('/posts/'))?.href,
    };
  }

  const expected = (base: string) => ({
    rssChannelLink: `${base}/`,
    rssItem: `${base}/posts/hello/`,
    atomSelf: `${base}/atom.xml`,
    atomItem: `${base}/posts/hello/`,
    jsonHome: `${base}/`,
    jsonFeed: `${base}/feed.json`,
    jsonItem: `${base}/posts/hello/`,
    pageFeeds: [`${base}/rss.xml`, `${base}/atom.xml`, `${base}/feed.json`],
    pagePost: `${base}/posts/hello/`,
  });

  it('the siteUrl option (SITE_URL) wins over site.url and the request, a trailing slash dropped', async () => {
    const app = createApp({ dataset: await data('https://site-json.example.com'), options: { siteUrl: 'https://press.example.org/news/' } });
    expect(await linksOf(app, 'http://localhost:3000')).toEqual(expected('https://press.example.org/news'));
  });

  it('site.url wins over the request', async () => {
    const app = createApp({ dataset: await data('https://site-json.example.com/') });
    expect(await linksOf(app, 'http://localhost:3000')).toEqual(expected('https://site-json.example.com'));
  });

  it('with neither, links use the origin of each request', async () => {
    const app = createApp({ dataset: await data() });
    expect(await linksOf(app, 'http://localhost:3000')).toEqual(expected('http://localhost:3000'));
    // Rendered output is cached; another origin must not get the first one's links.
    expect(await linksOf(app, 'http://127.0.0.1:8080')).toEqual(expected('http://127.0.0.1:8080'));
  });
});

describe('pages', () => {
  it('/ lists the published posts newest first', async () => {
    const app = createApp({ dataset: await mixedData(), options: { now: () => NOW } });
    const res = await get(app, '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await res.text();
    const titles = [...page.matchAll(/<h2><a href="[^"]*">([^<]*)<\/a><\/h2>/g)].map((m) => m[1]);
    expect(titles).toEqual(PUBLISHED_NEWEST_FIRST);
    expect(page).not.toContain('Secret draft');
  });

  it('/ advertises all three feeds with <link rel="alternate">', async () => {
    const page = await (await get(await seedApp(), '/')).text();
    const alternates = tags(page, 'link').filter((link) => link.rel === 'alternate');
    expect(alternates.map(({ type, href }) => ({ type, href }))).toEqual([
      { type: 'application/rss+xml', href: 'http://localhost/rss.xml' },
      { type: 'application/atom+xml', href: 'http://localhost/atom.xml' },
      { type: 'application/feed+json', href: 'http://localhost/feed.json' },
    ]);
    for (const link of alternates) expect(link.title).toMatch(/^WEGO Group News \(.+\)$/);
  });

  it('/posts/:slug shows the post with its links made absolute', async () => {
    const res = await get(await seedApp(), `/posts/${SEED_SLUG}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await res.text();
    expect(page).toContain(
      "<h1>WEGO&#39;s National Engineering Research Center becomes the first in its industry led by an enterprise</h1>",
    );
    expect(page).toContain('Changchun Institute of Applied Chemistry');
    expect(tags(page, 'img').map((img) => img.src)).toEqual([
      'http://localhost/media/cxdfhd-1.png',
      'http://localhost/media/cxdfhd-2.png',
    ]);
    expect(tags(page, 'link').find((link) => link.rel === 'canonical')?.href).toBe(`http://localhost/posts/${SEED_SLUG}/`);
  });

  it.each([
    ['an unknown slug', '/posts/no-such-post/'],
    ['a draft', '/posts/draft/'],
    ['a scheduled post', '/posts/scheduled/'],
  ])('/posts/:slug is 404 for %s', async (_, url) => {
    const app = createApp({ dataset: await mixedData(), options: { now: () => NOW } });
    const res = await get(app, url);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toMatch(/Secret draft|<h1>Scheduled/);
  });

  it('escapes the data in every page', async () => {
    const title = '<script>alert("title")</script> & "quoted"';
    const data = await dataset({
      site: siteRecord({ title: 'News "&" <b>more</b>', description: 'About <i>us</i> & "them"' }),
      posts: {
        nasty: postRecord({
          title,
          summary: 'Summary <img src=x onerror=alert(1)>',
          categories: ['<script>cat</script>'],
          authors: [{ name: '<b>Anna</b> "A"' }],
        }),
      },
    });
    const app = createApp({ dataset: data });
    const index = await (await get(app, '/')).text();
    const post = await (await get(app, '/posts/nasty/')).text();
    for (const page of [index, post]) {
      expect(page).not.toContain('<script>');
      expect(page).not.toContain('<b>');
      expect(page).not.toContain('<img src=x');
      expect(page).toContain('&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; &amp; &quot;quoted&quot;');
      expect(page).toContain('&lt;b&gt;Anna&lt;/b&gt; &quot;A&quot;');
      // In attributes too: the value reads back as written, and no attribute ends early.
      const alternates = tags(page, 'link').filter((link) => link.rel === 'alternate');
      expect(alternates).toHaveLength(3);
      for (const link of alternates) expect(link.title?.startsWith('News "&" <b>more</b> (')).toBe(true);
    }
    // The home page describes the site; a post's page, the post.
    expect(tags(index, 'meta').find((meta) => meta.name === 'description')?.content).toBe('About <i>us</i> & "them"');
    expect(tags(post, 'meta').find((meta) => meta.name === 'description')?.content).toBe('Summary <img src=x onerror=alert(1)>');
    expect(index).toContain('Summary &lt;img src=x onerror=alert(1)&gt;');
    expect(post).toContain('&lt;script&gt;cat&lt;/script&gt;');
    expect(post).toContain(`<title>${'&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; &amp; &quot;quoted&quot;'} – `);
  });
});

describe('/healthz', () => {
  it('reports the counts and the data version as JSON', async () => {
    const data = await mixedData();
    const res = await get(createApp({ dataset: data, options: { now: () => NOW } }), '/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ status: 'ok', posts: 3, scheduled: 1, drafts: 1, version: data.version });
    expect(data.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('while degraded, names each problem by file and field, the message said once', async () => {
    const data = await mixedData();
    const problems: Problem[] = [
      { file: 'data/posts/bad-date.json', path: 'published', message: 'expected an ISO 8601 date, got "yesterday"', severity: 'error' },
      { file: 'data/posts/broken.json', message: 'invalid JSON: line 1, column 3', severity: 'error' },
    ];
    const app = createApp({
      source: { current: () => data, health: () => ({ status: 'degraded', problems }) },
      options: { now: () => NOW },
    });
    const res = await get(app, '/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'degraded',
      posts: 3,
      scheduled: 1,
      drafts: 1,
      version: data.version,
      problems: [
        { file: 'data/posts/bad-date.json', path: 'published', message: 'expected an ISO 8601 date, got "yesterday"' },
        { file: 'data/posts/broken.json', message: 'invalid JSON: line 1, column 3' },
      ],
    });
  });

  it('reports the bundled data', async () => {
    const data: Dataset = await seedDataset();
    const res = await get(createApp({ dataset: data }), '/healthz');
    expect(await res.json()).toEqual({ status: 'ok', posts: 1, scheduled: 0, drafts: 0, version: data.version });
  });
});

describe('/media', () => {
  it('serves a file with its type and its exact bytes', async () => {
    const res = await get(await seedApp(), '/media/cxdfhd-1.png');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const bytes = new Uint8Array(await res.arrayBuffer());
    const onDisk = new Uint8Array(await readFile(SEED_IMAGE));
    expect(bytes.byteLength).toBe(onDisk.byteLength);
    expect(Buffer.from(bytes).equals(Buffer.from(onDisk))).toBe(true);
  });

  it.each(['/media/missing.png', '/media/../data/site.json', '/media/%2e%2e/site.json', '/media/CXDFHD-1.PNG'])(
    '%s is 404',
    async (url) => {
      expect((await get(await seedApp(), url)).status).toBe(404);
    },
  );
});

describe('methods and unknown paths', () => {
  it.each(['/nope', '/posts', '/posts/', `/posts/${SEED_SLUG}/extra`, '/rss', '/feed.xml', '/index.html', '/media'])(
    '%s is 404',
    async (url) => {
      const res = await get(await seedApp(), url);
      expect(res.status).toBe(404);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    },
  );

  const wrongMethods = KNOWN_PATHS.flatMap((url) => ['POST', 'PUT', 'DELETE'].map((method) => [method, url] as const));
  it.each(wrongMethods)('%s %s is 405 with an Allow that names GET and HEAD', async (method, url) => {
    const app = await seedApp();
    const res = await get(app, url, { method });
    expect(res.status).toBe(405);
    const allowed = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim());
    expect(allowed).toEqual(expect.arrayContaining(['GET', 'HEAD']));
    expect(allowed).not.toContain(method);
    // RFC 9110 §10.2.1: Allow lists what the path does take, so none of those may be refused in turn.
    for (const other of allowed) {
      const answer = await get(app, url, { method: other });
      expect(answer.status, other).not.toBe(405);
      await answer.body?.cancel(); // a media file's stream holds the file open until read or cancelled
    }
    expect(await res.text()).toMatch(new RegExp(`^${method} is not allowed here\\b`));
  });

  it('a wrong method on an unknown path is 404, not 405', async () => {
    const res = await get(await seedApp(), '/nope', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(res.headers.get('allow')).toBeNull();
  });

  it.each(KNOWN_PATHS)('HEAD %s answers like GET, without a body', async (url) => {
    const app = await seedApp();
    const head = await get(app, url, { method: 'HEAD' });
    const getResponse = await get(app, url);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe(getResponse.headers.get('content-type'));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    expect((await getResponse.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  // Whether a path names something is GET's to say; OPTIONS and the other methods agree with it.
  const ANSWERED = [
    '/', '/rss.xml', '/feed', '/feed.xsl', '/style.css', '/healthz', '/posts/older/', '/media/note.txt', '/categories/news/',
    '/categories/news/atom.xml', '/authors/anna-berg/', '/authors/anna-berg/feed.json',
    // another spelling is moved by GET, so it is there for the others too
    '/categories/News/', '/authors/Anna-Berg/rss.xml',
  ];
  const NOT_FOUND = [
    '/posts/nope/', '/posts/draft/', '/posts/scheduled/', '/media/nope', '/media/', '/media/note.txt/x', '/categories/nope/',
    '/categories/nope/rss.xml', '/categories/secrets/', '/authors/nobody/atom.xml', '/nope', '/rss.xml/',
  ];
  const answeredData = () =>
    dataset({
      site: siteRecord(),
      posts: {
        older: postRecord({ title: 'Older', published: '2024-03-01', categories: ['News'], authors: [{ name: 'Anna Berg' }] }),
        draft: postRecord({ title: 'Draft', published: '2024-04-01', draft: true, categories: ['Secrets'] }),
        scheduled: postRecord({ title: 'Scheduled', published: '2024-07-01' }),
      },
      media: { 'note.txt': 'A note.' },
    });

  it.each(ANSWERED)('%s: GET finds it, so OPTIONS is 204 and POST 405', async (url) => {
    const app = createApp({ dataset: await answeredData(), options: { now: () => NOW } });
    const got = await get(app, url);
    expect([200, 301]).toContain(got.status);
    await got.body?.cancel(); // a media file's stream holds the file open until read or cancelled
    const options = await get(app, url, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect((await get(app, url, { method: 'POST' })).status).toBe(405);
  });

  it.each(NOT_FOUND)('%s: GET is 404, and so are OPTIONS, POST and DELETE, with GET’s reason', async (url) => {
    const app = createApp({ dataset: await answeredData(), options: { now: () => NOW } });
    const got = await get(app, url);
    expect(got.status).toBe(404);
    const reason = await got.text();
    for (const method of ['OPTIONS', 'POST', 'DELETE']) {
      const res = await get(app, url, { method });
      expect(res.status, method).toBe(404);
      expect(res.headers.get('allow'), method).toBeNull();
      expect(await res.text(), method).toBe(reason);
    }
  });

  it('a scheduled post’s page is there for every method once it is due', async () => {
    let now = NOW;
    const app = createApp({ dataset: await answeredData(), options: { now: () => now } });
    expect((await get(app, '/posts/scheduled/', { method: 'OPTIONS' })).status).toBe(404);
    now = new Date('2024-07-01T00:00:00Z');
    expect((await get(app, '/posts/scheduled/', { method: 'OPTIONS' })).status).toBe(204);
    expect((await get(app, '/posts/scheduled/', { method: 'PUT' })).status).toBe(405);
  });

  it('HEAD on an unknown post is 404', async () => {
    expect((await get(await seedApp(), '/posts/no-such-post/', { method: 'HEAD' })).status).toBe(404);
  });
});

describe('security headers', () => {
  it.each(KNOWN_PATHS)('%s sends X-Content-Type-Options: nosniff', async (url) => {
    const res = await get(await seedApp(), url);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    await res.body?.cancel(); // a media file's stream holds the file open until read or cancelled
  });

  it.each(['/', `/posts/${SEED_SLUG}/`])('the HTML page %s has a Content-Security-Policy that allows no script', async (url) => {
    const csp = (await get(await seedApp(), url)).headers.get('content-security-policy') ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.has('script-src')).toBe(false);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    // The page's own stylesheet and images must still load under it.
    expect(directives.get('style-src')).toContain("'self'");
    expect(directives.get('img-src')).toContain("'self'");
  });

  it('405 and 404 answers carry nosniff too', async () => {
    const app = await seedApp();
    expect((await get(app, '/', { method: 'POST' })).headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get(app, '/missing')).headers.get('x-content-type-options')).toBe('nosniff');
  });
});
