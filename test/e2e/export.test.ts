/**
 * `npm run export`: the site as static files, served by a plain static file server that applies
 * `_headers` as Cloudflare Pages and Netlify do, compared with the app; `_redirects` against every move
 * the server makes; `404.html`.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataDir } from '../../src/node/data-folder.ts';
import { createApp } from '../with-safe-content.ts';
import { mediaFilesIn } from '../../src/node/media-files.ts';
import { fileFor, linksIn, redirectOf } from '../../scripts/export.ts';
import { STATIC_NOT_FOUND } from '../../src/http/routes/lists.ts';
import { SCHEMAS, findProgram, makeDataDir, postRecord, removeDir, run, siteRecord, skipped } from '../fixtures.ts';

const SITE_URL = 'https://press.example.org/news';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 8, 7]);

/** `_headers` as Pages reads it: a path or `/folder/*`, then indented `Name: value` lines. */
function parseHeaders(text: string): { pattern: string; headers: Record<string, string> }[] {
  const rules: { pattern: string; headers: Record<string, string> }[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (!/^\s/.test(line)) rules.push({ pattern: line.trim(), headers: {} });
    else {
      const colon = line.indexOf(':');
      const rule = rules.at(-1);
      if (rule) rule.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return rules;
}

const matches = (pattern: string, urlPath: string) =>
  pattern.endsWith('/*') ? urlPath.startsWith(pattern.slice(0, -1)) : pattern === urlPath;

/** A static host: the file at the path, or a folder's `index.html` at its URL; headers from `_headers`. */
function staticServer(root: string, rules: ReturnType<typeof parseHeaders>): Server {
  return createServer(async (request, response) => {
    const urlPath = new URL(request.url ?? '/', 'http://static').pathname;
    const local = path.join(root, ...decodeURIComponent(urlPath).split('/'));
    for (const candidate of [urlPath.endsWith('/') ? path.join(local, 'index.html') : local]) {
      const info = await stat(candidate).catch(() => undefined);
      if (!info?.isFile()) continue;
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      for (const rule of rules.filter((r) => matches(r.pattern, urlPath))) Object.assign(headers, rule.headers);
      response.writeHead(200, headers);
      response.end(await readFile(candidate));
      return;
    }
    response.writeHead(404).end();
  });
}

async function filesBelow(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? filesBelow(dir, path.posix.join(prefix, entry.name)) : [path.posix.join(prefix, entry.name)])),
  );
  return nested.flat().sort();
}

describe('npm run export', () => {
  let dataDir = '';
  let out = '';
  let server: Server;
  let staticUrl = '';
  let exported: Awaited<ReturnType<typeof run>>;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    dataDir = await makeDataDir({
      site: siteRecord({ feedLimit: 2, icon: '/media/icon.png' }),
      posts: {
        'board-meeting': postRecord({ title: 'Board meeting', published: '2024-02-01', categories: ['Board', 'Company News'] }),
        'old-link': postRecord({ title: 'Old link', published: '2024-01-15', content: '<p><a href="/posts/board-meeting">Board</a></p>', categories: ['Company News'] }),
        'new-plant': postRecord({ title: 'New plant', published: '2024-03-01', categories: ['Plant', 'Company News'], image: { url: '../media/plant.png' } }),
        'plant-tour': postRecord({ title: 'Plant tour', published: '2024-03-05', categories: ['Plant'] }),
        'spring-report': postRecord({ title: 'Spring report', published: '2024-04-01' }),
        draft: postRecord({ title: 'Not yet', published: '2024-01-01', draft: true }),
        later: postRecord({ title: 'Far future', published: '2999-01-01' }),
      },
      media: { 'plant.png': PNG, 'icon.png': PNG, 'unlinked file.txt': 'only in the dataset', 'what?.txt': 'a question', 'a#b.txt': 'a hash' },
    });
    out = path.join(await mkdtemp(path.join(tmpdir(), 'pressroom-export-')), 'dist');
    exported = await run(process.execPath, ['--import', 'tsx', 'scripts/export.ts', '--out', out, '--data', dataDir, '--site-url', SITE_URL]);
    if (exported.code !== 0) throw new Error(`export failed:\n${exported.stdout}${exported.stderr}`);
    const loaded = await loadDataDir(dataDir);
    if (!loaded.ok) throw new Error('fixture data should be valid');
    app = createApp({ dataset: loaded.dataset, options: { siteUrl: SITE_URL, media: mediaFilesIn(dataDir) } });
    server = staticServer(out, parseHeaders(await readFile(path.join(out, '_headers'), 'utf8')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    staticUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    if (out) await removeDir(path.dirname(out));
    if (dataDir) await removeDir(dataDir);
  });

  it('says what it wrote', () => {
    expect(exported.stdout).toMatch(
      new RegExp(`^${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (\\d+) files for ${SITE_URL}/, with _headers, _redirects and 404.html: \\1 written, 0 unchanged, 0 removed, in [0-9.]+ s$`, 'm'),
    );
    expect(exported.stderr).toBe('');
  });

  it('writes the feeds, pages, posts, stylesheets and every dataset file, and nothing unpublished', async () => {
    const files = await filesBelow(out);
    for (const file of ['index.html', 'rss.xml', 'atom.xml', 'feed.json', 'style.css', '_headers', '_redirects', '404.html', 'media/plant.png', 'media/icon.png', 'media/unlinked file.txt', 'media/what?.txt', 'media/a#b.txt']) {
      expect(files).toContain(file);
    }
    for (const slug of ['board-meeting', 'new-plant', 'plant-tour', 'spring-report']) expect(files).toContain(`posts/${slug}/index.html`);
    for (const page of ['page/2/index.html', 'page/2/rss.xml', 'page/3/feed.json', 'categories/plant/index.html', 'categories/company-news/rss.xml']) {
      expect(files).toContain(page);
    }
    expect(files.filter((file) => /draft|later/.test(file))).toEqual([]);
    // No page is a file beside a folder of the same name: every page is a folder's index.
    expect(files.filter((file) => file.endsWith('.html') && !/(^|\/)index\.html$/.test(file))).toEqual(['404.html']);
  });

  it('serves, from the static host, the bytes, type and caching the app sends, at the same URLs', async () => {
    const files = (await filesBelow(out)).filter((file) => !file.startsWith('_') && !file.startsWith('.') && file !== '404.html');
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const urlPath = `/${file.replace(/(^|\/)index\.html$/, '$1')}`
        .split('/')
        .map(encodeURIComponent)
        .join('/');
      const [fromApp, fromHost] = await Promise.all([app.request(urlPath), fetch(`${staticUrl}${urlPath}`)]);
      expect({ urlPath, status: fromApp.status }).toEqual({ urlPath, status: 200 });
      expect(fromHost.status).toBe(200);
      expect(new Uint8Array(await fromHost.arrayBuffer())).toEqual(new Uint8Array(await fromApp.arrayBuffer()));
      expect(fromHost.headers.get('content-type')).toBe(fromApp.headers.get('content-type'));
      expect(fromHost.headers.get('cache-control')).toBe(fromApp.headers.get('cache-control'));
      expect(fromHost.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('follows paging links to pages of their own, and writes no address with a query', async () => {
    const rss = await (await app.request('/rss.xml')).text();
    const nextLink = /<atom:link\b[^>]*\brel="next"[^>]*>/.exec(rss)?.[0];
    const next = nextLink && /\bhref="([^"]+)"/.exec(nextLink)?.[1]?.replace(/&amp;/g, '&');
    expect(next).toBe(`${SITE_URL}/page/2/rss.xml`);
    const fromApp = new Uint8Array(await (await app.request('/page/2/rss.xml')).arrayBuffer());
    expect(new Uint8Array(await readFile(path.join(out, 'page', '2', 'rss.xml')))).toEqual(fromApp);
    const fromHost = await fetch(`${staticUrl}/page/2/rss.xml`);
    expect(fromHost.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect((await filesBelow(out)).filter((file) => file.includes('?'))).toEqual(['media/what?.txt']);
  });

  it('writes 404.html: the server\'s 404 page, saying no path', async () => {
    const fromApp = await app.request('/no/such/page');
    expect(fromApp.status).toBe(404);
    const served = (await fromApp.text()).replaceAll('Nothing is at /no/such/page.', STATIC_NOT_FOUND);
    expect(await readFile(path.join(out, '404.html'), 'utf8')).toBe(served);
  });

  it('writes the sitemap, robots.txt and the OPML list, linked from no page, as the app sends them', async () => {
    const rules = parseHeaders(await readFile(path.join(out, '_headers'), 'utf8'));
    const types = { '/sitemap.xml': 'application/xml; charset=utf-8', '/robots.txt': 'text/plain; charset=utf-8', '/feeds.opml': 'text/x-opml; charset=utf-8' };
    for (const [urlPath, type] of Object.entries(types)) {
      expect(rules.find((rule) => rule.pattern === urlPath)?.headers['content-type'], urlPath).toBe(type);
      const [fromApp, fromHost] = await Promise.all([app.request(urlPath), fetch(`${staticUrl}${urlPath}`)]);
      expect(fromApp.status).toBe(200);
      expect(fromHost.headers.get('content-type')).toBe(type);
      expect(new Uint8Array(await readFile(path.join(out, urlPath.slice(1))))).toEqual(new Uint8Array(await fromApp.arrayBuffer()));
    }
    expect(await readFile(path.join(out, 'robots.txt'), 'utf8')).toContain(`Sitemap: ${SITE_URL}/sitemap.xml`);
  });

  it('follows a split sitemap to its parts', () => {
    const index = `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n<sitemap><loc>${SITE_URL}/sitemap-1.xml</loc></sitemap>\n<sitemap><loc>${SITE_URL}/sitemap-2.xml</loc></sitemap>\n</sitemapindex>\n`;
    expect(linksIn(index, 'application/xml; charset=utf-8')).toEqual([`${SITE_URL}/sitemap-1.xml`, `${SITE_URL}/sitemap-2.xml`]);
  });

  const xmllint = findProgram('xmllint');
  it.skipIf(!xmllint)(`writes a sitemap valid against sitemap.xsd${skipped(!xmllint && 'xmllint (libxml2-utils) not installed')}`, async () => {
    const checked = await run(xmllint!, ['--noout', '--schema', path.join(SCHEMAS, 'sitemap.xsd'), path.join(out, 'sitemap.xml')]);
    expect({ code: checked.code, output: checked.stderr.trim() }).toEqual({ code: 0, output: expect.stringMatching(/validates$/) });
  });

  it('maps URLs to the files static hosts serve at them', () => {
    expect(fileFor('/', 'text/html; charset=utf-8')).toEqual({ file: 'index.html', servedAt: '/' });
    expect(fileFor('/posts/new-plant/', 'text/html')).toEqual({ file: 'posts/new-plant/index.html', servedAt: '/posts/new-plant/' });
    expect(fileFor('/categories/plant/rss.xml', 'application/rss+xml')).toEqual({
      file: 'categories/plant/rss.xml',
      servedAt: '/categories/plant/rss.xml',
    });
    expect(fileFor('/page/3/atom.xml', 'application/atom+xml')).toEqual({ file: 'page/3/atom.xml', servedAt: '/page/3/atom.xml' });
    expect(fileFor('/media/a%20b.png', 'image/png')).toEqual({ file: 'media/a b.png', servedAt: '/media/a%20b.png' });
    expect(() => fileFor('/media/..%2F..%2Fetc', 'text/plain')).toThrow(/cannot be a file name/);
    expect(() => fileFor('/rss.xml?page=2', 'application/rss+xml')).toThrow(/a URL with a query cannot be a file/);
    expect(() => fileFor('/feeds/', 'application/rss+xml')).toThrow(/only a page may end in "\/"/);
  });

  describe('_redirects', () => {
    let redirects = '';
    beforeAll(async () => {
      redirects = await readFile(path.join(out, '_redirects'), 'utf8');
    });

    /** Where a chain of moves ends, from the server or from `_redirects`, and how many moves it took. */
    const followServer = async (url: string) => {
      let at = url;
      for (let hops = 0; hops < 4; hops++) {
        const res = await app.request(at);
        if (res.status !== 301) return { at, status: res.status, hops };
        at = (res.headers.get('location') ?? '').slice(SITE_URL.length);
      }
      throw new Error(`${url}: moved more than 4 times`);
    };
    const followFile = (url: string) => {
      let at = url;
      let hops = 0;
      for (let move = redirectOf(redirects, at); move; move = redirectOf(redirects, at)) {
        expect(move.status).toBe(301);
        at = move.to;
        if (++hops > 4) throw new Error(`${url}: _redirects moves it more than 4 times`);
      }
      return { at, hops };
    };

    it('reads as Netlify reads it: placeholders, splats, query conditions, the first match', () => {
      const rules = '# a comment\n/a/:x /b/:x/ 301\n/c/* /d/:splat 301\n/ page=:page /page/:page/ 301\n/ /never 302\n';
      expect(redirectOf(rules, '/a/one')).toEqual({ to: '/b/one/', status: 301 });
      expect(redirectOf(rules, '/a/one/')).toBeUndefined();
      expect(redirectOf(rules, '/c/x/y.xml')).toEqual({ to: '/d/x/y.xml', status: 301 });
      expect(redirectOf(rules, '/?page=3')).toEqual({ to: '/page/3/', status: 301 });
      expect(redirectOf(rules, '/?q=1')).toEqual({ to: '/never?q=1', status: 302 });
    });

    it('holds every move the server makes, to the same address, and nothing the server serves', async () => {
      const files = await filesBelow(out);
      const pages = files.filter((file) => file.endsWith('index.html')).map((file) => `/${file.slice(0, -'index.html'.length)}`);
      const feeds = files.filter((file) => /(^|\/)(rss\.xml|atom\.xml|feed\.json)$/.test(file)).map((file) => `/${file}`);
      const older: string[] = [];
      for (const page of pages) {
        if (page !== '/') older.push(page.slice(0, -1)); // without its final slash
        const paged = /^(.*\/)page\/(\d+)\/$/.exec(page);
        if (paged) {
          older.push(`${paged[1]}?page=${paged[2]}`);
          if (paged[1] !== '/') older.push(`${paged[1]!.slice(0, -1)}?page=${paged[2]}`);
        } else if (!page.startsWith('/posts/')) {
          older.push(`${page}?page=1`, `${page}page/1/`, `${page}page/1`);
        }
      }
      for (const feed of feeds) {
        const paged = /^(.*\/)page\/(\d+)\/([^/]+)$/.exec(feed);
        if (paged) older.push(`${paged[1]}${paged[3]}?page=${paged[2]}`);
        else older.push(`${feed}?page=1`, feed.replace(/([^/]+)$/, 'page/1/$1'));
      }
      // Other spellings of a category, at its page, its feeds and its pages.
      for (const spelling of ['Company-News', 'Company%20News']) {
        older.push(`/categories/${spelling}`, `/categories/${spelling}/`, `/categories/${spelling}/rss.xml`, `/categories/${spelling}/page/2/`, `/categories/${spelling}/page/2/feed.json`);
      }
      expect(older.length).toBeGreaterThan(80);
      const mismatches: string[] = [];
      for (const url of older) {
        const server = await followServer(url);
        const file = followFile(url);
        if (server.hops === 0) mismatches.push(`${url}: the server does not move it (${server.status})`);
        else if (server.status !== 200) mismatches.push(`${url}: the server's move ends in ${server.status}`);
        else if (file.at !== server.at) mismatches.push(`${url}: the server moves it to ${server.at}, _redirects to ${file.at}`);
      }
      expect(mismatches).toEqual([]);
      // No rule moves what the server serves.
      for (const served of [...pages, ...feeds]) expect(redirectOf(redirects, served), served).toBeUndefined();
    });

    it('says which lines Cloudflare Pages skips, and lists a move a post links to only when no rule holds it', () => {
      expect(redirects).toMatch(/^# Older pages as a query \(\?page=2\): Netlify reads these lines; Cloudflare Pages skips them\.$/m);
      // The old post links /posts/board-meeting: the rule for pages without their slash holds it.
      expect(redirects).not.toContain('/posts/board-meeting /posts/board-meeting/');
      expect(redirectOf(redirects, '/posts/board-meeting')).toEqual({ to: '/posts/board-meeting/', status: 301 });
    });
  });
});
