/**
 * `npm run export -- --out dist/ [--data ./data] [--site-url https://news.example.com]`: the whole site
 * as static files, byte for byte what the server sends, plus `_headers` (Cloudflare Pages and Netlify
 * format) for the types and caching a file extension cannot say.
 *
 * No route is listed here: the app is crawled in-process from `/`, following every same-origin link in
 * pages (href, src), feeds (atom:link incl. paging, RSS link, enclosures, the xml-stylesheet) and JSON
 * Feed (feed_url, next_url, item urls, images) and the sitemap (loc), plus every file of the dataset and
 * what is fetched by a well-known name (`/sitemap.xml`, `/robots.txt`, `/feeds.opml`). Whatever the app
 * grows, the export follows.
 *
 * URL → file: `/` → `index.html`; an HTML page without an extension, `/posts/x` → `posts/x.html`, since
 * Cloudflare Pages, Netlify and GitHub Pages serve `x.html` at `/x` itself, where `x/index.html` earns a
 * redirect to `/x/`, a URL the pages do not link to; everything else keeps its path. A query cannot be
 * part of a static file's URL: `/rss.xml?page=2` is written to `page/2/rss.xml` (each name=value pair
 * a folder pair before the file name), and reported, since links carrying the query reach page 1 there.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Hono } from 'hono';
import { loadDataDir } from '../src/node/data-folder.ts';
import { dataLimitsOrExit } from './data-limits.ts';
import { normalizeBaseUrl } from '../src/feeds/model.ts';
import { SITEMAP_PATH } from '../src/feeds/sitemap.ts';
import { decodeEntities } from '../src/posts/entities.ts';
import { sanitizingOncePerPost } from '../src/feeds/sanitize.ts';
import { createApp } from '../src/http/app.ts';
import { mediaFilesIn } from '../src/node/media-files.ts';
import { isHttpUrl, problemReport, type Dataset } from '../src/posts/index.ts';

/** Headers a static host sets by itself, from the file: copying ours would be wrong or duplicated. */
const HOST_HEADERS = new Set(['content-length', 'content-encoding', 'etag', 'last-modified', 'vary', 'date']);
const REDIRECTS = new Set([301, 302, 307, 308]);

export interface ExportedFile {
  /** The URL path and query the server answers, below the site's base: `/rss.xml?page=2`. */
  url: string;
  /** Where the bytes went, relative to the output folder, `/`-separated: `page/2/rss.xml`. */
  file: string;
  /** The URL path a static host serves the file at: `/page/2/rss.xml`, `/posts/x`. */
  servedAt: string;
  contentType: string;
  headers: Record<string, string>;
  bytes: Uint8Array;
}

export interface ExportResult {
  files: ExportedFile[];
  redirects: { from: string; to: string; status: number }[];
  /** Links the app makes that answer neither 200 nor a redirect: the export fails on any. */
  broken: { url: string; status: number; linkedFrom: string }[];
  /** URLs with a query, written under a path of their own. */
  queried: ExportedFile[];
}

/** Crawls the app and returns every file it would write; pure apart from the app's own clock. */
export async function crawlSite(app: Hono, dataset: Dataset, siteUrl: string): Promise<ExportResult> {
  const base = new URL(`${normalizeBaseUrl(siteUrl)}/`);
  const seen = new Set<string>();
  const queue: { url: string; linkedFrom: string }[] = [];
  const enqueue = (url: string, linkedFrom: string) => {
    if (seen.has(url)) return;
    seen.add(url);
    queue.push({ url, linkedFrom });
  };
  enqueue('/', '(start)');
  // What crawlers and readers ask for by a well-known name, linked from no page; the sitemap's parts follow from its <loc>s.
  for (const start of [SITEMAP_PATH, '/robots.txt', '/feeds.opml']) enqueue(start, '(start)');
  // Each segment encoded whole: a '?' or '#' in a file name is part of the name, not a query or fragment.
  for (const assetPath of dataset.assets.keys()) enqueue(assetPath.split('/').map(encodeURIComponent).join('/'), '(dataset)');

  const result: ExportResult = { files: [], redirects: [], broken: [], queried: [] };
  while (queue.length) {
    const { url, linkedFrom } = queue.shift() as { url: string; linkedFrom: string };
    const response = await app.request(url);
    const here = new URL(url.slice(1), base);
    const local = (link: string) => localUrl(link, here, base);
    if (REDIRECTS.has(response.status)) {
      const to = local(response.headers.get('Location') ?? '');
      if (to === undefined) {
        result.broken.push({ url, status: response.status, linkedFrom });
        continue;
      }
      result.redirects.push({ from: url, to, status: response.status });
      enqueue(to, url);
      continue;
    }
    if (response.status !== 200) {
      result.broken.push({ url, status: response.status, linkedFrom });
      continue;
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const contentType = response.headers.get('Content-Type') ?? 'application/octet-stream';
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!HOST_HEADERS.has(name)) headers[name] = value;
    });
    const { file, servedAt } = fileFor(url, contentType);
    const exported = { url, file, servedAt, contentType, headers, bytes };
    result.files.push(exported);
    if (url.includes('?')) result.queried.push(exported);
    for (const link of linksIn(new TextDecoder().decode(bytes), contentType)) {
      const target = local(link);
      if (target !== undefined) enqueue(target, url);
    }
  }
  return result;
}

/** A link as the app path it names (`/posts/x?page=2`), or undefined when it leaves the site. */
function localUrl(link: string, documentUrl: URL, base: URL): string | undefined {
  if (!link || !URL.canParse(link, documentUrl)) return undefined;
  const target = new URL(link, documentUrl);
  if (target.origin !== base.origin || !target.pathname.startsWith(base.pathname)) return undefined;
  return `/${target.pathname.slice(base.pathname.length)}${target.search}`;
}

/** Every URL a crawler should follow in a page, a feed or a JSON Feed. */
export function linksIn(text: string, contentType: string): string[] {
  if (/json/.test(contentType)) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return []; // not ours to judge: the app's JSON tests guard its syntax
    }
    return jsonFeedLinks(json);
  }
  // An XSLT stylesheet's href="{…}" are templates for the feed it styles, not links of its own.
  if (!/html|xml/.test(contentType) || /xslt/.test(contentType)) return [];
  const links: string[] = [];
  // href and src in pages; href in atom:link and the xml-stylesheet instruction; url in RSS enclosures.
  for (const match of text.matchAll(/\s(?:href|src|url)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    links.push(decodeEntities(match[1] ?? match[2] ?? ''));
  }
  // RSS <link> and <comments>, and a sitemap's <loc>, are element text.
  if (/xml/.test(contentType)) {
    for (const match of text.matchAll(/<(?:link|comments|loc)>([^<]*)<\/(?:link|comments|loc)>/g)) {
      links.push(decodeEntities(match[1] ?? '').trim());
    }
  }
  return links;
}

/** JSON Feed 1.1's URL members: feed_url, next_url, home_page_url, icon, favicon, url, image… */
function jsonFeedLinks(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return /(^|_)(url|image|icon|favicon)$/.test(key) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => jsonFeedLinks(item, key));
  if (value && typeof value === 'object') {
    // content_html holds the publisher's HTML: its links are content, not the feed's structure.
    return Object.entries(value).flatMap(([name, member]) => (name === 'content_html' ? [] : jsonFeedLinks(member, name)));
  }
  return [];
}

/** Where a URL's bytes go, and the URL path a static host then serves them at (see the file's comment). */
export function fileFor(url: string, contentType: string): { file: string; servedAt: string } {
  const [pathPart = '/', query = ''] = url.split(/\?(.*)/s);
  const segments = pathPart.split('/').slice(1).map((segment) => decodeURIComponent(segment));
  let name = segments.pop() ?? '';
  const isHtml = contentType.startsWith('text/html');
  if (name === '') name = 'index.html';
  else if (isHtml && !/\.[a-z0-9]+$/i.test(name)) name = `${name}.html`;
  const queryFolders = query
    ? query.split('&').flatMap((pair) => {
        const [key = '', value = ''] = pair.split('=').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
        return [key, value];
      })
    : [];
  const parts = [...segments, ...queryFolders, name];
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..' || part.includes('/') || part.includes('\\')) {
      throw new Error(`${url}: cannot be a file name (segment ${JSON.stringify(part)})`);
    }
  }
  const file = parts.join('/');
  const servedAt = `/${parts.slice(0, -1).map(encodeURIComponent).join('/')}${parts.length > 1 ? '/' : ''}${
    name === 'index.html' ? '' : encodeURIComponent(isHtml ? name.replace(/\.html$/, '') : name)
  }`;
  return { file, servedAt };
}

/**
 * `_headers` with one rule per URL: Cloudflare Pages merges every rule that matches a path, so
 * overlapping splats would send a header twice. Pages reads at most 100 rules: a folder whose files all
 * carry the same headers gets one `/folder/*` rule instead of one per file.
 */
export function headersFile(files: readonly ExportedFile[]): string {
  const rules: { pattern: string; headers: Record<string, string> }[] = [];
  const signature = (headers: Record<string, string>) => JSON.stringify(Object.entries(headers).sort());
  const visit = (prefix: string, inFolder: readonly ExportedFile[]) => {
    const direct = inFolder.filter((f) => !f.servedAt.slice(prefix.length).includes('/'));
    const folders = new Map<string, ExportedFile[]>();
    for (const f of inFolder) {
      const rest = f.servedAt.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash < 0) continue;
      const folder = `${prefix}${rest.slice(0, slash + 1)}`;
      folders.set(folder, [...(folders.get(folder) ?? []), f]);
    }
    for (const f of direct) rules.push({ pattern: f.servedAt, headers: f.headers });
    for (const [folder, below] of folders) {
      const first = below[0];
      // A splat also matches the folder's own URL: only safe when no file is served there.
      const folderServed = direct.some((f) => `${f.servedAt}/` === folder);
      if (first && !folderServed && below.every((f) => signature(f.headers) === signature(first.headers))) {
        rules.push({ pattern: `${folder}*`, headers: first.headers });
      } else {
        visit(folder, below);
      }
    }
  };
  visit('/', files.filter((f) => f.servedAt !== '/'));
  const root = files.find((f) => f.servedAt === '/');
  if (root) rules.unshift({ pattern: '/', headers: root.headers });
  return rules
    .map(({ pattern, headers }) => [pattern, ...Object.entries(headers).map(([name, value]) => `  ${canonicalName(name)}: ${value}`)].join('\n'))
    .join('\n\n')
    .concat('\n');
}

const canonicalName = (name: string) => name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());

/** Writes the crawl into `out`, emptied first, and `_headers` (and `_redirects` when the app redirects). */
export async function writeExport(result: ExportResult, out: string): Promise<void> {
  await rm(out, { recursive: true, force: true });
  for (const file of result.files) {
    const target = path.join(out, ...file.file.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.bytes);
  }
  await writeFile(path.join(out, '_headers'), headersFile(result.files));
  if (result.redirects.length) {
    const lines = result.redirects.map(({ from, to, status }) => `${fileFor(from, '').servedAt} ${fileFor(to, 'text/html').servedAt} ${status}`);
    await writeFile(path.join(out, '_redirects'), `${lines.join('\n')}\n`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'dist' }, data: { type: 'string' }, 'site-url': { type: 'string' } },
  });
  const dataDir = values.data ?? process.env.DATA_DIR ?? './data';
  // The server's limits, so that the export holds what the server would serve.
  const loaded = await loadDataDir(dataDir, { limits: dataLimitsOrExit() });
  for (const line of problemReport(loaded.problems, loaded.postFiles)) console.error(line);
  if (!loaded.ok) process.exit(1);
  const siteUrl = values['site-url'] ?? (process.env.SITE_URL || undefined) ?? loaded.dataset.site.url;
  // A static file cannot learn the address it is served from: every feed link needs it up front.
  if (!siteUrl || !isHttpUrl(siteUrl)) {
    console.error(
      `A static export needs the site's public address: set SITE_URL, --site-url or "url" in site.json to an absolute http(s) URL${siteUrl ? `, not ${JSON.stringify(siteUrl)}` : ''}.`,
    );
    process.exit(1);
  }
  // Static hosts compress for themselves: identity bytes only, so no compressor runs.
  const app = createApp({ dataset: loaded.dataset, options: { safeContent: sanitizingOncePerPost(), siteUrl, compressors: {}, media: mediaFilesIn(dataDir) } });
  const result = await crawlSite(app, loaded.dataset, siteUrl);
  for (const { url, status, linkedFrom } of result.broken) console.error(`${url}: answered ${status} (linked from ${linkedFrom})`);
  if (result.broken.length) process.exit(1);
  await writeExport(result, values.out);
  console.log(`${values.out}: ${result.files.length} files for ${normalizeBaseUrl(siteUrl)}/, with _headers`);
  if (result.queried.length) {
    console.log(
      `${result.queried.length} URLs carry a query (${result.queried[0]?.url}${result.queried.length > 1 ? ', …' : ''}): written under paths of their own ` +
        `(${result.queried[0]?.file}); a static host answers the query URL itself with the file at its path.`,
    );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
