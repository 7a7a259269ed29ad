/**
 * `npm run export`: the site as static files, served by a plain static file server that follows the
 * conventions of Cloudflare Pages and Netlify (`/x` → `x.html`, `_headers`), compared with the app.
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
import { fileFor, linksIn } from '../../scripts/export.ts';
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

/** A static host: the file at the path, else `path.html`, else `path/index.html`; headers from `_headers`. */
function staticServer(root: string, rules: ReturnType<typeof parseHeaders>): Server {
  return createServer(async (request, response) => {
    const urlPath = new URL(request.url ?? '/', 'http://static').pathname;
    const local = path.join(root, ...decodeURIComponent(urlPath).split('/'));
    for (const candidate of [local, `${local}.html`, path.join(local, 'index.html')]) {
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
        'board-meeting': postRecord({ title: 'Board meeting', published: '2024-02-01', categories: ['Board'] }),
        'new-plant': postRecord({ title: 'New plant', published: '2024-03-01', categories: ['Plant'], image: { url: '../media/plant.png' } }),
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
    expect(exported.stdout).toMatch(new RegExp(`^${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ files for ${SITE_URL}/, with _headers$`, 'm'));
    expect(exported.stderr).toBe('');
  });

  it('writes the feeds, pages, posts, stylesheets and every dataset file, and nothing unpublished', async () => {
    const files = await filesBelow(out);
    for (const file of ['index.html', 'rss.xml', 'atom.xml', 'feed.json', 'style.css', '_headers', 'media/plant.png', 'media/icon.png', 'media/unlinked file.txt', 'media/what?.txt', 'media/a#b.txt']) {
      expect(files).toContain(file);
    }
    for (const slug of ['board-meeting', 'new-plant', 'plant-tour', 'spring-report']) expect(files).toContain(`posts/${slug}.html`);
    expect(files.filter((file) => /draft|later/.test(file))).toEqual([]);
  });

  it('serves, from the static host, the bytes, type and caching the app sends, at the same URLs', async () => {
    const files = (await filesBelow(out)).filter((file) => !file.startsWith('_') && !file.startsWith('page/') && !file.includes('/page/'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const urlPath = `/${file.replace(/(^|\/)index\.html$/, '$1').replace(/\.html$/, '')}`
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

  it('follows paging links and writes each page under a path of its own', async () => {
    const rss = await (await app.request('/rss.xml')).text();
    const nextLink = /<atom:link\b[^>]*\brel="next"[^>]*>/.exec(rss)?.[0];
    const next = nextLink && /\bhref="([^"]+)"/.exec(nextLink)?.[1]?.replace(/&amp;/g, '&');
    expect(next, 'the RSS feed links to its second page').toBeDefined();
    const query = new URL(next as string).search;
    const { file, servedAt } = fileFor(`/rss.xml${query}`, 'application/rss+xml; charset=utf-8');
    expect(query).toBe('?page=2');
    expect(file).toBe('page/2/rss.xml');
    const fromApp = new Uint8Array(await (await app.request(`/rss.xml${query}`)).arrayBuffer());
    expect(new Uint8Array(await readFile(path.join(out, ...file.split('/'))))).toEqual(fromApp);
    const fromHost = await fetch(`${staticUrl}${servedAt}`);
    expect(fromHost.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(exported.stdout).toMatch(/URLs carry a query .*written under paths of their own/);
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
    expect(fileFor('/posts/new-plant', 'text/html')).toEqual({ file: 'posts/new-plant.html', servedAt: '/posts/new-plant' });
    expect(fileFor('/categories/plant/rss.xml', 'application/rss+xml')).toEqual({
      file: 'categories/plant/rss.xml',
      servedAt: '/categories/plant/rss.xml',
    });
    expect(fileFor('/atom.xml?page=3', 'application/atom+xml')).toEqual({ file: 'page/3/atom.xml', servedAt: '/page/3/atom.xml' });
    expect(fileFor('/?page=2', 'text/html')).toEqual({ file: 'page/2/index.html', servedAt: '/page/2/' });
    expect(fileFor('/media/a%20b.png', 'image/png')).toEqual({ file: 'media/a b.png', servedAt: '/media/a%20b.png' });
    expect(() => fileFor('/media/..%2F..%2Fetc', 'text/plain')).toThrow(/cannot be a file name/);
  });
});
