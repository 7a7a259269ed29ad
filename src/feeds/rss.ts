import { rfc822 } from './dates.ts';
import type { FeedAuthor, FeedItem, FeedModel } from './model.ts';
import { PAGE_RELATIONS } from './paging.ts';
import { textToHtml } from './plain-text.ts';
import { element, emptyElement, parentElement, plainTextElement, xmlPrologue } from './xml-escape.ts';

/**
 * RSS 2.0, rendered here rather than by the `feed` package. Its 6.0 output falls short on points we
 * cannot configure away: `lastBuildDate` defaults to the clock (same data, other bytes), an author
 * without e-mail becomes an invalid `<author>`, a second `]]>` in content breaks its CDATA, and
 * control characters pass through. Post-processing its XML would mean parsing it again; writing the
 * twenty elements ourselves is shorter and leaves every byte ours. test/feeds/feed-package.test.ts
 * pins those shortcomings, so we notice the day they are fixed.
 *
 * Content goes out escaped (not as CDATA) in `content:encoded`, so no text can end a section early.
 * Every other text is plain, and written as the RSS Best Practices Profile asks (`plainTextElement`);
 * the item's description alone is HTML.
 */
export function renderRss(model: FeedModel): string {
  const channel = [
    plainTextElement('title', model.title),
    element('link', model.homePageUrl),
    plainTextElement('description', model.description),
    emptyElement('atom:link', { href: model.feedUrls.rss, rel: 'self', type: 'application/rss+xml' }),
    // RFC 5005 §3: the pages of a paged feed name each other, as atom:link in RSS.
    ...PAGE_RELATIONS.map((rel) => {
      const href = model.paging?.[rel]?.rss;
      return href ? emptyElement('atom:link', { href, rel, type: 'application/rss+xml' }) : '';
    }),
    // WebSub §4: the hub is advertised beside the self link, as an atom:link in RSS.
    model.hubUrl ? emptyElement('atom:link', { href: model.hubUrl, rel: 'hub' }) : '',
    element('language', model.language.toLowerCase()),
    plainTextElement('copyright', model.copyright),
    model.items.length ? element('lastBuildDate', rfc822(model.updated)) : '',
    model.ttlMinutes !== undefined ? element('ttl', String(model.ttlMinutes)) : '',
    element('generator', 'Pressroom'),
    element('docs', 'https://www.rssboard.org/rss-specification'),
    model.iconUrl
      ? parentElement(
          'image',
          element('url', model.iconUrl) + plainTextElement('title', model.title) + element('link', model.homePageUrl),
        )
      : '',
    ...model.items.map((item) => renderItem(item, model.authors)),
  ];
  return (
    xmlPrologue(model.stylesheetUrl) +
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" ' +
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
    'xmlns:media="http://search.yahoo.com/mrss/">\n' +
    `<channel>\n${channel.filter(Boolean).join('\n')}\n</channel>\n</rss>\n`
  );
}

function renderItem(item: FeedItem, siteAuthors: FeedAuthor[]): string {
  // RSS has no inheritance of authors (managingEditor is an e-mail address, not a byline), so a post
  // without its own authors names the site's, as README says.
  const authors = item.authors.length ? item.authors : siteAuthors;
  const children = [
    plainTextElement('title', item.title),
    element('link', item.url),
    // The default id is the post's address without the page's final slash, which moves to the page: a permalink still.
    element('guid', item.id, { isPermaLink: item.id === item.url || `${item.id}/` === item.url ? 'true' : 'false' }),
    element('pubDate', rfc822(item.published)),
    // RSS 2.0: the item's description is entity-encoded HTML, and readers parse it as such; the summary
    // is plain text, so it becomes HTML first, or `a<b and c>d` would read as a tag and lose words.
    element('description', textToHtml(item.summary)),
    element('content:encoded', item.contentHtml),
    // RSS <author> must be an e-mail address; dc:creator takes a name.
    ...authors.map((author) => plainTextElement('dc:creator', author.name)),
    ...item.categories.map((category) => plainTextElement('category', category)),
    // RSS 2.0 has a language for the channel only; Dublin Core's applies to the item (feedparser reads it).
    element('dc:language', item.language),
    renderEnclosure(item),
    renderMediaImage(item),
  ];
  return parentElement('item', children.filter(Boolean).join(''));
}

/**
 * RSS allows one enclosure an item, and `length` and `type` are required: an attachment when there is
 * one (that is what podcast clients download), else the image when we know its type and size.
 */
function renderEnclosure(item: FeedItem): string {
  const attachment = item.attachments[0];
  if (attachment) {
    return emptyElement('enclosure', { url: attachment.url, length: attachment.size ?? 0, type: attachment.mimeType });
  }
  const image = item.image;
  if (image?.mimeType && image.size !== undefined) {
    return emptyElement('enclosure', { url: image.url, length: image.size, type: image.mimeType });
  }
  return '';
}

/**
 * Media RSS for the lead image: what Feedly, Inoreader, Slack and Discord show as the item's picture,
 * where an enclosure may already hold an attachment. `media:content` says it is an image (`medium`).
 * No width or height: we do not know them, and Media RSS makes both optional. No `media:description`
 * for the alt text either: feedparser (6.0) reads it as the item's own description, so the alt text
 * would replace the summary; the alt stays on the `<img>` in `content:encoded`.
 */
function renderMediaImage(item: FeedItem): string {
  const image = item.image;
  if (!image) return '';
  return (
    emptyElement('media:content', { url: image.url, medium: 'image', type: image.mimeType, fileSize: image.size }) +
    emptyElement('media:thumbnail', { url: image.url })
  );
}
