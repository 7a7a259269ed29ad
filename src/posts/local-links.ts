import type { Asset } from './load.ts';
import type { Problem } from './problems.ts';
import type { Post, Site } from './schema.ts';
import { srcsetCandidates } from './srcset.ts';
import { decodeEntities } from './entities.ts';

/**
 * Links and images that point into the site at something it does not serve: a file missing from
 * `media/`, a post that does not exist, or `media/x.png` written relative to a post (so it means
 * `/posts/media/x.png`). Warnings, not errors: the site works, one link of it does not.
 *
 * Only the paths the data decides are judged (`/media/…`, `/posts/…`); the app's own routes
 * (`/`, `/rss.xml`, `/categories/…`) are the app's business. Only site-local URLs: relative ones, and
 * absolute ones below the site's `url`.
 */
export function localLinkProblems(input: {
  site: Site;
  siteFile: string;
  posts: readonly Post[];
  assets: ReadonlyMap<string, Asset>;
}): Problem[] {
  const { site, siteFile, posts, assets } = input;
  const slugs = new Set(posts.map((post) => post.slug));
  const links = siteLocalLinks(site, siteFile);
  const siteUrl = siteUrlOf(site);
  for (const post of posts) links.push(...(postLocalLinks(post, siteUrl) ?? []));
  return judgeLocalLinks(links, slugs, assets);
}

/**
 * A URL of the data that names a path the data decides (`/media/…`, `/posts/…`): found once per post
 * (the parsing is the costly part), judged against the slugs and media of each version.
 */
export interface LocalLink {
  file: string;
  field: string;
  url: string;
  path: string;
}

/** The site's own URLs resolve against its root, as the app reads them. */
export function siteLocalLinks(site: Site, siteFile: string): LocalLink[] {
  const links: LocalLink[] = [];
  if (site.icon !== undefined) collect(links, siteFile, 'icon', site.icon, `${LOCAL}/`, siteUrlOf(site));
  return links;
}

/**
 * A post's links into the data (image, attachments, content, in that order); undefined when it has none.
 * @param siteUrl - `siteUrlOf(site)`
 */
export function postLocalLinks(post: Post, siteUrl: URL | undefined): LocalLink[] | undefined {
  const links: LocalLink[] = [];
  const base = `${LOCAL}/posts/${post.slug}`;
  if (post.image) collect(links, post.file, 'image.url', post.image.url, base, siteUrl);
  post.attachments?.forEach((attachment, i) => collect(links, post.file, `attachments.${i}.url`, attachment.url, base, siteUrl));
  for (const url of new Set(urlsInHtml(post.content))) collect(links, post.file, 'content', url, base, siteUrl);
  return links.length ? links : undefined;
}

/** The links that point at nothing the site serves, as warnings, in the order given. */
export function judgeLocalLinks(
  links: Iterable<LocalLink>,
  slugs: { has: (slug: string) => boolean },
  assets: ReadonlyMap<string, Asset>,
): Problem[] {
  const problems: Problem[] = [];
  for (const { file, field, url, path } of links) {
    const missing = whatIsMissing(path, slugs, assets);
    if (!missing) continue;
    const inMedia = path.indexOf('/media/');
    const suggestion = inMedia > 0 && assets.has(decodePath(path.slice(inMedia))) ? path.slice(inMedia) : undefined;
    const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
    problems.push({ file, path: field, message: `"${url}" resolves to ${path}, which is ${missing}${hint}`, severity: 'warning' });
  }
  return problems;
}

/** The site's `url`, parsed: absolute links below it are local too. */
export const siteUrlOf = (site: Pick<Site, 'url'>) => (site.url === undefined ? undefined : new URL(site.url));

function collect(links: LocalLink[], file: string, field: string, url: string, base: string, siteUrl: URL | undefined): void {
  const path = sitePath(url, base, siteUrl);
  // Only the paths the data decides can be missing; the app's own routes are the app's business.
  if (path !== undefined && (path.startsWith('/media/') || path.startsWith('/posts/'))) links.push({ file, field, url, path });
}

/** A host no real URL has: what a relative URL resolves to below it is a path of the site. */
const LOCAL = 'http://site.invalid';

/** The path below the site's root that `url` names, or undefined when it leaves the site. */
function sitePath(url: string, base: string, siteUrl: URL | undefined): string | undefined {
  const trimmed = url.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  let resolved: URL;
  try {
    resolved = new URL(trimmed, base);
  } catch {
    return undefined; // not a URL the schema checked (content is free HTML): the sanitiser judges it
  }
  if (resolved.origin === LOCAL) return resolved.pathname;
  if (!siteUrl || resolved.origin !== siteUrl.origin) return undefined;
  const root = siteUrl.pathname.replace(/\/+$/, '');
  if (resolved.pathname === root) return '/';
  return resolved.pathname.startsWith(`${root}/`) ? resolved.pathname.slice(root.length) : undefined;
}

function whatIsMissing(path: string, slugs: { has: (slug: string) => boolean }, assets: ReadonlyMap<string, Asset>): string | undefined {
  if (path.startsWith('/media/')) return assets.has(decodePath(path)) ? undefined : 'no file under media/';
  const slug = linkedSlug(path);
  if (slug !== undefined) return slugs.has(slug) ? undefined : 'no post';
  return undefined;
}

/** The slug a `/posts/…` path names: whether it is missing changes only when that slug comes or goes. */
export const linkedSlug = (path: string): string | undefined =>
  path.startsWith('/posts/') ? path.slice('/posts/'.length).replace(/\/$/, '') : undefined;

/** `/media/a%20b.png` names the file `media/a b.png`; a stray `%` names a file with a `%` in it. */
function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname; // malformed escape: not an encoded name, so look the file up as written
  }
}

/**
 * A URL-bearing attribute, quoted or not. Found in the whole fragment at once rather than tag by tag:
 * this runs over every post at every load, and a full start-tag grammar made it a quarter of the load.
 */
const LINKING_ATTRIBUTE = /\s(href|src|srcset|poster)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi;

/** Every URL a reader's browser would follow or load from an HTML fragment: `href`, `src`, `poster`, `srcset`. */
export function urlsInHtml(html: string): string[] {
  const urls: string[] = [];
  for (const match of html.matchAll(LINKING_ATTRIBUTE)) {
    // Inside a tag only: `href="x"` in the text is words. (A `>` quoted earlier in the same tag hides
    // the attribute: a link left unjudged, never a false warning.)
    if (html.lastIndexOf('<', match.index) <= html.lastIndexOf('>', match.index)) continue;
    const [, name = '', dq, sq, bare] = match;
    const value = decodeEntities(dq ?? sq ?? bare ?? '');
    if (name.toLowerCase() === 'srcset') urls.push(...srcsetCandidates(value).map((candidate) => candidate.url));
    else urls.push(value);
  }
  return urls;
}
