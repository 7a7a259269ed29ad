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
  if (site.icon !== undefined) collect(links, siteFile, 'icon', site.icon, `${LOCAL}/`, siteUrlOf(site), false);
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
  const urls = urlsInHtml(post.content);
  // Each URL once; most posts have one or none, and no set is needed to say so.
  for (const url of urls.length > 1 ? new Set(urls) : urls) collect(links, post.file, 'content', url, base, siteUrl);
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

/**
 * Paths of URLs that resolve alike in every post, by URL text, for one site URL (the last one asked
 * about): the same image or link in thousands of posts is parsed once, and looked up by its own text
 * without a key made for it. Bounded: past this many, forgotten all at once.
 */
let alikePaths: { siteHref: string; paths: Map<string, string | undefined> } = { siteHref: '', paths: new Map() };
const ALIKE_PATHS_LIMIT = 10_000;

function collect(links: LocalLink[], file: string, field: string, url: string, base: string, siteUrl: URL | undefined, inPost = true): void {
  let path: string | undefined;
  if (inPost && resolvesAlikeInEveryPost(url)) {
    const siteHref = siteUrl?.href ?? '';
    if (alikePaths.siteHref !== siteHref) alikePaths = { siteHref, paths: new Map() };
    const { paths } = alikePaths;
    if (paths.has(url)) path = paths.get(url);
    else {
      if (paths.size >= ALIKE_PATHS_LIMIT) paths.clear();
      paths.set(url, (path = sitePath(url, base, siteUrl)));
    }
  } else path = sitePath(url, base, siteUrl);
  // Only the paths the data decides can be missing; the app's own routes are the app's business.
  if (path !== undefined && (path.startsWith('/media/') || path.startsWith('/posts/'))) links.push({ file, field, url, path });
}

/**
 * Whether `url` resolves to the same URL against every post's address (`/posts/<slug>`, a slug being
 * lowercase letters, digits and hyphens): all but a query alone (`?page=2`) and what the URL parser
 * strips to one (leading controls and spaces). An empty URL or a fragment alone is never judged.
 */
const resolvesAlikeInEveryPost = (url: string) => {
  const first = url.trim().charCodeAt(0);
  return first > 32 && first !== 63; // `?`
};

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
  // Nothing to decode, the common case: no new string for each link of each post.
  if (!pathname.includes('%')) return pathname;
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname; // malformed escape: not an encoded name, so look the file up as written
  }
}

/**
 * A URL-bearing attribute, quoted or not. Found in the whole fragment at once rather than tag by tag:
 * this runs over every post at every load, and a full start-tag grammar made it a quarter of the load.
 * `linkingAttributes` finds exactly what this finds, from the `=` signs, which are rare in text: the
 * pattern itself tries every position of every post.
 */
export const LINKING_ATTRIBUTE = /\s(href|src|srcset|poster)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi;

/** Every URL a reader's browser would follow or load from an HTML fragment: `href`, `src`, `poster`, `srcset`. */
export function urlsInHtml(html: string): string[] {
  const urls: string[] = [];
  for (const { index, name, value } of linkingAttributes(html)) {
    // Inside a tag only: `href="x"` in the text is words. (A `>` quoted earlier in the same tag hides
    // the attribute: a link left unjudged, never a false warning.)
    if (html.lastIndexOf('<', index) <= html.lastIndexOf('>', index)) continue;
    const decoded = decodeEntities(value);
    if (name === 'srcset') urls.push(...srcsetCandidates(decoded).map((candidate) => candidate.url));
    else urls.push(decoded);
  }
  return urls;
}

/** One match of `LINKING_ATTRIBUTE`: where it starts (the space), the name lowered, the value as written. */
export interface LinkingAttribute {
  index: number;
  name: 'href' | 'src' | 'srcset' | 'poster';
  value: string;
}

const NAMES = ['href', 'src', 'srcset', 'poster'] as const;
const [DQ, SQ] = [34, 39];

/** `\s` as JavaScript patterns read it. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Not in `[^\s"'=<>\`]`: what ends an unquoted value. */
const endsBareValue = (c: number) => isSpace(c) || c === DQ || c === SQ || c === 61 || c === 60 || c === 62 || c === 96;

/** Whether `name` (lowercase ASCII) ends just before `end`, ASCII case ignored, as the pattern's `i` flag reads. */
function endsWithName(html: string, end: number, name: string): boolean {
  const start = end - name.length;
  if (start < 1) return false; // the space before it is needed too
  for (let j = 0; j < name.length; j++) {
    const c = html.charCodeAt(start + j);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== name.charCodeAt(j)) return false;
  }
  return true;
}

/**
 * The matches of `LINKING_ATTRIBUTE` in `html`, in order. Every match has exactly one `=`, and each `=`
 * belongs to at most one possible match (the name and spaces before it are fixed), so reading back from
 * each `=` finds the same matches; one that starts inside the previous match is skipped, as the
 * pattern resumes after its last match.
 */
export function linkingAttributes(html: string): LinkingAttribute[] {
  const found: LinkingAttribute[] = [];
  let resume = 0;
  for (let equals = html.indexOf('='); equals >= 0; equals = html.indexOf('=', equals + 1)) {
    let nameEnd = equals;
    while (nameEnd > 0 && isSpace(html.charCodeAt(nameEnd - 1))) nameEnd--;
    const name = NAMES.find((candidate) => endsWithName(html, nameEnd, candidate));
    if (!name) continue;
    const index = nameEnd - name.length - 1;
    if (index < resume || !isSpace(html.charCodeAt(index))) continue;
    let start = equals + 1;
    while (start < html.length && isSpace(html.charCodeAt(start))) start++;
    const first = html.charCodeAt(start);
    let value: string;
    let end: number;
    if (first === DQ || first === SQ) {
      const close = html.indexOf(first === DQ ? '"' : "'", start + 1);
      if (close < 0) continue;
      value = html.slice(start + 1, close);
      end = close + 1;
    } else {
      end = start;
      while (end < html.length && !endsBareValue(html.charCodeAt(end))) end++;
      if (end === start) continue;
      value = html.slice(start, end);
    }
    found.push({ index, name, value });
    resume = end;
    equals = end - 1;
  }
  return found;
}
