/**
 * The sitemaps.org 0.9 sitemap of every published page: the home page, each post, each category's and
 * author's page. Pure: the caller hands in the posts published at its time, so the same data and time
 * give the same bytes.
 */
import type { Post } from '../posts/index.ts';
import { rfc3339 } from './dates.ts';
import { homePageUrl, listPageUrl, normalizeBaseUrl, postUrl } from './model.ts';
import type { NamedScope, Scopes } from './scopes.ts';
import { element, parentElement, xmlPrologue } from './xml-escape.ts';

export const SITEMAP_NAMESPACE = 'http://www.sitemaps.org/schemas/sitemap/0.9';

/** sitemaps.org: "no more than 50,000 URLs and must be no larger than 50MB (52,428,800 bytes)", uncompressed. */
export const SITEMAP_LIMITS = { maxUrls: 50_000, maxBytes: 52_428_800 } as const;

export interface SitemapLimits {
  /** URLs in one file; default 50,000. */
  maxUrls?: number;
  /** UTF-8 bytes of one file, before any compression; default 52,428,800. */
  maxBytes?: number;
}

export interface SitemapUrl {
  loc: string;
  /** When the page last changed: the newest `updated` among the posts it shows. */
  lastmod?: Date;
}

export interface SitemapInput {
  baseUrl: string;
  /** The posts published at `at`, newest first (`PublishedPosts.at(at)`). */
  posts: readonly Post[];
  scopes: Scopes;
  /** The time the posts were taken at: a category or author with no post published by then has no page yet. */
  at: Date;
}

/** What the renderers need: every URL, already split into files that keep within the limits. */
export interface SitemapModel {
  baseUrl: string;
  /**
   * One entry per file. With one, `/sitemap.xml` is that urlset; with more, `/sitemap.xml` is a sitemap
   * index and file `n` (from 1) is served at {@link sitemapPartUrl}.
   */
  files: SitemapUrl[][];
}

/** `/sitemap.xml`, below the site's base: the address robots.txt names. */
export const SITEMAP_PATH = '/sitemap.xml';

/**
 * Where part `n` of a split sitemap lives: beside `/sitemap.xml`, at the site's root. sitemaps.org, "Sitemap
 * file location": a sitemap may only list URLs below its own folder, so `/sitemaps/1.xml` could not list
 * `/posts/…`.
 */
export const sitemapPartPath = (n: number): string => `/sitemap-${n}.xml`;

export const sitemapUrl = (baseUrl: string): string => `${normalizeBaseUrl(baseUrl)}${SITEMAP_PATH}`;
export const sitemapPartUrl = (baseUrl: string, n: number): string => `${normalizeBaseUrl(baseUrl)}${sitemapPartPath(n)}`;

/** How many part files a split sitemap has; 0 when `/sitemap.xml` holds every URL itself. */
export const sitemapPartCount = (model: SitemapModel): number => (model.files.length > 1 ? model.files.length : 0);

const newest = (posts: readonly Post[]): Date | undefined => {
  let time = -Infinity;
  for (const post of posts) time = Math.max(time, post.updated.getTime());
  return Number.isFinite(time) ? new Date(time) : undefined;
};

const withLastmod = (loc: string, lastmod: Date | undefined): SitemapUrl => (lastmod ? { loc, lastmod } : { loc });

/**
 * Every published page, in a stable order: home, posts newest first, categories, then authors in order of
 * first use. Pages of older posts (`/page/2/`) are left out: each post is listed itself, and they change
 * with every new post.
 */
export function sitemapUrls(input: SitemapInput): SitemapUrl[] {
  const baseUrl = normalizeBaseUrl(input.baseUrl);
  const urls: SitemapUrl[] = [withLastmod(homePageUrl(baseUrl), newest(input.posts))];
  for (const post of input.posts) urls.push({ loc: postUrl(baseUrl, post.slug), lastmod: post.updated });
  const scopePage = (scope: NamedScope) => {
    const posts = scope.posts.at(input.at);
    // A name whose posts are all scheduled answers 404 until the first is due.
    if (posts.length) urls.push(withLastmod(listPageUrl(baseUrl, scope.path), newest(posts)));
  };
  for (const scope of input.scopes.bySlug.category.values()) scopePage(scope);
  for (const scope of input.scopes.bySlug.author.values()) scopePage(scope);
  return urls;
}

const URLSET_OPEN = `${xmlPrologue()}<urlset xmlns="${SITEMAP_NAMESPACE}">\n`;
const URLSET_CLOSE = '</urlset>\n';
const INDEX_OPEN = `${xmlPrologue()}<sitemapindex xmlns="${SITEMAP_NAMESPACE}">\n`;
const INDEX_CLOSE = '</sitemapindex>\n';

/** sitemaps.org: `lastmod` in W3C Datetime; RFC 3339 in UTC is one of its profiles. */
const urlEntry = (name: 'url' | 'sitemap', url: SitemapUrl): string =>
  `${parentElement(name, element('loc', url.loc) + element('lastmod', url.lastmod && rfc3339(url.lastmod)))}\n`;

const encoder = new TextEncoder();
const utf8Length = (text: string): number => encoder.encode(text).length;

/**
 * Splits the URLs into files of at most `maxUrls` URLs and `maxBytes` bytes each, filled in order.
 * A single URL larger than the byte limit (impossible below 2048 characters) still gets a file.
 */
export function buildSitemapModel(input: SitemapInput, limits: SitemapLimits = {}): SitemapModel {
  const maxUrls = limits.maxUrls ?? SITEMAP_LIMITS.maxUrls;
  const maxBytes = limits.maxBytes ?? SITEMAP_LIMITS.maxBytes;
  const room = maxBytes - utf8Length(URLSET_OPEN + URLSET_CLOSE);
  const files: SitemapUrl[][] = [];
  let current: SitemapUrl[] = [];
  let bytes = 0;
  for (const url of sitemapUrls(input)) {
    const size = utf8Length(urlEntry('url', url));
    if (current.length && (current.length >= maxUrls || bytes + size > room)) {
      files.push(current);
      current = [];
      bytes = 0;
    }
    current.push(url);
    bytes += size;
  }
  files.push(current);
  return { baseUrl: normalizeBaseUrl(input.baseUrl), files };
}

const renderUrlset = (urls: readonly SitemapUrl[]): string =>
  URLSET_OPEN + urls.map((url) => urlEntry('url', url)).join('') + URLSET_CLOSE;

/**
 * `/sitemap.xml`: the one urlset, or, once the URLs fill more than one file, a sitemap index naming each
 * part with the newest `lastmod` in it.
 */
export function renderSitemap(model: SitemapModel): string {
  if (model.files.length <= 1) return renderUrlset(model.files[0] ?? []);
  // The index has the same limits, but 50,000 parts of 50,000 URLs is beyond any newsroom.
  const parts = model.files.map((urls, i) => {
    let time = -Infinity;
    for (const url of urls) if (url.lastmod) time = Math.max(time, url.lastmod.getTime());
    return withLastmod(sitemapPartUrl(model.baseUrl, i + 1), Number.isFinite(time) ? new Date(time) : undefined);
  });
  return INDEX_OPEN + parts.map((part) => urlEntry('sitemap', part)).join('') + INDEX_CLOSE;
}

/** Part `n` (from 1) of a split sitemap, or undefined when there is no such part (a 404). */
export function renderSitemapPart(model: SitemapModel, n: number): string | undefined {
  if (model.files.length <= 1 || !Number.isInteger(n) || n < 1) return undefined;
  const urls = model.files[n - 1];
  return urls ? renderUrlset(urls) : undefined;
}
