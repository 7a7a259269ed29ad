import { rfc3339 } from './dates.ts';
import type { FeedAuthor, FeedItem, FeedModel } from './model.ts';
import { PAGE_RELATIONS } from './paging.ts';
import { element, emptyElement, parentElement, xmlPrologue } from './xml-escape.ts';

/**
 * Atom 1.0 (RFC 4287), rendered here rather than by the `feed` package: its 6.0 output gives
 * categories without the required `term` (§4.2.2), no `xml:lang`, an `updated` taken from the clock
 * unless passed, and unescaped `<` in attributes. See test/feeds/feed-package.test.ts.
 */
export function renderAtom(model: FeedModel): string {
  const head = [
    element('id', model.id),
    element('title', model.title, { type: 'text' }),
    element('subtitle', model.description, { type: 'text' }),
    element('updated', rfc3339(model.updated)),
    ...model.authors.map(renderAuthor),
    emptyElement('link', { rel: 'self', type: 'application/atom+xml', href: model.feedUrls.atom }),
    // RFC 5005 §3: the pages of a paged feed name each other.
    ...PAGE_RELATIONS.map((rel) => {
      const href = model.paging?.[rel]?.atom;
      return href ? emptyElement('link', { rel, type: 'application/atom+xml', href }) : '';
    }),
    model.hubUrl ? emptyElement('link', { rel: 'hub', href: model.hubUrl }) : '',
    emptyElement('link', { rel: 'alternate', type: 'text/html', href: model.homePageUrl }),
    emptyElement('link', { rel: 'alternate', type: 'application/rss+xml', href: model.feedUrls.rss }),
    emptyElement('link', { rel: 'alternate', type: 'application/feed+json', href: model.feedUrls.json }),
    element('generator', 'Pressroom'),
    element('icon', model.iconUrl),
    element('rights', model.copyright, { type: 'text' }),
  ];
  const body = [...head, ...model.items.map((item) => renderEntry(item, model.language, model.authors))];
  return (
    xmlPrologue(model.stylesheetUrl) +
    `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="${model.language}">\n` +
    `${body.filter(Boolean).join('\n')}\n</feed>\n`
  );
}

const renderAuthor = (author: FeedAuthor) =>
  parentElement('author', element('name', author.name) + element('email', author.email) + element('uri', author.url));

function renderEntry(item: FeedItem, feedLanguage: string, feedAuthors: FeedAuthor[]): string {
  const children = [
    element('id', item.id),
    element('title', item.title, { type: 'text' }),
    emptyElement('link', { rel: 'alternate', type: 'text/html', href: item.url }),
    element('published', rfc3339(item.published)),
    element('updated', rfc3339(item.updated)),
    // RFC 4287 §4.1.2 lets an entry inherit the feed's authors, but readers show an entry's own and few
    // apply the inheritance (feedparser does not): so every entry names its authors.
    ...(item.authors.length ? item.authors : feedAuthors).map(renderAuthor),
    ...item.categories.map((term) => emptyElement('category', { term })),
    element('summary', item.summary, { type: 'text' }),
    element('content', item.contentHtml, { type: 'html' }),
    item.image
      ? emptyElement('link', { rel: 'enclosure', href: item.image.url, type: item.image.mimeType, length: item.image.size })
      : '',
    // Media RSS, which Feedly and Inoreader read in Atom too, to pick the entry's picture.
    item.image ? emptyElement('media:thumbnail', { url: item.image.url }) : '',
    ...item.attachments.map((attachment) =>
      emptyElement('link', {
        rel: 'enclosure',
        href: attachment.url,
        type: attachment.mimeType,
        length: attachment.size,
        title: attachment.title,
      }),
    ),
  ];
  const lang = item.language && item.language !== feedLanguage ? { 'xml:lang': item.language } : {};
  return parentElement('entry', children.filter(Boolean).join(''), lang);
}
