import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { FEED_FORMATS, FEED_MEDIA_TYPES, type FeedItem } from '../feeds/model.ts';
import type { Site } from '../posts/index.ts';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const FEED_NAMES = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' } as const;

export interface PageContext {
  site: Site;
  baseUrl: string;
  /** Absolute URLs of the feeds this page advertises. */
  feeds: Record<(typeof FEED_FORMATS)[number], string>;
}

const longDate = (date: Date) =>
  date.toLocaleDateString('en-GB', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });

function layout(context: PageContext, title: string, body: Html, canonical: string): Html {
  const alternates = FEED_FORMATS.map(
    (format) =>
      html`<link rel="alternate" type="${FEED_MEDIA_TYPES[format]}" title="${context.site.title} (${FEED_NAMES[format]})" href="${context.feeds[format]}">`,
  );
  return html`<!doctype html>
<html lang="${context.site.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${context.site.description}">
<link rel="canonical" href="${canonical}">
${alternates}
<link rel="stylesheet" href="${context.baseUrl}/style.css">
</head>
<body>
<header class="site"><a class="site-title" href="${context.baseUrl}/">${context.site.title}</a>
<nav aria-label="Feeds">${FEED_FORMATS.map((f) => html` <a href="${context.feeds[f]}">${FEED_NAMES[f]}</a>`)}</nav></header>
<main>
${body}
</main>
</body>
</html>
`;
}

const dateline = (item: FeedItem) =>
  html`<time datetime="${item.published.toISOString()}">${longDate(item.published)}</time>${
    item.authors.length ? html` · ${item.authors.map((a) => a.name).join(', ')}` : ''
  }`;

export function indexPage(context: PageContext, items: readonly FeedItem[]): Html {
  const list = items.length
    ? html`<ol class="posts">${items.map(
        (item) => html`
<li><article><h2><a href="${item.url}">${item.title}</a></h2>
<p class="meta">${dateline(item)}</p>
<p>${item.summary}</p></article></li>`,
      )}
</ol>`
    : html`<p>No posts yet.</p>`;
  return layout(
    context,
    context.site.title,
    html`<h1>${context.site.title}</h1><p class="lede">${context.site.description}</p>${list}`,
    `${context.baseUrl}/`,
  );
}

/** `content` is the publisher's own HTML, shown as written. */
export function postPage(context: PageContext, item: FeedItem): Html {
  const categories = item.categories.length
    ? html`<p class="categories">${item.categories.map((c) => html`<span class="category">${c}</span> `)}</p>`
    : '';
  return layout(
    context,
    `${item.title} – ${context.site.title}`,
    html`<article lang="${item.language ?? context.site.language}">
<h1>${item.title}</h1>
<p class="meta">${dateline(item)}</p>
${categories}
<div class="content">${raw(item.contentHtml)}</div>
</article>`,
    item.url,
  );
}

export const STYLESHEET = `:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5f6368;--bg:#fff;--accent:#0b57d0}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--muted:#9aa0a6;--bg:#121212;--accent:#8ab4f8}}
*{box-sizing:border-box}
body{margin:0;font:1.05rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header.site,main{max-width:44rem;margin:0 auto;padding:1rem}
header.site{display:flex;flex-wrap:wrap;gap:.5rem 1rem;justify-content:space-between;align-items:baseline;border-bottom:1px solid color-mix(in srgb,var(--muted) 30%,transparent)}
.site-title{font-weight:700;font-size:1.2rem;text-decoration:none;color:var(--fg)}
nav a{margin-left:.75rem;font-size:.9rem}
a{color:var(--accent)}
h1{line-height:1.2}
.posts{list-style:none;padding:0}
.posts li{margin:0 0 2rem}
.posts h2{margin:0 0 .25rem;font-size:1.3rem;line-height:1.3}
.meta,.lede{color:var(--muted)}
.meta{font-size:.9rem;margin:.25rem 0}
.category{display:inline-block;border:1px solid var(--muted);border-radius:1rem;padding:0 .6rem;font-size:.85rem}
.content img,.content video{max-width:100%;height:auto}
.content figure{margin:1.5rem 0}
.content figcaption{color:var(--muted);font-size:.9rem}
`;
