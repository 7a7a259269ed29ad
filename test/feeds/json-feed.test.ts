import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderJsonFeed } from '../../src/feeds/json-feed.ts';
import { siteScope } from '../../src/feeds/model.ts';
import { buildFeedModel } from '../with-safe-content.ts';
import { dropNonXmlChars } from '../../src/feeds/xml-escape.ts';
import type { Dataset } from '../../src/posts/index.ts';
import { dataset, jsonFeedSchemaErrors, postRecord, siteRecord } from '../fixtures.ts';
import { BASE, modelOf, SEED_ID, SEED_IMAGE, SEED_TITLE, SEED_URL, seedDataset } from '../support.ts';

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): every key it defines; extensions start with `_`. */
const TOP_LEVEL_KEYS = [
  'version', 'title', 'home_page_url', 'feed_url', 'description', 'user_comment', 'next_url', 'icon',
  'favicon', 'authors', 'language', 'expired', 'hubs', 'items',
];
const ITEM_KEYS = [
  'id', 'url', 'external_url', 'title', 'content_html', 'content_text', 'summary', 'image', 'banner_image',
  'date_published', 'date_modified', 'authors', 'tags', 'language', 'attachments',
];
const AUTHOR_KEYS = ['name', 'url', 'avatar'];
const ATTACHMENT_KEYS = ['url', 'mime_type', 'title', 'size_in_bytes', 'duration_in_seconds'];

type Json = Record<string, unknown>;
interface JsonItem extends Json {
  attachments?: Json[];
  authors?: Json[];
}
interface JsonFeed extends Json {
  authors: Json[];
  items: JsonItem[];
}

const parsed = (text: string) => JSON.parse(text) as JsonFeed;
const firstItem = (text: string): JsonItem => {
  const item = parsed(text).items[0];
  if (!item) throw new Error('the feed has no item');
  return item;
};

/** Keys the spec does not define and that are not `_`-prefixed extensions. */
const unknownKeys = (object: Json, known: string[]) =>
  Object.keys(object).filter((key) => !known.includes(key) && !key.startsWith('_'));

function expectOnlySpecKeys(feed: JsonFeed): void {
  expect(unknownKeys(feed, TOP_LEVEL_KEYS)).toEqual([]);
  for (const author of feed.authors) expect(unknownKeys(author, AUTHOR_KEYS)).toEqual([]);
  for (const item of feed.items) {
    expect(unknownKeys(item, ITEM_KEYS)).toEqual([]);
    for (const author of item.authors ?? []) expect(unknownKeys(author, AUTHOR_KEYS)).toEqual([]);
    for (const attachment of item.attachments ?? []) expect(unknownKeys(attachment, ATTACHMENT_KEYS)).toEqual([]);
  }
}


afterEach(() => {
  vi.useRealTimers();
});

describe('renderJsonFeed on the seed data', async () => {
  const text = renderJsonFeed(modelOf(await seedDataset()));
  const imageBytes = (await readFile(SEED_IMAGE)).byteLength;

  it('is JSON Feed 1.1, valid against the published schema', () => {
    const feed = parsed(text);
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(jsonFeedSchemaErrors(feed)).toEqual([]);
  });

  it('describes the feed with home_page_url, feed_url, an authors array and the language', () => {
    const feed = parsed(text);
    expect(feed.title).toBe('WEGO Group News');
    expect(feed.description).toBe('Company news from WEGO Group.');
    expect(feed.home_page_url).toBe(`${BASE}/`);
    expect(feed.feed_url).toBe(`${BASE}/feed.json`);
    expect(feed.authors).toEqual([{ name: 'WEGO Group' }]);
    expect(feed).not.toHaveProperty('author');
    expect(feed.language).toBe('en');
  });

  it('gives the seed item its id, url, title, dates, tags, image, summary and absolute content', () => {
    const item = firstItem(text);
    expect(item.id).toBe(SEED_ID);
    expect(item.url).toBe(SEED_URL);
    expect(item.title).toBe(SEED_TITLE);
    expect(item.date_published).toBe('2022-01-17T00:00:00Z');
    expect(item.date_modified).toBe('2022-01-17T00:00:00Z');
    expect(item.tags).toEqual(['Company News']);
    expect(item.image).toBe(`${BASE}/media/cxdfhd-1.png`);
    expect(item.summary).toMatch(/^Recently, the National Engineering Research Center .*…$/);
    expect(Array.from(String(item.summary)).length).toBeLessThanOrEqual(280);
    expect(item.content_html).toContain(`<img src="${BASE}/media/cxdfhd-1.png" alt="cxdfhd (1)"`);
    expect(item.content_html).not.toContain('../media');
    // Without its own authors, the item's are the feed's (JSON Feed 1.1, items: authors).
    expect(item).not.toHaveProperty('authors');
    expect(imageBytes).toBe(7411);
  });

  it('uses no key the spec does not define, unless it starts with _', () => {
    expectOnlySpecKeys(parsed(text));
  });

  it('would be caught by both checks with a key the spec does not define', () => {
    const feed = parsed(text);
    const wrong = { ...feed, author: { name: 'x' }, items: feed.items.map((item) => ({ ...item, guid: 'x' })) };
    expect(unknownKeys(wrong, TOP_LEVEL_KEYS)).toEqual(['author']);
    expect(jsonFeedSchemaErrors(wrong)).not.toEqual([]);
    expect(jsonFeedSchemaErrors({ ...feed, _pressroom: { any: 'thing' } })).toEqual([]);
  });
});

describe('renderJsonFeed items', () => {
  const data = () =>
    dataset({
      posts: {
        a: postRecord({
          title: 'With everything',
          published: '2022-01-17T09:30:00+08:00',
          updated: '2022-01-18T09:30:00.250+08:00',
          summary: 'A summary.',
          language: 'de',
          authors: [
            { name: 'Anna Berg', email: 'anna@example.com', url: '/people/anna' },
            { name: 'Ben Ode', email: 'ben@example.com' },
            { name: 'Cleo' },
          ],
          categories: ['Company News', 'Research'],
          image: { url: '../media/photo.png', alt: 'A photo' },
          attachments: [
            { url: '../media/talk.mp3', mimeType: 'audio/mpeg', title: 'The talk' },
            { url: 'https://cdn.example.com/b.pdf', mimeType: 'application/pdf', size: 48213 },
          ],
        }),
      },
      media: { 'photo.png': 'png bytes', 'talk.mp3': 'twelve bytes' },
    });

  it('writes every field a post has, under the JSON Feed 1.1 names', async () => {
    const text = renderJsonFeed(modelOf(await data()));
    expect(firstItem(text)).toEqual({
      id: `${BASE}/posts/a`,
      url: `${BASE}/posts/a/`,
      title: 'With everything',
      content_html: '<p>Body of the post.</p>',
      summary: 'A summary.',
      image: `${BASE}/media/photo.png`,
      date_published: '2022-01-17T01:30:00Z',
      date_modified: '2022-01-18T01:30:00.250Z',
      authors: [
        { name: 'Anna Berg', url: `${BASE}/people/anna`, _pressroom: { email: 'anna@example.com' } },
        { name: 'Ben Ode', url: 'mailto:ben@example.com' },
        { name: 'Cleo' },
      ],
      tags: ['Company News', 'Research'],
      language: 'de',
      attachments: [
        { url: `${BASE}/media/talk.mp3`, mime_type: 'audio/mpeg', title: 'The talk', size_in_bytes: 12 },
        { url: 'https://cdn.example.com/b.pdf', mime_type: 'application/pdf', size_in_bytes: 48213 },
      ],
    });
    expect(jsonFeedSchemaErrors(parsed(text))).toEqual([]);
    expectOnlySpecKeys(parsed(text));
  });

  it("keeps an author's e-mail: as a mailto: url without a web page, in the _pressroom extension beside one", async () => {
    const text = renderJsonFeed(
      modelOf(
        await dataset({
          site: siteRecord({ authors: [{ name: 'Press', email: 'press@example.com', url: 'https://example.com/' }] }),
          posts: { a: postRecord({ authors: [{ name: 'Ben Ode', email: 'ben@example.com' }, { name: 'Cleo', url: '/c' }] }) },
        }),
      ),
    );
    expect(parsed(text).authors).toEqual([
      { name: 'Press', url: 'https://example.com/', _pressroom: { email: 'press@example.com' } },
    ]);
    expect(firstItem(text).authors).toEqual([
      { name: 'Ben Ode', url: 'mailto:ben@example.com' },
      { name: 'Cleo', url: `${BASE}/c` },
    ]);
    expect(jsonFeedSchemaErrors(parsed(text))).toEqual([]);
    expectOnlySpecKeys(parsed(text));
  });

  it("gives a local attachment its file's real size, not the size the record states", async () => {
    const text = renderJsonFeed(
      modelOf(
        await dataset({
          posts: { a: postRecord({ attachments: [{ url: '../media/talk.mp3', mimeType: 'audio/mpeg', size: 999999 }] }) },
          media: { 'talk.mp3': 'twelve bytes' },
        }),
      ),
    );
    expect(firstItem(text).attachments).toEqual([{ url: `${BASE}/media/talk.mp3`, mime_type: 'audio/mpeg', size_in_bytes: 12 }]);
  });

  it('gives the same bytes when rendered at different wall-clock times', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-06-01T12:00:00Z'));
    const first = renderJsonFeed(modelOf(await data()));
    vi.setSystemTime(new Date('2035-02-03T04:05:06Z'));
    expect(renderJsonFeed(modelOf(await data()))).toBe(first);
  });

  it('renders a feed with no items as an empty list', async () => {
    const text = renderJsonFeed(modelOf(await dataset({ posts: { later: postRecord({ published: '2099-01-01' }) } })));
    expect(parsed(text).items).toEqual([]);
    expect(jsonFeedSchemaErrors(parsed(text))).toEqual([]);
  });

  it('uses only absolute URLs', async () => {
    const data = await dataset({
      site: siteRecord({ url: 'https://example.com/news', icon: 'media/icon.png', authors: [{ name: 'Desk', url: 'desk' }] }),
      posts: { a: postRecord({ content: '<img src="x.png" srcset="x.png 1x, ../media/y.png 2x"><a href="#top">top</a>' }) },
    });
    const feed = parsed(renderJsonFeed(modelOf(data, 'https://example.com/news/')));
    expect(feed.home_page_url).toBe('https://example.com/news/');
    expect(feed.feed_url).toBe('https://example.com/news/feed.json');
    expect(feed.icon).toBe('https://example.com/news/media/icon.png');
    expect(feed.authors).toEqual([{ name: 'Desk', url: 'https://example.com/news/desk' }]);
    expect(feed.items[0]?.url).toBe('https://example.com/news/posts/a/');
    expect(feed.items[0]?.content_html).toBe(
      '<img src="https://example.com/news/posts/x.png" srcset="https://example.com/news/posts/x.png 1x, https://example.com/news/media/y.png 2x" /><a href="#top">top</a>',
    );
  });
});

describe('renderJsonFeed with hostile text', () => {
  it('is valid JSON whose texts read back as written, less the characters XML forbids', async () => {
    const title = 'Q&A: <b>"Quotes"</b> ]]> \\ \u2028 \u0001\uFFFE\r\nend 🎉 مرحبا';
    const text = renderJsonFeed(
      modelOf(
        await dataset({
          posts: {
            a: postRecord({
              title,
              content: '<p>one ]]> two\u000B</p>',
              categories: ['R&D <"Labs">'],
              attachments: [{ url: 'https://cdn.example.com/r.pdf?a=1&b=2', mimeType: 'application/pdf', title: 'Report <"2024"> & more' }],
            }),
          },
        }),
      ),
    );
    const item = firstItem(text);
    expect(item.title).toBe(dropNonXmlChars(title));
    expect(item.title).toBe('Q&A: <b>"Quotes"</b> ]]> \\ \u2028 \r\nend 🎉 مرحبا');
    // The sanitiser writes the text's `>` as `&gt;`: the same HTML.
    expect(item.content_html).toBe('<p>one ]]&gt; two</p>');
    expect(item.tags).toEqual(['R&D <"Labs">']);
    expect(item.attachments?.[0]?.title).toBe('Report <"2024"> & more');
    expect(jsonFeedSchemaErrors(parsed(text))).toEqual([]);
  });
});

describe('renderJsonFeed with a WebSub hub', () => {
  it('lists it in hubs, and has no hubs without one', async () => {
    const withHub = await dataset({ site: siteRecord({ hub: 'https://hub.example.com/' }), posts: { a: postRecord() } });
    const render = (data: Dataset) =>
      JSON.parse(renderJsonFeed(buildFeedModel(data.site, siteScope(data.site, data.posts), { baseUrl: BASE }))) as {
        hubs?: unknown;
      };
    expect(render(withHub).hubs).toEqual([{ type: 'WebSub', url: 'https://hub.example.com/' }]);
    expect(render(await dataset({ posts: { a: postRecord() } })).hubs).toBeUndefined();
  });
});
