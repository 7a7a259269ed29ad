/**
 * Why src/feeds renders the three formats itself: what the `feed` package 6.0.0 (jpmonette/feed) does
 * wrong, pinned as it behaves today. Each test asserts the faulty output, so the day a release fixes
 * one it fails here, and we can reconsider. The package's version is checked first, so an upgrade is
 * read against these notes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Feed, type FeedOptions, type Item } from 'feed';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ROOT } from '../fixtures.ts';
import { childrenNamed, NS, only, parseXml, textOf, xmlErrors } from './parse.ts';

const OPTIONS: FeedOptions = {
  title: 'Example News',
  id: 'https://news.example.com/',
  link: 'https://news.example.com/',
  description: 'Company news.',
  language: 'de',
  updated: new Date('2024-03-02T00:00:00Z'),
  feedLinks: { json: 'https://news.example.com/feed.json', atom: 'https://news.example.com/atom.xml' },
  author: { name: 'Desk', email: 'desk@example.com' },
};
const ITEM: Item = {
  title: 'A post',
  id: 'tag:news.example.com,2024:a-post',
  link: 'https://news.example.com/posts/a-post',
  date: new Date('2024-03-02T00:00:00Z'),
  published: new Date('2024-03-01T00:00:00Z'),
  content: '<p>Body</p>',
};

const feedWith = (item: Partial<Item> = {}, options: Partial<FeedOptions> = {}): Feed => {
  const feed = new Feed({ ...OPTIONS, ...options });
  feed.addItem({ ...ITEM, ...item });
  return feed;
};

afterEach(() => {
  vi.useRealTimers();
});

it('is version 6.0.0, the release these notes describe', async () => {
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'node_modules', 'feed', 'package.json'), 'utf8')) as { version: string };
  expect(manifest.version).toBe('6.0.0');
});

describe('Atom 1.0 (atom1)', () => {
  it('writes a category named but without the term RFC 4287 §4.2.2 requires', () => {
    const entry = only(parseXml(feedWith({ category: [{ name: 'Company News' }] }).atom1()), NS.atom, 'entry');
    expect(only(entry, NS.atom, 'category').attributes).toEqual({ label: 'Company News' });
  });

  it('ignores the language: no xml:lang anywhere', () => {
    const xml = feedWith().atom1();
    expect(parseXml(xml).attributes).toEqual({ xmlns: NS.atom });
    expect(xml).not.toContain('xml:lang');
  });

  it('dates the feed by the clock when updated is not passed', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-06-01T12:34:56Z'));
    const { updated: _updated, ...withoutUpdated } = OPTIONS;
    const feed = new Feed(withoutUpdated);
    feed.addItem(ITEM);
    expect(textOf(parseXml(feed.atom1()), NS.atom, 'updated')).toBe('2031-06-01T12:34:56.000Z');
  });

  it('leaves < and & unescaped in attribute values, which makes the document not XML', () => {
    const xml = feedWith({ category: [{ name: 'R&D <Labs>' }], enclosure: { url: 'https://cdn.example.com/r.pdf', title: 'Q&A' } }).atom1();
    expect(xml).toContain('label="R&amp;D <Labs>"');
    expect(xml).toContain('title="Q&A"');
    expect(xmlErrors(xml)).toEqual(expect.arrayContaining([expect.stringContaining('disallowed character')]));
  });

  it('types every enclosure as image/<file extension>, whatever type it is given', () => {
    const xml = feedWith({ enclosure: { url: 'https://cdn.example.com/report.pdf', type: 'application/pdf', length: 3 } }).atom1();
    const entry = only(parseXml(xml), NS.atom, 'entry');
    const enclosure = childrenNamed(entry, NS.atom, 'link').find((link) => link.attributes.rel === 'enclosure');
    expect(enclosure?.attributes.type).toBe('image/pdf');
  });
});

describe('RSS 2.0 (rss2)', () => {
  it('writes an author without e-mail as <author>, which RSS 2.0 defines as an e-mail address', () => {
    const xml = feedWith({ author: [{ name: 'Anna Berg' }, { name: 'Ben', email: 'ben@example.com' }] }).rss2();
    const item = only(only(parseXml(xml), '', 'channel'), '', 'item');
    expect(childrenNamed(item, '', 'author').map((author) => author.text)).toEqual(['Anna Berg', 'ben@example.com (Ben)']);
    expect(childrenNamed(item, NS.dc, 'creator')).toEqual([]);
  });

  it('sets lastBuildDate from the clock when updated is not passed', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-06-01T12:34:56Z'));
    const { updated: _updated, ...withoutUpdated } = OPTIONS;
    const first = new Feed(withoutUpdated).rss2();
    expect(textOf(only(parseXml(first), '', 'channel'), '', 'lastBuildDate')).toBe('Sun, 01 Jun 2031 12:34:56 GMT');
    vi.setSystemTime(new Date('2031-06-01T12:34:57Z'));
    expect(new Feed(withoutUpdated).rss2()).not.toBe(first);
  });

  it('escapes only the first ]]> in a CDATA section, so a second one ends it early', () => {
    expect(xmlErrors(feedWith({ content: '<p>one ]]> two</p>' }).rss2())).toEqual([]);
    const xml = feedWith({ title: 'a ]]> b ]]> c', content: '<p>one ]]> two ]]> three</p>' }).rss2();
    expect(xml).toContain('<![CDATA[<p>one ]]]]><![CDATA[> two ]]> three</p>]]>');
    // In the title the stray `]]>` is an error in text; in the content, the section ends before `</p>`.
    expect(xmlErrors(xml)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('the string "]]>" is disallowed in char data'),
        expect.stringContaining('unmatched closing tag: p'),
      ]),
    );
  });

  it('lets control characters through, which makes the document not XML', () => {
    const xml = feedWith({ title: 'Bell\u0007', content: '<p>x\u0001</p>' }).rss2();
    expect(xml).toContain('Bell\u0007');
    expect(xmlErrors(xml)).toEqual(expect.arrayContaining([expect.stringContaining('disallowed character')]));
  });

  it('leaves < and & unescaped in attribute values', () => {
    const xml = feedWith({ enclosure: { url: 'https://cdn.example.com/r.pdf', title: 'Q&A <2024>', length: 3, type: 'application/pdf' } }).rss2();
    expect(xml).toContain('title="Q&A <2024>"');
    expect(xmlErrors(xml)).not.toEqual([]);
  });

  it('un-escapes &amp; in text before escaping it, so a text that contains "&amp;" reads back as "&"', () => {
    const xml = feedWith({ category: [{ name: 'R&amp;D' }] }).rss2();
    const item = only(only(parseXml(xml), '', 'channel'), '', 'item');
    expect(textOf(item, '', 'category')).toBe('R&D');
  });
});

describe('JSON Feed (json1)', () => {
  it('writes JSON Feed version 1 with a single author object, not 1.1 with an authors array', () => {
    const feed = JSON.parse(feedWith({ author: [{ name: 'Anna Berg' }, { name: 'Ben' }] }).json1()) as Record<string, unknown> & {
      items: Record<string, unknown>[];
    };
    expect(feed.version).toBe('https://jsonfeed.org/version/1');
    expect(feed.author).toEqual({ name: 'Desk' });
    expect(feed).not.toHaveProperty('authors');
    expect(feed.items[0]?.author).toEqual({ name: 'Anna Berg' });
    expect(feed.items[0]).not.toHaveProperty('authors');
  });

  it('drops the language and the enclosure, and the id an item must have when only a link is given', () => {
    const { id: _id, ...withoutId } = ITEM;
    const feed = new Feed(OPTIONS);
    feed.addItem({ ...withoutId, enclosure: { url: 'https://cdn.example.com/r.pdf', type: 'application/pdf', length: 3 } });
    const json = JSON.parse(feed.json1()) as Record<string, unknown> & { items: Record<string, unknown>[] };
    expect(json).not.toHaveProperty('language');
    expect(json.items[0]).not.toHaveProperty('attachments');
    expect(json.items[0]).not.toHaveProperty('id');
    expect(json.items[0]?.url).toBe(ITEM.link);
  });

  it('lets control characters through to content_html', () => {
    const feed = JSON.parse(feedWith({ content: '<p>x\u0001</p>' }).json1()) as { items: { content_html: string }[] };
    expect(feed.items[0]?.content_html).toBe('<p>x\u0001</p>');
  });
});

describe('every format', () => {
  it('throws on a relative URL instead of resolving it', () => {
    expect(() => feedWith({}, { link: '/' }).rss2()).toThrow(expect.objectContaining({ name: 'TypeError', message: 'Invalid URL', input: '/' }));
    expect(() => feedWith({ link: '/posts/a-post' }).rss2()).toThrow(TypeError);
    expect(() => feedWith({ link: '/posts/a-post' }).atom1()).toThrow(TypeError);
    expect(() => feedWith({ image: '../media/a.png' }).rss2()).toThrow(TypeError);
  });
});
