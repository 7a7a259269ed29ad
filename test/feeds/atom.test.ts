import { readFile } from 'node:fs/promises';
import { parseFeed } from '@rowanmanning/feed-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAtom } from '../../src/feeds/atom.ts';
import { siteScope } from '../../src/feeds/model.ts';
import { buildFeedModel } from '../with-safe-content.ts';
import { dropNonXmlChars } from '../../src/feeds/xml-escape.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { childrenNamed, descendants, NS, only, parseXml, textOf, xmlErrors, type XmlElement } from './parse.ts';
import { BASE, modelOf, SEED_ID, SEED_IMAGE, SEED_TITLE, SEED_URL, seedDataset } from '../support.ts';

const MRSS = 'http://search.yahoo.com/mrss/';
const entriesOf = (feed: XmlElement): XmlElement[] => childrenNamed(feed, NS.atom, 'entry');
const firstEntry = (xml: string): XmlElement => {
  const entry = entriesOf(parseXml(xml))[0];
  if (!entry) throw new Error('the feed has no entry');
  return entry;
};
const links = (parent: XmlElement) => childrenNamed(parent, NS.atom, 'link').map((link) => link.attributes);

afterEach(() => {
  vi.useRealTimers();
});

describe('renderAtom on the seed data', async () => {
  const xml = renderAtom(modelOf(await seedDataset()));
  const imageBytes = (await readFile(SEED_IMAGE)).byteLength;

  it('is well-formed XML in the Atom namespace, in the site language', () => {
    expect(xmlErrors(xml)).toEqual([]);
    const feed = parseXml(xml);
    expect(feed.uri).toBe(NS.atom);
    expect(feed.local).toBe('feed');
    expect(feed.attributes['xml:lang']).toBe('en');
  });

  it('has a feed id, title, updated, author and self and alternate links', () => {
    const feed = parseXml(xml);
    expect(textOf(feed, NS.atom, 'id')).toBe(`${BASE}/`);
    expect(textOf(feed, NS.atom, 'title')).toBe('WEGO Group News');
    expect(textOf(feed, NS.atom, 'subtitle')).toBe('Company news from WEGO Group.');
    expect(textOf(feed, NS.atom, 'updated')).toBe('2022-01-17T00:00:00Z');
    expect(textOf(feed, NS.atom, 'rights')).toBe('© WEGO Group');
    const author = only(feed, NS.atom, 'author');
    expect(textOf(author, NS.atom, 'name')).toBe('WEGO Group');
    expect(links(feed)).toEqual([
      { rel: 'self', type: 'application/atom+xml', href: `${BASE}/atom.xml` },
      { rel: 'alternate', type: 'text/html', href: `${BASE}/` },
      { rel: 'alternate', type: 'application/rss+xml', href: `${BASE}/rss.xml` },
      { rel: 'alternate', type: 'application/feed+json', href: `${BASE}/feed.json` },
    ]);
  });

  it('gives the seed entry its id, link, RFC 3339 dates, category term, summary and HTML content', () => {
    const entry = firstEntry(xml);
    expect(textOf(entry, NS.atom, 'id')).toBe(SEED_ID);
    expect(textOf(entry, NS.atom, 'title')).toBe(SEED_TITLE);
    expect(textOf(entry, NS.atom, 'published')).toBe('2022-01-17T00:00:00Z');
    expect(textOf(entry, NS.atom, 'updated')).toBe('2022-01-17T00:00:00Z');
    expect(childrenNamed(entry, NS.atom, 'category').map((c) => c.attributes)).toEqual([{ term: 'Company News' }]);
    const summary = only(entry, NS.atom, 'summary');
    expect(summary.attributes.type).toBe('text');
    expect(summary.text.startsWith('Recently,')).toBe(true);
    expect(Array.from(summary.text).length).toBeLessThanOrEqual(280);
    const content = only(entry, NS.atom, 'content');
    expect(content.attributes.type).toBe('html');
    expect(content.text).toContain(`<img src="${BASE}/media/cxdfhd-1.png" alt="cxdfhd (1)"`);
    expect(content.text).not.toContain('../media');
    // No author of its own: the entry names the site's, as the feed does.
    expect(childrenNamed(entry, NS.atom, 'author').map((a) => textOf(a, NS.atom, 'name'))).toEqual(['WEGO Group']);
    // Same language as the feed: nothing to say.
    expect(entry.attributes['xml:lang']).toBeUndefined();
  });

  it('links the entry to its page and encloses the image with its real type and length', () => {
    expect(links(firstEntry(xml))).toEqual([
      { rel: 'alternate', type: 'text/html', href: SEED_URL },
      { rel: 'enclosure', href: `${BASE}/media/cxdfhd-1.png`, type: 'image/png', length: String(imageBytes) },
    ]);
    expect(imageBytes).toBe(7411);
  });

  it('reads back the same through @rowanmanning/feed-parser', () => {
    const feed = parseFeed(xml);
    expect(feed.meta).toEqual({ type: 'atom', version: '1.0' });
    expect(feed.title).toBe('WEGO Group News');
    expect(feed.language).toBe('en');
    expect(feed.url).toBe(`${BASE}/`);
    expect(feed.self).toBe(`${BASE}/atom.xml`);
    expect(feed.updated?.toISOString()).toBe('2022-01-17T00:00:00.000Z');
    expect(feed.authors.map((a) => a.name)).toEqual(['WEGO Group']);
    const item = feed.items[0];
    expect(item?.id).toBe(SEED_ID);
    expect(item?.title).toBe(SEED_TITLE);
    expect(item?.url).toBe(SEED_URL);
    expect(item?.published?.toISOString()).toBe('2022-01-17T00:00:00.000Z');
    expect(item?.updated?.toISOString()).toBe('2022-01-17T00:00:00.000Z');
    expect(item?.categories.map((c) => c.term)).toEqual(['Company News']);
    expect(item?.authors.map((a) => a.name)).toEqual(['WEGO Group']);
    expect(item?.content).toContain(`src="${BASE}/media/cxdfhd-1.png"`);
    expect(item?.media).toEqual([
      { url: `${BASE}/media/cxdfhd-1.png`, image: `${BASE}/media/cxdfhd-1.png`, title: null, length: imageBytes, type: 'image', mimeType: 'image/png' },
    ]);
  });

  it('uses only absolute URLs, in ids, attributes and the content', () => {
    const urls: string[] = [];
    for (const element of descendants(parseXml(xml))) {
      if (element.local === 'id' || element.local === 'uri' || element.local === 'icon') urls.push(element.text);
      if (element.attributes.href !== undefined) urls.push(element.attributes.href);
      if (element.local === 'content') {
        for (const match of element.text.matchAll(/\s(?:src|href)="([^"]*)"/g)) urls.push(match[1] ?? '');
      }
    }
    expect(urls.length).toBeGreaterThanOrEqual(8);
    for (const url of urls) expect(URL.canParse(url), url).toBe(true);
  });
});

describe('renderAtom entries', () => {
  it('writes published and updated in RFC 3339, in UTC, with milliseconds only when there are some', async () => {
    const xml = renderAtom(
      modelOf(
        await dataset({
          posts: { a: postRecord({ published: '2022-01-17T09:30:00+08:00', updated: '2022-01-18T09:30:00.250+08:00' }) },
        }),
      ),
    );
    const entry = firstEntry(xml);
    expect(textOf(entry, NS.atom, 'published')).toBe('2022-01-17T01:30:00Z');
    expect(textOf(entry, NS.atom, 'updated')).toBe('2022-01-18T01:30:00.250Z');
    expect(textOf(parseXml(xml), NS.atom, 'updated')).toBe('2022-01-18T01:30:00.250Z');
  });

  it('marks an entry whose language differs from the feed with xml:lang', async () => {
    const xml = renderAtom(
      modelOf(
        await dataset({
          posts: {
            german: postRecord({ title: 'Auf Deutsch', published: '2024-03-02', language: 'de' }),
            english: postRecord({ title: 'In English', published: '2024-03-01', language: 'en' }),
          },
        }),
      ),
    );
    const [german, english] = entriesOf(parseXml(xml));
    expect(german?.attributes['xml:lang']).toBe('de');
    expect(english?.attributes['xml:lang']).toBeUndefined();
  });

  it('names the entry authors with e-mail and URI when it has its own', async () => {
    const xml = renderAtom(
      modelOf(
        await dataset({
          posts: {
            a: postRecord({ authors: [{ name: 'Anna Berg', email: 'anna@example.com', url: '/people/anna' }] }),
          },
        }),
      ),
    );
    const author = only(firstEntry(xml), NS.atom, 'author');
    expect(textOf(author, NS.atom, 'name')).toBe('Anna Berg');
    expect(textOf(author, NS.atom, 'email')).toBe('anna@example.com');
    expect(textOf(author, NS.atom, 'uri')).toBe(`${BASE}/people/anna`);
  });

  it("names the site's authors in an entry without its own, as RSS does", async () => {
    const xml = renderAtom(
      modelOf(
        await dataset({
          site: siteRecord({ authors: [{ name: 'Press & <Office>', email: 'press@example.com' }, { name: 'Desk' }] }),
          posts: { a: postRecord(), b: postRecord({ published: '2024-01-01', authors: [{ name: 'Anna Berg' }] }) },
        }),
      ),
    );
    const [a, b] = entriesOf(parseXml(xml));
    const names = (entry: XmlElement | undefined) =>
      childrenNamed(entry!, NS.atom, 'author').map((author) => textOf(author, NS.atom, 'name'));
    expect(names(a)).toEqual(['Press & <Office>', 'Desk']);
    expect(textOf(childrenNamed(a!, NS.atom, 'author')[0]!, NS.atom, 'email')).toBe('press@example.com');
    expect(names(b)).toEqual(['Anna Berg']);
  });

  it('links the lead image as an enclosure and as a Media RSS thumbnail', async () => {
    const xml = renderAtom(
      modelOf(
        await dataset({
          posts: { a: postRecord({ image: { url: '../media/photo.png', alt: 'A photo' } }), b: postRecord({ published: '2024-01-01' }) },
          media: { 'photo.png': 'png bytes' },
        }),
      ),
    );
    const [a, b] = entriesOf(parseXml(xml));
    expect(links(a!).filter((link) => link.rel === 'enclosure')).toEqual([
      { rel: 'enclosure', href: `${BASE}/media/photo.png`, type: 'image/png', length: '9' },
    ]);
    expect(only(a!, MRSS, 'thumbnail').attributes).toEqual({ url: `${BASE}/media/photo.png` });
    expect(childrenNamed(b!, MRSS, 'thumbnail')).toEqual([]);
  });

  it('encloses each attachment with its type, length and title', async () => {
    const xml = renderAtom(
      modelOf(
        await dataset({
          posts: {
            a: postRecord({
              attachments: [
                { url: '../media/talk.mp3', mimeType: 'audio/mpeg', title: 'The talk' },
                { url: 'https://cdn.example.com/b.pdf', mimeType: 'application/pdf' },
              ],
            }),
          },
          media: { 'talk.mp3': 'twelve bytes' },
        }),
      ),
    );
    expect(links(firstEntry(xml)).filter((link) => link.rel === 'enclosure')).toEqual([
      { rel: 'enclosure', href: `${BASE}/media/talk.mp3`, type: 'audio/mpeg', length: '12', title: 'The talk' },
      { rel: 'enclosure', href: 'https://cdn.example.com/b.pdf', type: 'application/pdf' },
    ]);
  });
});

describe('renderAtom is a pure function of the data', () => {
  it('gives the same bytes when rendered at different wall-clock times', async () => {
    const data = await dataset({ posts: { a: postRecord({ updated: '2024-05-02T10:00:00+02:00' }) } });
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-06-01T12:00:00Z'));
    const first = renderAtom(modelOf(data));
    vi.setSystemTime(new Date('2035-02-03T04:05:06Z'));
    expect(renderAtom(modelOf(data))).toBe(first);
    expect(textOf(parseXml(first), NS.atom, 'updated')).toBe('2024-05-02T08:00:00Z');
  });

  it('dates a feed with no entries at the epoch, never now', async () => {
    const empty = await dataset({ posts: { later: postRecord({ published: '2099-01-01' }) } });
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-06-01T12:00:00Z'));
    const first = renderAtom(modelOf(empty));
    vi.setSystemTime(new Date('2032-06-01T12:00:00Z'));
    expect(renderAtom(modelOf(empty))).toBe(first);
    const feed = parseXml(first);
    expect(entriesOf(feed)).toEqual([]);
    expect(textOf(feed, NS.atom, 'updated')).toBe('1970-01-01T00:00:00Z');
    expect(parseFeed(first).items).toEqual([]);
  });
});

describe('renderAtom with hostile text', () => {
  const title = 'Q&A: <b>"Quotes"</b> ]]> and ]]> again\u0001\u0008\uFFFF\r\nend';
  const category = 'R&D <"Labs"> \'quoted\' ]]>';
  const attachmentTitle = 'Report <"2024"> & Co\'s';
  const data = () =>
    dataset({
      site: siteRecord({ title: 'News & <Views> ]]>\u0007' }),
      posts: {
        a: postRecord({
          title,
          content: '<p>one ]]> two ]]> three\u000B</p><p>a &amp; b</p>',
          categories: [category],
          attachments: [{ url: 'https://cdn.example.com/r.pdf?a=1&b=2', mimeType: 'application/pdf', title: attachmentTitle }],
        }),
      },
    });

  it('stays well-formed, and every text reads back as written less what XML forbids', async () => {
    const xml = renderAtom(modelOf(await data()));
    expect(xmlErrors(xml)).toEqual([]);
    expect(textOf(parseXml(xml), NS.atom, 'title')).toBe('News & <Views> ]]>');
    const entry = firstEntry(xml);
    expect(textOf(entry, NS.atom, 'title')).toBe(dropNonXmlChars(title));
    expect(textOf(entry, NS.atom, 'title')).toBe('Q&A: <b>"Quotes"</b> ]]> and ]]> again\r\nend');
    // The sanitiser writes the text's `>` as `&gt;`: the same HTML, read back as the same text.
    expect(textOf(entry, NS.atom, 'content')).toBe('<p>one ]]&gt; two ]]&gt; three</p><p>a &amp; b</p>');
  });

  it('escapes <, & and " in attribute values, so they read back exactly', async () => {
    const entry = firstEntry(renderAtom(modelOf(await data())));
    expect(only(entry, NS.atom, 'category').attributes.term).toBe(category);
    const enclosure = links(entry).find((link) => link.rel === 'enclosure');
    expect(enclosure?.title).toBe(attachmentTitle);
    expect(enclosure?.href).toBe('https://cdn.example.com/r.pdf?a=1&b=2');
  });

  it('reads back through @rowanmanning/feed-parser', async () => {
    const item = parseFeed(renderAtom(modelOf(await data()))).items[0];
    expect(item?.title).toBe(dropNonXmlChars(title));
    expect(item?.categories.map((c) => c.term)).toEqual([category]);
    expect(item?.media[0]?.title).toBe(attachmentTitle);
  });
});

describe('renderAtom under a base URL with a path', () => {
  it('keeps the path in the feed id, the links and the resolved content', async () => {
    const data = await dataset({
      site: siteRecord({ url: 'https://example.com/news', icon: 'media/icon.png' }),
      posts: { a: postRecord({ content: '<a href="b#part">next</a><video poster="../media/p.jpg"></video>' }) },
    });
    const xml = renderAtom(modelOf(data, 'https://example.com/news'));
    const feed = parseXml(xml);
    expect(textOf(feed, NS.atom, 'id')).toBe('https://example.com/news/');
    expect(textOf(feed, NS.atom, 'icon')).toBe('https://example.com/news/media/icon.png');
    expect(links(feed)[0]?.href).toBe('https://example.com/news/atom.xml');
    const entry = firstEntry(xml);
    expect(links(entry)[0]?.href).toBe('https://example.com/news/posts/a/');
    expect(textOf(entry, NS.atom, 'content')).toBe(
      '<a href="https://example.com/news/posts/b#part">next</a><video poster="https://example.com/news/media/p.jpg"></video>',
    );
  });
});

describe('renderAtom with a WebSub hub', () => {
  it('links the hub beside the self link', async () => {
    const data = await dataset({ site: siteRecord({ hub: 'https://hub.example.com/' }), posts: { a: postRecord() } });
    const feed = parseXml(renderAtom(buildFeedModel(data.site, siteScope(data.site, data.posts), { baseUrl: BASE })));
    const links = childrenNamed(feed, NS.atom, 'link').map((link) => [link.attributes.rel, link.attributes.href]);
    expect(links.filter(([rel]) => rel === 'self' || rel === 'hub')).toEqual([
      ['self', `${BASE}/atom.xml`],
      ['hub', 'https://hub.example.com/'],
    ]);
  });
});
