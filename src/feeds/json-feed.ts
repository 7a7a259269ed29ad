import { rfc3339 } from './dates.ts';
import type { FeedAuthor, FeedItem, FeedModel } from './model.ts';

/**
 * JSON Feed 1.1, built as a plain object: the `feed` package's `json1()` writes version 1 with the
 * deprecated single `author`. Extensions, if any, go in `_`-prefixed keys (JSON Feed 1.1, "Extensions").
 */
export function renderJsonFeed(model: FeedModel): string {
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: model.title,
    home_page_url: model.homePageUrl,
    // The feed's identity (JSON Feed 1.1): the first page, which readers subscribe to, on every page.
    feed_url: model.paging?.first?.json ?? model.feedUrls.json,
    description: model.description,
    ...(model.iconUrl ? { icon: model.iconUrl } : {}),
    authors: model.authors.map(author),
    language: model.language,
    ...(model.hubUrl ? { hubs: [{ type: 'WebSub', url: model.hubUrl }] } : {}),
    ...(model.paging?.next ? { next_url: model.paging.next.json } : {}),
    items: model.items.map(item),
  };
  return `${JSON.stringify(feed, null, 1)}\n`;
}

/** RFC 6068: the address percent-encoded (UTF-8), its `@` kept. */
const mailto = (email: string) => `mailto:${encodeURIComponent(email).replace(/%40/g, '@')}`;

/**
 * JSON Feed 1.1 authors have a name, a url and an avatar, no e-mail. The url is the author's web page;
 * without one, a `mailto:` URL is the way to reach them. When there are both, the address goes in an
 * extension object (JSON Feed 1.1, "Extensions": a key of `_` and a letter, which readers skip).
 */
const author = (a: FeedAuthor) => ({
  name: a.name,
  ...(a.url ? { url: a.url } : a.email ? { url: mailto(a.email) } : {}),
  ...(a.url && a.email ? { _pressroom: { email: a.email } } : {}),
});

const item = (i: FeedItem) => ({
  id: i.id,
  url: i.url,
  title: i.title,
  // JSON Feed 1.1: an item has content_html or content_text; with summaries only, the summary is its text.
  ...(i.contentHtml !== undefined ? { content_html: i.contentHtml, summary: i.summary } : { content_text: i.summary }),
  ...(i.image ? { image: i.image.url } : {}),
  date_published: rfc3339(i.published),
  date_modified: rfc3339(i.updated),
  ...(i.authors.length ? { authors: i.authors.map(author) } : {}),
  ...(i.categories.length ? { tags: i.categories } : {}),
  ...(i.language ? { language: i.language } : {}),
  ...(i.attachments.length
    ? {
        attachments: i.attachments.map((a) => ({
          url: a.url,
          mime_type: a.mimeType,
          ...(a.title !== undefined ? { title: a.title } : {}),
          ...(a.size !== undefined ? { size_in_bytes: a.size } : {}),
        })),
      }
    : {}),
});
