import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { absoluteUrl } from '../feeds/absolute-urls.ts';
import { FEED_FORMATS, FEED_MEDIA_TYPES, type FeedItem } from '../feeds/model.ts';
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

const longDate = (date: Date) =>
  date.toLocaleDateString('en-GB', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });

function layout(context: PageContext, title: string, body: Html, canonical: string, paging?: ListPaging): Html {
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
<meta name="description" content="${context.site.description}">
<link rel="canonical" href="${canonical}">
${around}${alternates}
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

const dateline = (context: PageContext, item: FeedItem) =>
  html`<time datetime="${item.published.toISOString()}">${longDate(item.published)}</time> · ${bylineOf(context, item).map(
    (name, n) => html`${n ? ', ' : ''}${nameLink(name, context.authorUrl(name), 'author')}`,
  )}`;

const categoryList = (context: PageContext, item: FeedItem) =>
  item.categories.length
    ? html`<p class="categories">${item.categories.map((c) => html`${nameLink(c, context.categoryUrl(c), 'category')} `)}</p>`
    : '';

const postList = (context: PageContext, items: readonly FeedItem[], empty: string) =>
  items.length
    ? html`<ol class="posts">${items.map(
        (item) => html`
<li><article><h2><a href="${item.url}">${item.title}</a></h2>
<p class="meta">${dateline(context, item)}</p>
<p>${item.summary}</p>
${categoryList(context, item)}</article></li>`,
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
  items: readonly FeedItem[],
  browse: { categories: readonly ScopeLink[]; authors: readonly ScopeLink[] } = { categories: [], authors: [] },
  paging?: ListPaging,
): Html {
  return layout(
    context,
    pageTitle(context.site.title, paging),
    html`<h1>${context.site.title}</h1><p class="lede">${context.site.description}</p>${postList(context, items, 'No posts yet.')}${pager(paging)}
${scopeNav('Categories', browse.categories)}${scopeNav('Authors', browse.authors)}`,
    paging ? paging.urlOf(paging.page) : `${context.baseUrl}/`,
    paging,
  );
}

/**
 * A category's or author's page: one page of its posts, newest first, and its own feeds.
 * @param [paging] - where these posts are among the pages; absent when they are all of them
 */
export function scopePage(
  context: PageContext,
  scope: { kind: 'category' | 'author'; name: string; url: string; description: string },
  items: readonly FeedItem[],
  paging?: ListPaging,
): Html {
  return layout(
    context,
    `${pageTitle(scope.name, paging)} – ${context.site.title}`,
    html`<p class="eyebrow">${scope.kind === 'category' ? 'Category' : 'Author'}</p>
<h1>${scope.name}</h1><p class="lede">${scope.description}</p>${postList(context, items, 'No posts yet.')}${pager(paging)}`,
    paging ? paging.urlOf(paging.page) : scope.url,
    paging,
  );
}

/**
 * `contentHtml` is the publisher's HTML as the feeds carry it: sanitised (no scripts, styles, handlers
 * or unsafe URLs; see src/feeds/sanitize.ts) and its relative URLs made absolute against the post's URL.
 */
export function postPage(context: PageContext, item: FeedItem): Html {
  return layout(
    context,
    `${item.title} – ${context.site.title}`,
    html`<article lang="${item.language ?? context.site.language}">
<h1>${item.title}</h1>
<p class="meta">${dateline(context, item)}</p>
${categoryList(context, item)}
<div class="content">${raw(item.contentHtml)}</div>
</article>`,
    item.url,
  );
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
.content img,.content video{max-width:100%;height:auto}
.content figure{margin:1.5rem 0}
.content figcaption{color:var(--muted);font-size:.9rem}
.content pre{overflow-x:auto}
/* Chromium's XSLT deprecation notice: the feed's CSP blocks its inline style, so ours docks it at the foot. */
xslt-warning-banner{inset:auto 0 0 0;margin:0;width:auto;max-width:none;border:0;border-top:1px solid var(--line);background:var(--panel);color:var(--fg);padding:.5rem 1rem;font-size:.85rem}
xslt-warning-banner a{color:var(--accent)}
@media (max-width:30rem){body{font-size:1rem}header.site nav a{margin:0 .75rem 0 0}.posts h2{font-size:1.15rem}}
`;
