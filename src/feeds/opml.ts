/**
 * `/feeds.opml`: every feed the site offers as an OPML 2.0 subscription list, so a reader can import
 * the whole newsroom, or one category or author, in one step. Pure: the same data and time give the same
 * bytes (no `dateCreated`: the list has no creation date of its own, and the clock is not data).
 */
import type { Site } from '../posts/index.ts';
import { FEED_FORMATS, feedUrl, listPageUrl, normalizeBaseUrl, type FeedFormat } from './model.ts';
import { namedFeedScope, type NamedScope, type Scopes } from './scopes.ts';
import { element, emptyElement, parentElement, xmlPrologue } from './xml-escape.ts';

export interface OpmlInput {
  site: Site;
  baseUrl: string;
  scopes: Scopes;
  /** A category or author whose posts are all scheduled after this has no feed yet (it answers 404). */
  at: Date;
}

/** How the list names each format after the feed's title: `WEGO Group News (Atom)`. */
export const FORMAT_NAMES: Record<FeedFormat, string> = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' };

/** The folders the filtered feeds are grouped in, so a reader's import keeps them apart from the main feeds. */
const FOLDERS = { category: 'Categories', author: 'Authors' } as const;

/** OPML 2.0 §"Subscription lists": `type="rss"` for every feed whatever its format; `text` is what a reader shows. */
function feedOutlines(input: OpmlInput, baseUrl: string, feed: { title: string; description: string; path: string }): string {
  const htmlUrl = listPageUrl(baseUrl, feed.path);
  return FEED_FORMATS.map((format) =>
    emptyElement('outline', {
      type: 'rss',
      text: `${feed.title} (${FORMAT_NAMES[format]})`,
      title: feed.title,
      description: feed.description,
      xmlUrl: feedUrl(baseUrl, feed.path, format),
      htmlUrl,
      language: input.site.language,
    }),
  ).join('\n');
}

/** The OPML 2.0 document listing the main feeds, then a folder of category feeds and one of author feeds. */
export function renderOpml(input: OpmlInput): string {
  const baseUrl = normalizeBaseUrl(input.baseUrl);
  const { site } = input;
  const owner = site.authors[0];
  const head = [
    element('title', `${site.title}: feeds`),
    element('ownerName', owner?.name),
    element('ownerEmail', owner?.email),
    // OPML 2.0 §"<head>": docs points at the format's documentation, for whoever finds the file later.
    element('docs', 'http://opml.org/spec2.opml'),
  ]
    .filter(Boolean)
    .join('\n');
  const outlines = [feedOutlines(input, baseUrl, { title: site.title, description: site.description, path: '' })];
  for (const kind of ['category', 'author'] as const) {
    const published = [...input.scopes.bySlug[kind].values()].filter((scope: NamedScope) => scope.posts.countAt(input.at) > 0);
    if (!published.length) continue;
    const children = published.map((scope) => feedOutlines(input, baseUrl, namedFeedScope(site, scope, []))).join('\n');
    outlines.push(parentElement('outline', `\n${children}\n`, { text: FOLDERS[kind] }));
  }
  return `${xmlPrologue()}${parentElement('opml', `\n${parentElement('head', `\n${head}\n`)}\n${parentElement('body', `\n${outlines.join('\n')}\n`)}\n`, { version: '2.0' })}\n`;
}
