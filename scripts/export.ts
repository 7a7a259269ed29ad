/**
 * `npm run export -- --out site/ [--data ./data] [--site-url https://news.example.com]`: the whole site
 * as static files, byte for byte what the server sends, that any static host serves as they are (nginx
 * with only `root`, S3, GitHub Pages, `python3 -m http.server`), plus `_headers` and `_redirects`
 * (Cloudflare Pages and Netlify format) and `404.html`.
 *
 * No route is listed here: the app is crawled in-process from `/`, following every same-origin link in
 * pages (href, src), feeds (atom:link incl. paging, RSS link, enclosures, the xml-stylesheet) and JSON
 * Feed (feed_url, next_url, item urls, images) and the sitemap (loc), plus every file of the dataset and
 * what is fetched by a well-known name (`/sitemap.xml`, `/robots.txt`, `/feeds.opml`). Whatever the app
 * grows, the export follows.
 *
 * URL → file: every page's URL ends in `/` (`/`, `/posts/x/`, `/categories/x/page/2/`) and is written
 * as that folder's `index.html`, which every static host serves at the folder's URL; everything else
 * keeps its path (`/page/2/rss.xml`). A URL with a query cannot be a file: the app links to none, and one
 * a post links to is reported, not written.
 *
 * The output folder is the export's own: it writes `.pressroom-export` there, the list of what it
 * wrote, and refuses a folder that holds other files and no such list. Exporting again rewrites only
 * the files whose bytes changed (their mtimes stay), removes the ones it wrote before that are gone, and
 * never touches a file it did not write.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Hono } from 'hono';
import { loadDataDir } from '../src/node/data-folder.ts';
import { dataLimitsOrExit } from './data-limits.ts';
import { FEED_FILES, FEED_FORMATS, normalizeBaseUrl } from '../src/feeds/model.ts';
import { SCOPE_FOLDERS, buildScopes } from '../src/feeds/scopes.ts';
import { slugify } from '../src/feeds/slugs.ts';
import { SITEMAP_PATH } from '../src/feeds/sitemap.ts';
import { decodeEntities } from '../src/posts/entities.ts';
import { sanitizingOncePerPost } from '../src/feeds/sanitize.ts';
import { createApp } from '../src/http/app.ts';
import { staticNotFoundPage } from '../src/http/routes/lists.ts';
import { mediaFilesIn } from '../src/node/media-files.ts';
import { isHttpUrl, plural, problemReport, type Dataset } from '../src/posts/index.ts';

/** Headers a static host sets by itself, from the file: copying ours would be wrong or duplicated. */
const HOST_HEADERS = new Set(['content-length', 'content-encoding', 'etag', 'last-modified', 'vary', 'date']);
const REDIRECTS = new Set([301, 302, 307, 308]);
/** The list of what the export wrote, in the output folder: what makes the folder the export's own. */
export const MANIFEST = '.pressroom-export';

export interface ExportedFile {
  /** The URL path the server answers, below the site's base: `/page/2/rss.xml`, `/posts/x/`. */
  url: string;
  /** Where the bytes go, relative to the output folder, `/`-separated: `page/2/rss.xml`, `posts/x/index.html`. */
  file: string;
  /** The URL path a static host serves the file at: the URL itself. */
  servedAt: string;
  contentType: string;
  headers: Record<string, string>;
}

export interface ExportResult {
  /** Every file, in crawl order; the bytes went to `onFile` as each was fetched. */
  files: ExportedFile[];
  /** Moves the crawl met (a post linking an older address): each gets a line of `_redirects`. */
  redirects: { from: string; to: string; status: number }[];
  /** Links the app makes that answer neither 200 nor a redirect: the export fails on any. */
  broken: { url: string; status: number; linkedFrom: string }[];
  /** Links with a query that answer 200: a static host answers them with the file at the path alone. */
  queried: { url: string; linkedFrom: string }[];
}

export interface CrawlOptions {
  /** Given each file's bytes as it is fetched, so that a large site is never held in memory whole. */
  onFile?: (file: ExportedFile, bytes: Uint8Array) => void | Promise<void>;
  /** Told how many URLs were fetched and how many are known, now and then. */
  onProgress?: (done: number, known: number) => void;
}

/** Crawls the app; pure apart from the app's own clock and what `onFile` does. */
export async function crawlSite(app: Hono, dataset: Dataset, siteUrl: string, options: CrawlOptions = {}): Promise<ExportResult> {
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
  const decoder = new TextDecoder();
  // An index, not shift(): a queue of tens of thousands of URLs would be copied on every step.
  for (let next = 0; next < queue.length; next++) {
    const { url, linkedFrom } = queue[next]!;
    if (next % 200 === 0) options.onProgress?.(next, queue.length);
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
    if (url.includes('?')) {
      // Not written: its bytes would go where the URL without its query is, which has its own.
      await response.body?.cancel();
      result.queried.push({ url, linkedFrom });
      continue;
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const contentType = response.headers.get('Content-Type') ?? 'application/octet-stream';
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!HOST_HEADERS.has(name)) headers[name] = value;
    });
    const exported = { url, ...fileFor(url, contentType), contentType, headers };
    result.files.push(exported);
    await options.onFile?.(exported, bytes);
    if (!FOLLOWED_TYPES.test(contentType)) continue;
    for (const link of linksIn(decoder.decode(bytes), contentType)) {
      const target = local(link);
      if (target !== undefined) enqueue(target, url);
    }
  }
  options.onProgress?.(queue.length, queue.length);
  return result;
}

/** The types whose links the crawl follows (see `linksIn`); media files are not read at all. */
const FOLLOWED_TYPES = /html|xml|json/;

/** A link as the app path it names (`/posts/x/`), or undefined when it leaves the site. */
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

/**
 * Where a URL's bytes go: a URL ending in `/` is that folder's `index.html`, any other its own path. A
 * static host then serves the file at the URL itself, with no rule of its own.
 */
export function fileFor(url: string, contentType: string): { file: string; servedAt: string } {
  if (url.includes('?')) throw new Error(`${url}: a URL with a query cannot be a file`);
  const segments = url.split('/').slice(1).map((segment) => decodeURIComponent(segment));
  const isHtml = contentType.startsWith('text/html');
  if (segments.at(-1) === '') {
    if (!isHtml) throw new Error(`${url}: only a page may end in "/", and this is ${contentType}`);
    segments[segments.length - 1] = 'index.html';
  }
  for (const part of segments) {
    if (part === '' || part === '.' || part === '..' || part.includes('/') || part.includes('\\')) {
      throw new Error(`${url}: cannot be a file name (segment ${JSON.stringify(part)})`);
    }
  }
  return { file: segments.join('/'), servedAt: url };
}

/**
 * `_headers` with one rule per URL: Cloudflare Pages merges every rule that matches a path, so
 * overlapping splats would send a header twice. Pages reads at most 100 rules: a folder whose files all
 * carry the same headers gets one `/folder/*` rule instead of one per file. A feed's `Link` header names
 * the feed itself, so each feed and feed page keeps a rule of its own.
 */
export function headersFile(files: readonly ExportedFile[]): string {
  const rules: { pattern: string; headers: Record<string, string> }[] = [];
  const signature = (headers: Record<string, string>) => JSON.stringify(Object.entries(headers).sort());
  const visit = (prefix: string, inFolder: readonly ExportedFile[]) => {
    // A folder's own page (`/posts/x/`) is served at the folder's URL: it belongs to the folder, not in it.
    const direct = inFolder.filter((f) => f.servedAt === prefix || !f.servedAt.slice(prefix.length).includes('/'));
    const folders = new Map<string, ExportedFile[]>();
    for (const f of inFolder) {
      if (f.servedAt === prefix) continue;
      const rest = f.servedAt.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash < 0) continue;
      const folder = `${prefix}${rest.slice(0, slash + 1)}`;
      const list = folders.get(folder);
      if (list) list.push(f);
      else folders.set(folder, [f]);
    }
    for (const f of direct) rules.push({ pattern: f.servedAt, headers: f.headers });
    for (const [folder, below] of folders) {
      const first = below[0];
      // A splat matches the folder's page too: one rule when every file below, that page included, agrees.
      if (first && below.every((f) => signature(f.headers) === signature(first.headers))) {
        rules.push({ pattern: `${folder}*`, headers: first.headers });
      } else {
        visit(folder, below);
      }
    }
  };
  visit('/', files.filter((f) => f.servedAt !== '/'));
  // Folder rules first, then one rule a file: Cloudflare Pages reads the first 100, and a folder's rule
  // covers the most files (every post's page, every media file).
  rules.sort((a, b) => Number(!a.pattern.endsWith('*')) - Number(!b.pattern.endsWith('*')));
  const root = files.find((f) => f.servedAt === '/');
  if (root) rules.unshift({ pattern: '/', headers: root.headers });
  return rules
    .map(({ pattern, headers }) => [pattern, ...Object.entries(headers).map(([name, value]) => `  ${canonicalName(name)}: ${value}`)].join('\n'))
    .join('\n\n')
    .concat('\n');
}

const canonicalName = (name: string) => name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());

/**
 * `_redirects` (Netlify and Cloudflare Pages): every move the server makes, as rules a host applies
 * before it looks for a file. Lines matching a query (`/rss.xml page=:page …`) are Netlify's; Cloudflare
 * Pages skips a line of four fields, and reads at most 2,000 static and 100 dynamic lines.
 * @param moves - moves the crawl met (a post linking an older address): those no rule covers get a line
 */
export function redirectsFile(dataset: Dataset, now: Date, moves: ExportResult['redirects'] = []): string {
  const scopes = buildScopes(dataset);
  const spellings: string[] = [];
  for (const kind of ['category', 'author'] as const) {
    const bySlug = scopes.bySlug[kind];
    for (const scope of bySlug.values()) {
      if (scope.posts.countAt(now) === 0) continue; // a name with only scheduled posts answers 404
      for (const spelling of otherSpellings(scope.name, scope.slug)) {
        if (bySlug.has(spelling)) continue; // another name's own slug
        const from = `/${SCOPE_FOLDERS[kind]}/${encodeURIComponent(spelling)}`;
        spellings.push(`${from} ${scope.path}/ 301`, `${from}/ ${scope.path}/ 301`, `${from}/* ${scope.path}/:splat 301`);
      }
    }
  }
  const scoped = (rule: (at: string) => string[]) => Object.values(SCOPE_FOLDERS).flatMap((folder) => rule(`/${folder}/:slug`));
  const feeds = (at: string, to: string) => FEED_FORMATS.map((f) => `${at}/${FEED_FILES[f]} page=:page ${to}/${FEED_FILES[f]} 301`);
  const rules = [
    ...(spellings.length ? ['# Other spellings of a category or author: the server moves them to the one it uses.', ...spellings] : []),
    '# Page 1 of a list or a feed is the list or the feed itself.',
    '/page/1/ / 301',
    '/page/1/:file /:file 301',
    ...scoped((at) => [`${at}/page/1/ ${at}/ 301`, `${at}/page/1/:file ${at}/:file 301`]),
    '# Older pages as a query (?page=2): Netlify reads these lines; Cloudflare Pages skips them.',
    '/ page=:page /page/:page/ 301',
    ...feeds('', '/page/:page'),
    ...scoped((at) => [`${at} page=:page ${at}/page/:page/ 301`, `${at}/ page=:page ${at}/page/:page/ 301`, ...feeds(at, `${at}/page/:page`)]),
    '# Pages without their final slash, as links to this site were once written.',
    '/posts/:slug /posts/:slug/ 301',
    '/page/:page /page/:page/ 301',
    ...scoped((at) => [`${at} ${at}/ 301`, `${at}/page/:page ${at}/page/:page/ 301`]),
  ];
  // A move from a query is one of the query rules; a line cannot name a query.
  const covered = redirectRules(rules.join('\n'));
  const uncovered = moves.filter(({ from, to }) => !from.includes('?') && covered(from)?.to !== to);
  const met = uncovered.map(({ from, to, status }) => `${from} ${to} ${status}`);
  return [...(met.length ? ['# Older addresses that links in posts use.', ...met] : []), ...rules].join('\n').concat('\n');
}

/**
 * Where `_redirects` sends a request, by the first line that matches it, as Netlify reads the file: a
 * path with `:name` placeholders (one segment) and a final `*` (`:splat`), then `name=value` conditions
 * on the query, where `:name` takes the value. A rule without conditions passes the query on.
 * @param url - the path and query asked for, percent-encoded as sent: `/categories/Company%20News?page=2`
 */
export function redirectOf(redirects: string, url: string): { to: string; status: number } | undefined {
  return redirectRules(redirects)(url);
}

/** `redirectOf` with the file read once, for many look-ups. */
export function redirectRules(redirects: string): (url: string) => { to: string; status: number } | undefined {
  const rules = redirects.split('\n').flatMap((line) => {
    const fields = line.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) return [];
    const status = /^\d{3}!?$/.test(fields.at(-1) ?? '') ? Number.parseInt(fields.pop() as string, 10) : 301;
    const [from = '', ...conditions] = fields;
    const to = conditions.pop() ?? '';
    const pattern = from
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:([A-Za-z]\w*)/g, '(?<$1>[^/]+)'))
      .join('(?<splat>.*)');
    return [{ path: new RegExp(`^${pattern}$`), conditions: conditions.map((c) => c.split('=') as [string, string]), to, status }];
  });
  return (url) => {
    const [pathPart = '', query = ''] = url.split(/\?(.*)/s);
    const asked = new URLSearchParams(query);
    for (const rule of rules) {
      const matched = rule.path.exec(pathPart);
      if (!matched) continue;
      const values: Record<string, string> = { ...matched.groups };
      let conditionsMet = true;
      for (const [name, wanted = ''] of rule.conditions) {
        const value = asked.get(name);
        if (value === null) conditionsMet = false;
        else if (wanted.startsWith(':')) values[wanted.slice(1)] = encodeURIComponent(value);
        else if (value !== wanted) conditionsMet = false;
      }
      if (!conditionsMet) continue;
      const target = rule.to.replace(/:([A-Za-z]\w*)/g, (whole, name: string) => values[name] ?? whole);
      return { to: rule.conditions.length || !query ? target : `${target}?${query}`, status: rule.status };
    }
    return undefined;
  };
}

/**
 * The spellings of a name people write, other than its slug, that the server moves to the slug: the
 * name with hyphens for its spaces (`Company-News`), and as written (`Company News`).
 */
function otherSpellings(name: string, slug: string): string[] {
  const candidates = new Set([name.trim().replace(/\s+/g, '-'), name]);
  return [...candidates].filter((spelling) => spelling !== slug && spelling !== '' && slugify(spelling) === slug);
}

interface ManifestEntry {
  size: number;
  sha256: string;
  mtimeMs: number;
}

export interface WriteReport {
  written: number;
  unchanged: number;
  removed: number;
}

/** Why the export will not write into a folder, in one line, for the publisher. */
export class ForeignFolderError extends Error {}

/** Writes at once, while the crawl goes on: the disk works while the app renders. */
const WRITE_CONCURRENCY = 32;

/**
 * Writes the files into `out`, a folder of the export's own: each file is written only when its bytes
 * differ from what is there (so a host uploading by mtime or hash sends only what changed), files of an
 * earlier export that are gone are removed, and nothing else is touched. Refuses, before writing, a
 * folder holding files and no manifest, or a file the manifest does not name where it would write.
 */
export class ExportFolder {
  readonly #out: string;
  #previous = new Map<string, ManifestEntry>();
  /** What is on disk now: every file's path, and the size and mtime of those the manifest names. */
  #present = new Set<string>();
  #onDisk = new Map<string, { size: number; mtimeMs: number }>();
  readonly #next = new Map<string, ManifestEntry>();
  readonly #folders = new Map<string, Promise<unknown>>();
  readonly #pending = new Set<Promise<void>>();
  #failure: unknown;
  readonly report: WriteReport = { written: 0, unchanged: 0, removed: 0 };

  private constructor(out: string) {
    this.#out = out;
  }

  /** Opens `out` for an export, or throws ForeignFolderError with the one-line reason. */
  static async open(out: string): Promise<ExportFolder> {
    const folder = new ExportFolder(out);
    const info = await stat(out).catch(() => undefined);
    if (info && !info.isDirectory()) throw new ForeignFolderError(`${out}: not a folder; choose a folder of the export's own, such as --out site`);
    const present = info ? await filesIn(out) : [];
    const manifestText = await readFile(path.join(out, MANIFEST), 'utf8').catch(() => undefined);
    if (manifestText === undefined) {
      if (present.length) {
        const shown = present.slice(0, 3).join(', ') + (present.length > 3 ? ', …' : '');
        throw new ForeignFolderError(
          `${out}: holds ${plural(present.length, 'file')} the export did not write (${shown}); it writes only into an empty folder or one it wrote before, such as --out site`,
        );
      }
      return folder;
    }
    folder.#previous = parseManifest(manifestText, out);
    folder.#present = new Set(present);
    const ours = present.filter((file) => folder.#previous.has(file));
    for (let start = 0; start < ours.length; start += 64) {
      await Promise.all(
        ours.slice(start, start + 64).map(async (file) => {
          const found = await stat(path.join(out, ...file.split('/')));
          folder.#onDisk.set(file, { size: found.size, mtimeMs: found.mtimeMs });
        }),
      );
    }
    return folder;
  }

  /** Writes one file, unless it already holds these bytes; returns once the write is under way. */
  async put(file: string, bytes: Uint8Array): Promise<void> {
    if (this.#failure) throw this.#failure;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const before = this.#previous.get(file);
    if (!before && this.#present.has(file)) {
      throw new ForeignFolderError(`${path.join(this.#out, ...file.split('/'))}: not written by the export, and it would overwrite it; move it away or choose another folder`);
    }
    const onDisk = this.#onDisk.get(file);
    if (before && onDisk && before.sha256 === sha256 && onDisk.size === before.size && onDisk.mtimeMs === before.mtimeMs) {
      this.#next.set(file, before);
      this.report.unchanged++;
      return;
    }
    while (this.#pending.size >= WRITE_CONCURRENCY) await Promise.race(this.#pending);
    const job = this.#write(file, bytes, sha256).then(
      () => void this.#pending.delete(job),
      (error: unknown) => {
        this.#failure ??= error;
        this.#pending.delete(job);
      },
    );
    this.#pending.add(job);
  }

  async #write(file: string, bytes: Uint8Array, sha256: string): Promise<void> {
    const target = path.join(this.#out, ...file.split('/'));
    const dir = path.dirname(target);
    let made = this.#folders.get(dir);
    if (!made) this.#folders.set(dir, (made = mkdir(dir, { recursive: true })));
    await made;
    await writeFile(target, bytes);
    const written = await stat(target);
    this.#next.set(file, { size: written.size, sha256, mtimeMs: written.mtimeMs });
    this.report.written++;
  }

  async #settle(): Promise<void> {
    await Promise.all(this.#pending);
    if (this.#failure) throw this.#failure;
  }

  /**
   * After a failed crawl: keeps every file, the earlier export's and this one's, in the manifest, and
   * removes nothing, so that the next export knows them all.
   */
  async abandon(): Promise<void> {
    await Promise.all(this.#pending);
    for (const [file, entry] of this.#previous) if (!this.#next.has(file)) this.#next.set(file, entry);
    await this.#writeManifest();
  }

  /** Removes what an earlier export wrote and this one did not, then writes the manifest. */
  async finish(): Promise<WriteReport> {
    await this.#settle();
    for (const file of this.#previous.keys()) {
      if (this.#next.has(file)) continue;
      const target = path.join(this.#out, ...file.split('/'));
      await rm(target, { force: true });
      this.report.removed++;
      // Folders the removal emptied go too; a folder holding anything else stays (rmdir refuses it).
      for (let dir = path.dirname(target); dir.startsWith(this.#out + path.sep); dir = path.dirname(dir)) {
        if (!(await rmdir(dir).then(() => true, () => false))) break;
      }
    }
    await this.#writeManifest();
    return this.report;
  }

  async #writeManifest(): Promise<void> {
    const manifest = {
      about: 'The files npm run export wrote here, so that it can update them and never touch others. Delete the folder to start afresh.',
      files: Object.fromEntries([...this.#next].sort(([a], [b]) => (a < b ? -1 : 1))),
    };
    const temporary = path.join(this.#out, `${MANIFEST}.tmp`);
    await mkdir(this.#out, { recursive: true });
    await writeFile(temporary, `${JSON.stringify(manifest)}\n`);
    await rename(temporary, path.join(this.#out, MANIFEST));
  }
}

function parseManifest(text: string, out: string): Map<string, ManifestEntry> {
  try {
    const parsed = JSON.parse(text) as { files?: Record<string, ManifestEntry> };
    if (parsed && typeof parsed.files === 'object' && parsed.files) return new Map(Object.entries(parsed.files));
  } catch {
    // reported below, in one line
  }
  throw new ForeignFolderError(`${path.join(out, MANIFEST)}: not a list the export wrote; delete the folder or choose another`);
}

/** Every file below `dir`, `/`-separated, the manifest apart. */
async function filesIn(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await filesIn(dir, name)));
    else if (name !== MANIFEST && name !== `${MANIFEST}.tmp`) found.push(name);
  }
  return found;
}

/** A line that rewrites itself on a terminal; nothing at all when the output is a file or a pipe. */
function progressLine(stream: NodeJS.WriteStream): { show: (text: string) => void; clear: () => void } {
  if (!stream.isTTY) return { show: () => {}, clear: () => {} };
  let last = 0;
  return {
    show(text) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      stream.write(`\r\x1b[K${text}`);
    },
    clear: () => stream.write('\r\x1b[K'),
  };
}

export interface ExportSummary {
  files: number;
  report: WriteReport;
  result: ExportResult;
}

/** The whole export: crawl, write each file as it comes, then `_headers`, `_redirects`, `404.html` and the manifest. */
export async function exportSite(app: Hono, dataset: Dataset, siteUrl: string, out: string, now = new Date()): Promise<ExportSummary> {
  const folder = await ExportFolder.open(out);
  const progress = progressLine(process.stderr);
  let result: ExportResult;
  try {
    result = await crawlSite(app, dataset, siteUrl, {
      onFile: (file, bytes) => folder.put(file.file, bytes),
      onProgress: (done, known) => progress.show(`exporting: ${done} of ${known} URLs found so far`),
    });
  } catch (error) {
    await folder.abandon();
    throw error;
  } finally {
    progress.clear();
  }
  if (result.broken.length) {
    await folder.abandon();
    return { files: result.files.length, report: folder.report, result };
  }
  const text = new TextEncoder();
  await folder.put('_headers', text.encode(headersFile(result.files)));
  await folder.put('_redirects', text.encode(redirectsFile(dataset, now, result.redirects)));
  await folder.put('404.html', text.encode(staticNotFoundPage(dataset.site, normalizeBaseUrl(siteUrl))));
  const report = await folder.finish();
  return { files: result.files.length + 3, report, result };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'site' }, data: { type: 'string' }, 'site-url': { type: 'string' } },
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
  const started = performance.now();
  // Static hosts compress for themselves: identity bytes only, so no compressor runs.
  const app = createApp({ dataset: loaded.dataset, options: { safeContent: sanitizingOncePerPost(), siteUrl, compressors: {}, media: mediaFilesIn(dataDir) } });
  let summary: ExportSummary;
  try {
    summary = await exportSite(app, loaded.dataset, siteUrl, values.out);
  } catch (error) {
    if (!(error instanceof ForeignFolderError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const { result, report } = summary;
  for (const { url, status, linkedFrom } of result.broken) console.error(`${url}: answered ${status} (linked from ${linkedFrom})`);
  if (result.broken.length) {
    console.error('The export is incomplete and nothing was removed: fix the links above and export again.');
    process.exit(1);
  }
  for (const { url, linkedFrom } of result.queried) {
    console.error(`${url} (linked from ${linkedFrom}): not written, since a static host answers it with ${url.split('?')[0]} and ignores the query   [warning]`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${values.out}: ${summary.files} files for ${normalizeBaseUrl(siteUrl)}/, with _headers, _redirects and 404.html: ` +
      `${report.written} written, ${report.unchanged} unchanged, ${report.removed} removed, in ${seconds} s`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
