import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { absoluteUrl } from '../feeds/absolute-urls.ts';
import { FEED_FORMATS, FEED_MEDIA_TYPES, type FeedItem, type FeedItemWithContent } from '../feeds/model.ts';
import type { Site } from '../posts/index.ts';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** An empty icon: without one, browsers ask for /favicon.ico, which we do not have. */
const NO_ICON = 'data:,';

const FEED_NAMES = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' } as const;

export interface PageContext {
  site: Site;
  baseUrl: string;
  /** Absolute URLs of the feeds this page advertises: the site's, or its category's or author's. */
  feeds: Record<(typeof FEED_FORMATS)[number], string>;
  /** What those feeds are called in autodiscovery: the site's title, or `Site: Company News`. */
  feedTitle: string;
  /** The page of a category or author, by name as shown; undefined for a name without one. */
  categoryUrl: (name: string) => string | undefined;
  authorUrl: (name: string) => string | undefined;
}

/**
 * A post as a page shows it. `unpublished` only in preview: a draft, or a post scheduled for later,
 * which production pages and every feed leave out.
 */
export type PageItem<Item extends FeedItem = FeedItem> = Item & { unpublished?: 'draft' | 'scheduled' };

/** A category or author as the home page lists it. */
export interface ScopeLink {
  name: string;
  url: string;
  count: number;
}

/**
 * Where a list of posts is among its pages, newest first: page 1 is the list's own URL, `?page=N` the
 * older ones (as with feeds). Absent when one page holds the list.
 */
export interface ListPaging {
  page: number;
  pages: number;
  /** The absolute URL of a page of this list: its own URL for page 1, else with `?page=N`. */
  urlOf: (page: number) => string;
}

/** The pages either side of this one, as URLs: `prev` is newer posts, `next` older (HTML's rel names). */
const neighbours = (paging: ListPaging | undefined) => ({
  prev: paging && paging.page > 1 ? paging.urlOf(paging.page - 1) : undefined,
  next: paging && paging.page < paging.pages ? paging.urlOf(paging.page + 1) : undefined,
});

/** `Company News – Example News` on page 1, `Company News, page 2 – Example News` after it. */
const pageTitle = (name: string, paging: ListPaging | undefined) => (paging && paging.page > 1 ? `${name}, page ${paging.page}` : name);

/** `17 January 2022`, the day it is in the site's time zone. */
const longDate = (date: Date, timeZone: string) =>
  date.toLocaleDateString('en-GB', { year: 'numeric', month: 'long', day: 'numeric', timeZone });

/** `3 July 2024 at 09:00 GMT-7`: a scheduled post's time, to the minute, with the zone it is in. */
const longDateTime = (date: Date, timeZone: string) =>
  date.toLocaleString('en-GB', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  });

/**
 * What a page says about itself to whoever links to it: search results, chat previews and social
 * cards read `description`, Open Graph (https://ogp.me/) and Twitter's card tags.
 */
interface PageHead {
  title: string;
  description: string;
  /** Absent on a 404: it has no URL of its own to name. */
  canonical?: string;
  paging?: ListPaging | undefined;
  /** Open Graph; a list is a `website`, a post an `article` with its picture and dates. */
  share?: { type: 'website' } | { type: 'article'; item: FeedItem };
  /** Kept out of search results: a 404, a preview of what is not published. */
  noindex?: boolean;
}

function shareTags(context: PageContext, head: PageHead): Html | string {
  const { share, canonical } = head;
  if (!share || !canonical) return '';
  const image = share.type === 'article' ? share.item.image : undefined;
  const meta = (property: string, content: string | undefined) =>
    content === undefined ? '' : html`<meta property="${property}" content="${content}">
`;
  const named = (name: string, content: string) => html`<meta name="${name}" content="${content}">
`;
  return html`${meta('og:type', share.type)}${meta('og:site_name', context.site.title)}${meta('og:title', share.type === 'article' ? share.item.title : head.title)}${meta('og:description', head.description)}${meta('og:url', canonical)}${
    image ? html`${meta('og:image', image.url)}${meta('og:image:alt', image.alt || undefined)}` : ''
  }${
    share.type === 'article'
      ? html`${meta('article:published_time', share.item.published.toISOString())}${meta('article:modified_time', share.item.updated.toISOString())}`
      : ''
  }${named('twitter:card', image ? 'summary_large_image' : 'summary')}`;
}

function layout(context: PageContext, head: PageHead, body: Html): Html {
  const { title, canonical, paging } = head;
  const around = Object.entries(neighbours(paging))
    .filter(([, url]) => url !== undefined)
    .map(([rel, url]) => html`<link rel="${rel}" href="${url}">\n`);
  const alternates = FEED_FORMATS.map(
    (format) =>
      html`<link rel="alternate" type="${FEED_MEDIA_TYPES[format]}" title="${context.feedTitle} (${FEED_NAMES[format]})" href="${context.feeds[format]}">`,
  );
  const feedLinks = (separator: string) =>
    FEED_FORMATS.map((f, n) => html`${n ? separator : ''}<a href="${context.feeds[f]}">${FEED_NAMES[f]}</a>`);
  return html`<!doctype html>
<html lang="${context.site.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${head.description}">
${head.noindex ? html`<meta name="robots" content="noindex">\n` : ''}${canonical ? html`<link rel="canonical" href="${canonical}">\n` : ''}${shareTags(context, head)}${around}${alternates}
<link rel="stylesheet" href="${context.baseUrl}/style.css">
<link rel="icon" href="${context.site.icon ? absoluteUrl(context.site.icon, `${context.baseUrl}/`, context.baseUrl) : NO_ICON}">
</head>
<body>
<header class="site"><a class="site-title" href="${context.baseUrl}/">${context.site.title}</a>
<nav aria-label="Feeds">${feedLinks(' ')}</nav></header>
<main>
${body}
</main>
<footer class="site"><p>Follow ${context.feedTitle} in a feed reader: copy the address of the ${feedLinks(', ')} feed into it.</p>
${context.site.copyright ? html`<p>${context.site.copyright}</p>` : ''}</footer>
</body>
</html>
`;
}

/** A name as a link to its page, or as text when it has none. */
const nameLink = (name: string, url: string | undefined, className: string) =>
  url ? html`<a class="${className}" href="${url}">${name}</a>` : html`<span class="${className}">${name}</span>`;

/** The item's own authors, or the site's when it names none (as its feeds say). */
const bylineOf = (context: PageContext, item: FeedItem) =>
  item.authors.length ? item.authors.map((a) => a.name) : context.site.authors.map((a) => a.name);

/** In preview, what keeps a post from readers: said before anything else about it. */
const unpublishedMark = (context: PageContext, item: PageItem) =>
  item.unpublished === 'draft'
    ? html`<strong class="unpublished">Draft</strong> `
    : item.unpublished === 'scheduled'
      ? html`<strong class="unpublished">Scheduled for ${longDateTime(item.published, context.site.timeZone)}</strong> `
      : '';

const dateline = (context: PageContext, item: PageItem) =>
  html`${unpublishedMark(context, item)}<time datetime="${item.published.toISOString()}">${longDate(item.published, context.site.timeZone)}</time> · ${bylineOf(
    context,
    item,
  ).map((name, n) => html`${n ? ', ' : ''}${nameLink(name, context.authorUrl(name), 'author')}`)}`;

/**
 * The post's lead picture. Its size is unknown, so the stylesheet holds a 16:9 box until it loads
 * (`aspect-ratio: auto 16/9`) and lists crop it to that box.
 */
const leadImage = (item: FeedItem, className: string, lazy: boolean) =>
  item.image
    ? html`<img class="${className}" src="${item.image.url}" alt="${item.image.alt ?? ''}"${lazy ? raw(' loading="lazy"') : ''} decoding="async">`
    : '';

/**
 * Whether the body already shows the lead image: the feeds' body carries absolute URLs, so the same
 * picture has the same `src` (written with `&amp;` when it has a query).
 */
const bodyShows = (item: FeedItemWithContent, url: string) =>
  item.contentHtml.includes(`src="${url}"`) || item.contentHtml.includes(`src="${url.replace(/&/g, '&amp;')}"`);

const categoryList = (context: PageContext, item: FeedItem) =>
  item.categories.length
    ? html`<p class="categories">${item.categories.map((c) => html`${nameLink(c, context.categoryUrl(c), 'category')} `)}</p>`
    : '';

const postList = (context: PageContext, items: readonly PageItem[], empty: string) =>
  items.length
    ? html`<ol class="posts">${items.map(
        (item) => html`
<li><article${item.image ? raw(' class="with-image"') : ''}><div class="teaser"><h2><a href="${item.url}">${item.title}</a></h2>
<p class="meta">${dateline(context, item)}</p>
<p>${item.summary}</p>
${categoryList(context, item)}</div>${leadImage(item, 'thumb', true)}</article></li>`,
      )}
</ol>`
    : html`<p>${empty}</p>`;

/** Links to the newer and older pages of a list, when it has more than one. */
function pager(paging: ListPaging | undefined): Html | string {
  const { prev, next } = neighbours(paging);
  if (!prev && !next) return '';
  return html`
<nav class="pager" aria-label="Pages">${prev ? html`<a rel="prev" href="${prev}">Newer posts</a>` : ''}${
    next ? html`<a rel="next" href="${next}">Older posts</a>` : ''
  }</nav>`;
}

const scopeNav = (label: string, links: readonly ScopeLink[]) =>
  links.length
    ? html`<section class="topics" aria-label="${label}"><h2>${label}</h2><ul>${links.map(
        (link) => html`<li><a href="${link.url}">${link.name}</a> <span class="count">${link.count}</span></li>`,
      )}</ul></section>`
    : '';

/**
 * The home page: one page of the posts, newest first, then the categories and authors.
 * @param [paging] - where these posts are among the pages; absent when they are all of them
 */
export function indexPage(
  context: PageContext,
  items: readonly PageItem[],
  browse: { categories: readonly ScopeLink[]; authors: readonly ScopeLink[] } = { categories: [], authors: [] },
  paging?: ListPaging,
): Html {
  return layout(
    context,
    {
      title: pageTitle(context.site.title, paging),
      description: context.site.description,
      canonical: paging ? paging.urlOf(paging.page) : `${context.baseUrl}/`,
      paging,
      share: { type: 'website' },
      noindex: items.some((item) => item.unpublished),
    },
    html`<h1>${context.site.title}</h1><p class="lede">${context.site.description}</p>${postList(context, items, 'No posts yet.')}${pager(paging)}
${scopeNav('Categories', browse.categories)}${scopeNav('Authors', browse.authors)}`,
  );
}

/**
 * A category's or author's page: one page of its posts, newest first, and its own feeds.
 * @param [paging] - where these posts are among the pages; absent when they are all of them
 */
export function scopePage(
  context: PageContext,
  scope: { kind: 'category' | 'author'; name: string; url: string; description: string },
  items: readonly PageItem[],
  paging?: ListPaging,
): Html {
  return layout(
    context,
    {
      title: `${pageTitle(scope.name, paging)} – ${context.site.title}`,
      description: scope.description,
      canonical: paging ? paging.urlOf(paging.page) : scope.url,
      paging,
      share: { type: 'website' },
      noindex: items.some((item) => item.unpublished),
    },
    html`<p class="eyebrow">${scope.kind === 'category' ? 'Category' : 'Author'}</p>
<h1>${scope.name}</h1><p class="lede">${scope.description}</p>${postList(context, items, 'No posts yet.')}${pager(paging)}`,
  );
}

/**
 * `contentHtml` is the publisher's HTML as the feeds carry it: sanitised (no scripts, styles, handlers
 * or unsafe URLs; see src/feeds/sanitize.ts) and its relative URLs made absolute against the post's URL.
 */
export function postPage(context: PageContext, item: PageItem<FeedItemWithContent>): Html {
  const lead = item.image && !bodyShows(item, item.image.url) ? html`<figure class="lead">${leadImage(item, 'lead-image', false)}</figure>\n` : '';
  return layout(
    context,
    {
      title: `${item.title} – ${context.site.title}`,
      description: item.summary,
      canonical: item.url,
      share: { type: 'article', item },
      noindex: item.unpublished !== undefined,
    },
    html`<article lang="${item.language ?? context.site.language}">
<h1>${item.title}</h1>
<p class="meta">${dateline(context, item)}</p>
${categoryList(context, item)}
${lead}<div class="content">${raw(item.contentHtml)}</div>
</article>`,
  );
}

/**
 * The page for a path that names nothing, in the site's style: the reason in one sentence, and the
 * way home. Rendered synchronously, since a route decides 404 before it renders anything.
 */
export function notFoundPage(context: PageContext, reason: string): string {
  const page = layout(
    context,
    { title: `Not found – ${context.site.title}`, description: reason, noindex: true },
    html`<p class="eyebrow">404</p>
<h1>Nothing here</h1>
<p class="lede reason">${reason}</p>
<p><a href="${context.baseUrl}/">See the latest posts on ${context.site.title}</a></p>`,
  );
  // Nothing this page interpolates is a promise, so hono/html hands back the string itself.
  if (page instanceof Promise) throw new Error('the 404 page must render synchronously');
  return String(page);
}

/** Our only stylesheet, for the HTML pages and for feeds as the XSLT stylesheet shows them. */
export const STYLESHEET = `:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5f6368;--bg:#fff;--panel:#f3f5f8;--line:#dadce0;--accent:#0b57d0}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--muted:#9aa0a6;--bg:#121212;--panel:#1e2125;--line:#3c4043;--accent:#8ab4f8}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:1.05rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:break-word}
header.site,main,footer.site{max-width:44rem;margin:0 auto;padding:1rem}
header.site{display:flex;flex-wrap:wrap;gap:.5rem 1rem;justify-content:space-between;align-items:baseline;border-bottom:1px solid var(--line)}
footer.site{border-top:1px solid var(--line);color:var(--muted);font-size:.9rem;margin-top:2rem}
.site-title{font-weight:700;font-size:1.2rem;text-decoration:none;color:var(--fg)}
header.site nav a{margin-left:.75rem;font-size:.9rem}
a{color:var(--accent);text-underline-offset:.15em}
a:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
h1{line-height:1.2;margin:.5rem 0}
.eyebrow{margin:1rem 0 0;color:var(--muted);font-size:.85rem;text-transform:uppercase;letter-spacing:.06em}
.posts{list-style:none;padding:0}
.posts li{margin:0 0 2rem}
.posts h2{margin:0 0 .25rem;font-size:1.3rem;line-height:1.3}
.posts p{margin:.25rem 0}
.meta,.lede{color:var(--muted)}
.meta{font-size:.9rem;margin:.25rem 0}
.meta a{color:inherit}
.categories{margin:.5rem 0}
.category{display:inline-block;border:1px solid var(--line);border-radius:1rem;padding:0 .6rem;font-size:.85rem;text-decoration:none;margin:0 .25rem .25rem 0}
a.category:hover{border-color:var(--accent)}
.topics h2{font-size:1.1rem;margin:2rem 0 .5rem}
.topics ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}
.topics .count{color:var(--muted);font-size:.85rem}
.feed-notice{background:var(--panel);border:1px solid var(--line);border-radius:.5rem;padding:.25rem 1rem;margin:1rem 0}
.feed-url{display:block;padding:.5rem;background:var(--bg);border:1px solid var(--line);border-radius:.25rem;overflow-x:auto;white-space:nowrap;user-select:all}
.pager{display:flex;justify-content:space-between;gap:1rem;margin:2rem 0}
.pager a[rel=next]{margin-left:auto}
.posts article.with-image{display:grid;grid-template-columns:minmax(0,1fr) 9rem;gap:0 1rem;align-items:start}
.posts .thumb{display:block;width:100%;aspect-ratio:4/3;object-fit:cover;border-radius:.25rem;background:var(--panel);margin-top:.35rem}
.lead{margin:1rem 0 1.5rem}
.lead img{display:block;width:100%;height:auto;aspect-ratio:auto 16/9;object-fit:contain;border-radius:.25rem;background:var(--panel)}
.unpublished{display:inline-block;border:1px solid currentColor;border-radius:.25rem;padding:0 .4rem;margin-right:.25rem;font-size:.8rem;color:#b3261e}
@media (prefers-color-scheme:dark){.unpublished{color:#f2b8b5}}
.reason{font-size:1.1rem}
.content img,.content video{max-width:100%;height:auto}
.content figure{margin:1.5rem 0}
.content figcaption{color:var(--muted);font-size:.9rem}
.content pre{overflow-x:auto;background:var(--panel);padding:.75rem 1rem;border-radius:.25rem}
.content blockquote{margin:1rem 0;padding:0 1rem;border-left:3px solid var(--line);color:var(--muted)}
/* Chromium's XSLT deprecation notice: the feed's CSP blocks its inline style, so ours docks it at the foot. */
xslt-warning-banner{inset:auto 0 0 0;margin:0;width:auto;max-width:none;border:0;border-top:1px solid var(--line);background:var(--panel);color:var(--fg);padding:.5rem 1rem;font-size:.85rem}
xslt-warning-banner a{color:var(--accent)}
@media (max-width:30rem){body{font-size:1rem}header.site nav a{margin:0 .75rem 0 0}.posts h2{font-size:1.15rem}.posts article.with-image{grid-template-columns:minmax(0,1fr) 6rem}}
`;
