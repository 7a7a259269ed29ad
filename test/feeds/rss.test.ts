import { readFile } from 'node:fs/promises';
import { parseFeed } from '@rowanmanning/feed-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { siteScope } from '../../src/feeds/model.ts';
import { buildFeedModel } from '../with-safe-content.ts';
import { renderRss } from '../../src/feeds/rss.ts';
import { dropNonXmlChars } from '../../src/feeds/xml-escape.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { childrenNamed, descendants, NS, only, parseXml, textOf, xmlErrors, type XmlElement } from './parse.ts';
import { BASE, modelOf, SEED_ID, SEED_IMAGE, SEED_TITLE, SEED_URL, seedDataset } from '../support.ts';

const MRSS = 'http://search.yahoo.com/mrss/';
const channelOf = (xml: string): XmlElement => only(parseXml(xml), '', 'channel');
const itemsOf = (xml: string): XmlElement[] => childrenNamed(channelOf(xml), '', 'item');
const firstItem = (xml: string): XmlElement => {
  const item = itemsOf(xml)[0];
  if (!item) throw new Error('the feed has no item');
  return item;
};

afterEach(() => {
  vi.useRealTimers();
});

describe('renderRss on the seed data', async () => {
  const xml = renderRss(modelOf(await seedDataset()));
  const imageBytes = (await readFile(SEED_IMAGE)).byteLength;

  it('is well-formed XML with an rss 2.0 root', () => {
    expect(xmlErrors(xml)).toEqual([]);
    const root = parseXml(xml);
    expect(root.name).toBe('rss');
    expect(root.attributes.version).toBe('2.0');
  });

  it('describes the channel, with an atom:link to itself and the newest change as lastBuildDate', () => {
    const channel = channelOf(xml);
    expect(textOf(channel, '', 'title')).toBe('WEGO Group News');
    expect(textOf(channel, '', 'link')).toBe(`${BASE}/`);
    expect(textOf(channel, '', 'description')).toBe('Company news from WEGO Group.');
    expect(textOf(channel, '', 'language')).toBe('en');
    expect(textOf(channel, '', 'copyright')).toBe('© WEGO Group');
    expect(textOf(channel, '', 'lastBuildDate')).toBe('Mon, 17 Jan 2022 00:00:00 GMT');
    expect(only(channel, NS.atom, 'link').attributes).toEqual({
      href: `${BASE}/rss.xml`,
      rel: 'self',
      type: 'application/rss+xml',
    });
  });

  it('gives the seed post its link, stable guid, RFC 822 date, category and byline', () => {
    const item = firstItem(xml);
    expect(textOf(item, '', 'title')).toBe(SEED_TITLE);
    expect(textOf(item, '', 'link')).toBe(SEED_URL);
    const guid = only(item, '', 'guid');
    expect(guid.text).toBe(SEED_ID);
    expect(guid.attributes.isPermaLink).toBe('false');
    expect(textOf(item, '', 'pubDate')).toBe('Mon, 17 Jan 2022 00:00:00 GMT');
    expect(childrenNamed(item, '', 'category').map((c) => c.text)).toEqual(['Company News']);
    // The post has no authors of its own: the site's name the byline, never as <author> (an e-mail).
    expect(childrenNamed(item, NS.dc, 'creator').map((c) => c.text)).toEqual(['WEGO Group']);
    expect(childrenNamed(item, '', 'author')).toEqual([]);
  });

  it('puts a plain-text excerpt of at most 280 characters in description and the full HTML in content:encoded', () => {
    const item = firstItem(xml);
    const description = textOf(item, '', 'description');
    expect(description.startsWith('Recently, the National Engineering Research Center')).toBe(true);
    expect(description.endsWith('…')).toBe(true);
    expect(Array.from(description).length).toBeLessThanOrEqual(280);
    expect(description).not.toMatch(/[<>]/);
    const content = textOf(item, NS.content, 'encoded');
    expect(content).toContain(`<img src="${BASE}/media/cxdfhd-1.png" alt="cxdfhd (1)"`);
    expect(content).toContain(`<img src="${BASE}/media/cxdfhd-2.png"`);
    expect(content).not.toContain('../media');
  });

  it('encloses the image with its real media type and byte length', () => {
    expect(imageBytes).toBe(7411);
    expect(only(firstItem(xml), '', 'enclosure').attributes).toEqual({
      url: `${BASE}/media/cxdfhd-1.png`,
      length: String(imageBytes),
      type: 'image/png',
    });
  });

  it('reads back the same through @rowanmanning/feed-parser', () => {
    const feed = parseFeed(xml);
    expect(feed.meta.type).toBe('rss');
    expect(feed.title).toBe('WEGO Group News');
    expect(feed.language).toBe('en');
    expect(feed.self).toBe(`${BASE}/rss.xml`);
    expect(feed.updated?.toISOString()).toBe('2022-01-17T00:00:00.000Z');
    expect(feed.items).toHaveLength(1);
    const item = feed.items[0];
    expect(item?.title).toBe(SEED_TITLE);
    expect(item?.url).toBe(SEED_URL);
    expect(item?.id).toBe(SEED_ID);
    expect(item?.published?.toISOString()).toBe('2022-01-17T00:00:00.000Z');
    expect(item?.categories.map((c) => c.term)).toEqual(['Company News']);
    expect(item?.authors.map((a) => a.name)).toEqual(['WEGO Group']);
    expect(item?.content).toContain(`src="${BASE}/media/cxdfhd-1.png"`);
    expect(item?.media).toEqual([
      { url: `${BASE}/media/cxdfhd-1.png`, image: `${BASE}/media/cxdfhd-1.png`, title: null, length: imageBytes, type: 'image', mimeType: 'image/png' },
    ]);
  });

  it('uses only absolute URLs, in elements, attributes and the content', () => {
    const root = parseXml(xml);
    const urls: string[] = [];
    for (const element of descendants(root)) {
      if (element.uri === '' && (element.local === 'link' || element.local === 'url')) urls.push(element.text);
      if (element.attributes.href !== undefined) urls.push(element.attributes.href);
      if (element.local === 'enclosure') urls.push(element.attributes.url ?? '');
      if (element.uri === NS.content) {
        for (const match of element.text.matchAll(/\s(?:src|href)="([^"]*)"/g)) urls.push(match[1] ?? '');
      }
    }
    expect(urls.length).toBeGreaterThanOrEqual(6);
    for (const url of urls) expect(URL.canParse(url), url).toBe(true);
  });
});

describe('renderRss is a pure function of the data', () => {
  const data = () =>
    dataset({
      posts: {
        older: postRecord({ title: 'Older', published: '2024-03-01', updated: '2024-05-02T10:00:00+02:00' }),
        newer: postRecord({ title: 'Newer', published: '2024-04-01' }),
      },
    });

  it('takes lastBuildDate from the newest change, not from the clock', async () => {
    const xml = renderRss(modelOf(await data()));
    expect(textOf(channelOf(xml), '', 'lastBuildDate')).toBe('Thu, 02 May 2024 08:00:00 GMT');
  });

  it('gives the same bytes when rendered at different wall-clock times', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-06-01T12:00:00Z'));
    const first = renderRss(modelOf(await data()));
    vi.setSystemTime(new Date('2035-02-03T04:05:06Z'));
    const second = renderRss(modelOf(await data()));
    expect(second).toBe(first);
    expect(first).not.toContain('2031');
  });

  it('renders a feed with no items without a date, the same at any time', async () => {
    const empty = await dataset({ posts: { later: postRecord({ published: '2099-01-01' }), hidden: postRecord({ draft: true }) } });
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-06-01T12:00:00Z'));
    const first = renderRss(modelOf(empty));
    vi.setSystemTime(new Date('2032-06-01T12:00:00Z'));
    expect(renderRss(modelOf(empty))).toBe(first);
    const channel = channelOf(first);
    expect(childrenNamed(channel, '', 'item')).toEqual([]);
    expect(childrenNamed(channel, '', 'lastBuildDate')).toEqual([]);
    expect(textOf(channel, '', 'title')).toBe('Example News');
    expect(parseFeed(first).items).toEqual([]);
  });
});

describe('renderRss freshness and push', () => {
  it('carries cache.maxAge as <ttl> in minutes, and the WebSub hub as an atom:link', async () => {
    const data = await dataset({
      site: siteRecord({ cache: { maxAge: 600 }, hub: 'https://hub.example.com/' }),
      posts: { a: postRecord() },
    });
    const model = buildFeedModel(data.site, siteScope(data.site, data.posts), { baseUrl: 'https://news.example.com' });
    const channel = only(parseXml(renderRss(model)), '', 'channel');
    expect(textOf(channel, '', 'ttl')).toBe('10');
    const links = childrenNamed(channel, NS.atom, 'link').map((link) => [link.attributes.rel, link.attributes.href]);
    expect(links).toEqual([
      ['self', 'https://news.example.com/rss.xml'],
      ['hub', 'https://hub.example.com/'],
    ]);
  });
});

describe('renderRss items', () => {
  it('marks the guid as a permalink when the post has no id of its own', async () => {
    const xml = renderRss(modelOf(await dataset({ posts: { 'board-meeting': postRecord() } })));
    const guid = only(firstItem(xml), '', 'guid');
    expect(guid.text).toBe(`${BASE}/posts/board-meeting`);
    expect(guid.attributes.isPermaLink).toBe('true');
  });

  it('uses the summary as description when there is one, as HTML that shows exactly that text', async () => {
    const xml = renderRss(
      modelOf(await dataset({ posts: { a: postRecord({ summary: 'Profits & <losses> in 2024.', content: '<p>Long text</p>' }) } })),
    );
    const item = firstItem(xml);
    expect(textOf(item, '', 'description')).toBe('Profits &amp; &lt;losses&gt; in 2024.');
    expect(textOf(item, NS.content, 'encoded')).toBe('<p>Long text</p>');
  });

  it('names every author as dc:creator and never writes <author> without an e-mail', async () => {
    const xml = renderRss(
      modelOf(
        await dataset({
          posts: { a: postRecord({ authors: [{ name: 'Anna Berg', email: 'anna@example.com' }, { name: 'Ben Ode' }] }) },
        }),
      ),
    );
    const item = firstItem(xml);
    expect(childrenNamed(item, NS.dc, 'creator').map((c) => c.text)).toEqual(['Anna Berg', 'Ben Ode']);
    expect([...descendants(parseXml(xml))].filter((e) => e.local === 'author')).toEqual([]);
    expect(parseFeed(xml).items[0]?.authors.map((a) => a.name)).toEqual(['Anna Berg', 'Ben Ode']);
  });

  it('encloses the first attachment, with its type and length, in preference to the image', async () => {
    const xml = renderRss(
      modelOf(
        await dataset({
          posts: {
            a: postRecord({
              image: { url: '../media/photo.png' },
              attachments: [
                { url: '../media/talk.mp3', mimeType: 'audio/mpeg' },
                { url: 'https://cdn.example.com/b.pdf', mimeType: 'application/pdf', size: 9 },
              ],
            }),
          },
          media: { 'photo.png': 'png bytes', 'talk.mp3': 'twelve bytes' },
        }),
      ),
    );
    const enclosures = childrenNamed(firstItem(xml), '', 'enclosure');
    expect(enclosures.map((e) => e.attributes)).toEqual([
      { url: `${BASE}/media/talk.mp3`, length: '12', type: 'audio/mpeg' },
    ]);
  });

  it('leaves out the enclosure for an image whose type and size are unknown', async () => {
    const xml = renderRss(
      modelOf(await dataset({ posts: { a: postRecord({ image: { url: 'https://cdn.example.com/photo' } }) } })),
    );
    expect(childrenNamed(firstItem(xml), '', 'enclosure')).toEqual([]);
  });

  it('writes the newest post first', async () => {
    const xml = renderRss(
      modelOf(
        await dataset({
          posts: {
            first: postRecord({ title: 'First', published: '2024-01-01' }),
            third: postRecord({ title: 'Third', published: '2024-03-01' }),
            second: postRecord({ title: 'Second', published: '2024-02-01' }),
          },
        }),
      ),
    );
    expect(itemsOf(xml).map((item) => textOf(item, '', 'title'))).toEqual(['Third', 'Second', 'First']);
  });
});

describe('renderRss with hostile text', () => {
  const title = 'Q&A: <b>"Quotes"</b> ]]> and ]]> again\u0001\u0008\uFFFE\r\nend';
  const category = 'R&D <"Labs"> ]]>';
  const data = () =>
    dataset({
      site: siteRecord({ title: 'News & <Views> ]]>\u0007', copyright: '© 2024 "A" & <B>' }),
      posts: {
        a: postRecord({
          title,
          content: '<p>one ]]> two ]]> three\u000B</p><p>a &amp; b</p>',
          summary: 'less < more & ]]>',
          categories: [category],
          authors: [{ name: 'Zoë "Z" <z> & co' }],
        }),
      },
    });

  it('stays well-formed, and every text reads back as written less what XML forbids', async () => {
    const xml = renderRss(modelOf(await data()));
    expect(xmlErrors(xml)).toEqual([]);
    const channel = channelOf(xml);
    expect(textOf(channel, '', 'title')).toBe('News & <Views> ]]>');
    expect(textOf(channel, '', 'copyright')).toBe('© 2024 "A" & <B>');
    const item = firstItem(xml);
    expect(textOf(item, '', 'title')).toBe(dropNonXmlChars(title));
    expect(textOf(item, '', 'title')).toBe('Q&A: <b>"Quotes"</b> ]]> and ]]> again\r\nend');
    // The sanitiser writes the text's `>` as `&gt;`: the same HTML, read back as the same text.
    expect(textOf(item, NS.content, 'encoded')).toBe('<p>one ]]&gt; two ]]&gt; three</p><p>a &amp; b</p>');
    expect(textOf(item, '', 'description')).toBe('less &lt; more &amp; ]]&gt;');
    expect(textOf(item, '', 'category')).toBe(category);
    expect(textOf(item, NS.dc, 'creator')).toBe('Zoë "Z" <z> & co');
  });

  it('escapes <, & and " inside attribute values', async () => {
    const xml = renderRss(
      modelOf(
        await dataset({
          posts: {
            a: postRecord({ attachments: [{ url: 'https://cdn.example.com/r.pdf?a=1&b="<2>"', mimeType: 'application/pdf', size: 3 }] }),
          },
        }),
      ),
    );
    expect(xmlErrors(xml)).toEqual([]);
    expect(only(firstItem(xml), '', 'enclosure').attributes.url).toBe('https://cdn.example.com/r.pdf?a=1&b=%22%3C2%3E%22');
  });

  it('reads back through @rowanmanning/feed-parser', async () => {
    const item = parseFeed(renderRss(modelOf(await data()))).items[0];
    expect(item?.title).toBe(dropNonXmlChars(title));
    expect(item?.categories.map((c) => c.term)).toEqual([category]);
    // feed-parser decodes entities in content once more (`&amp;` comes out as `&`), so compare the rest.
    expect(item?.content?.startsWith('<p>one ]]> two ]]> three</p>')).toBe(true);
  });
});

describe('renderRss under a base URL with a path', () => {
  it('links the channel, the feed and the post below that path', async () => {
    const data = await dataset({
      site: siteRecord({ url: 'https://example.com/news' }),
      posts: { a: postRecord({ content: '<a href="b">next</a><img src="/media/c.png">' }) },
    });
    const xml = renderRss(modelOf(data, 'https://example.com/news/'));
    const channel = channelOf(xml);
    expect(textOf(channel, '', 'link')).toBe('https://example.com/news/');
    expect(only(channel, NS.atom, 'link').attributes.href).toBe('https://example.com/news/rss.xml');
    const item = firstItem(xml);
    expect(textOf(item, '', 'link')).toBe('https://example.com/news/posts/a/');
    expect(textOf(item, NS.content, 'encoded')).toBe(
      '<a href="https://example.com/news/posts/b">next</a><img src="https://example.com/news/media/c.png" />',
    );
  });
});

describe('renderRss text encoding', () => {
  const data = () =>
    dataset({
      site: siteRecord({ title: 'News & <Views>', description: 'A & B <c>', copyright: '© A & <B>' }),
      posts: {
        a: postRecord({
          title: 'Q&A: 1 < 2 > 0',
          summary: 'use a<b and c>d',
          categories: ['R&D <Labs>'],
          authors: [{ name: 'Ann & <Bo>' }],
        }),
      },
    });

  it('writes &, < and > in plain text as hexadecimal references, as the RSS Best Practices Profile asks', async () => {
    const xml = renderRss(modelOf(await data()));
    expect(xml).toContain('<title>News &#x26; &#x3C;Views&#x3E;</title>');
    expect(xml).toContain('<description>A &#x26; B &#x3C;c&#x3E;</description>');
    expect(xml).toContain('<copyright>© A &#x26; &#x3C;B&#x3E;</copyright>');
    expect(xml).toContain('<title>Q&#x26;A: 1 &#x3C; 2 &#x3E; 0</title>');
    expect(xml).toContain('<category>R&#x26;D &#x3C;Labs&#x3E;</category>');
    expect(xml).toContain('<dc:creator>Ann &#x26; &#x3C;Bo&#x3E;</dc:creator>');
    // The same text for every XML parser.
    const item = firstItem(xml);
    expect(textOf(item, '', 'title')).toBe('Q&A: 1 < 2 > 0');
    expect(textOf(item, '', 'category')).toBe('R&D <Labs>');
    expect(textOf(item, NS.dc, 'creator')).toBe('Ann & <Bo>');
    expect(textOf(channelOf(xml), '', 'title')).toBe('News & <Views>');
  });

  it('writes the item description as HTML escaped once more for XML, so no word of the summary reads as a tag', async () => {
    const xml = renderRss(modelOf(await data()));
    expect(xml).toContain('<description>use a&amp;lt;b and c&amp;gt;d</description>');
    expect(textOf(firstItem(xml), '', 'description')).toBe('use a&lt;b and c&gt;d');
    // feed-parser decodes the HTML's references: the summary's own text.
    expect(parseFeed(xml).items[0]?.description).toBe('use a<b and c>d');
  });
});

describe('renderRss item language and media', () => {
  it("names a post's own language as dc:language, and none for a post without one", async () => {
    const xml = renderRss(
      modelOf(await dataset({ posts: { a: postRecord({ language: 'de-AT' }), b: postRecord({ published: '2024-01-01' }) } })),
    );
    const [a, b] = itemsOf(xml);
    expect(childrenNamed(a!, NS.dc, 'language').map((e) => e.text)).toEqual(['de-AT']);
    expect(childrenNamed(b!, NS.dc, 'language')).toEqual([]);
  });

  it('gives the lead image as media:content and media:thumbnail, its alt text on the <img> alone', async () => {
    const xml = renderRss(
      modelOf(
        await dataset({
          posts: { a: postRecord({ image: { url: '../media/photo.png', alt: 'Ann & <Bo> at the plant' } }) },
          media: { 'photo.png': 'png bytes' },
        }),
      ),
    );
    expect(parseXml(xml).attributes['xmlns:media']).toBe(MRSS);
    const item = firstItem(xml);
    const content = only(item, MRSS, 'content');
    // No width or height: they are not known.
    expect(content.attributes).toEqual({ url: `${BASE}/media/photo.png`, medium: 'image', type: 'image/png', fileSize: '9' });
    // No media:description: feedparser would take it for the item's description.
    expect(content.children).toEqual([]);
    expect([...descendants(item)].filter((e) => e.uri === MRSS).map((e) => e.local)).toEqual(['content', 'thumbnail']);
    expect(only(item, MRSS, 'thumbnail').attributes).toEqual({ url: `${BASE}/media/photo.png` });
    // The image is also the enclosure, there being no attachment.
    expect(only(item, '', 'enclosure').attributes.url).toBe(`${BASE}/media/photo.png`);
  });

  it('names a remote image without type or size, and nothing without an image', async () => {
    const xml = renderRss(
      modelOf(
        await dataset({
          posts: { a: postRecord({ image: { url: 'https://cdn.example.com/p.jpg' } }), b: postRecord({ published: '2024-01-01' }) },
        }),
      ),
    );
    const [a, b] = itemsOf(xml);
    const content = only(a!, MRSS, 'content');
    expect(content.attributes).toEqual({ url: 'https://cdn.example.com/p.jpg', medium: 'image' });
    expect(content.children).toEqual([]);
    expect(b!.children.filter((e) => e.uri === MRSS)).toEqual([]);
  });

  it("encloses a local attachment with its file's real length, not the length the record states", async () => {
    const xml = renderRss(
      modelOf(
        await dataset({
          posts: { a: postRecord({ attachments: [{ url: '../media/talk.mp3', mimeType: 'audio/mpeg', size: 999999 }] }) },
          media: { 'talk.mp3': 'twelve bytes' },
        }),
      ),
    );
    expect(only(firstItem(xml), '', 'enclosure').attributes.length).toBe('12');
  });
});
