import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { absoluteUrlsInHtml } from '../../src/feeds/absolute-urls.ts';
import { renderAtom } from '../../src/feeds/atom.ts';
import { renderJsonFeed } from '../../src/feeds/json-feed.ts';
import { siteScope } from '../../src/feeds/model.ts';
import { buildFeedModel, feedItem } from '../with-safe-content.ts';
import { renderRss } from '../../src/feeds/rss.ts';
import { dropNonXmlChars } from '../../src/feeds/xml-escape.ts';
import type { Post } from '../../src/posts/index.ts';
import { dataset } from '../fixtures.ts';
import { childrenNamed, NS, only, parseXml, textOf, xmlErrors, type XmlElement } from './parse.ts';

const BASE = 'https://news.example.com';
const RUNS = { numRuns: 200 };

/** The pieces that have broken feeds before: CDATA ends, markup, controls, CR, non-characters, lone surrogates. */
const NASTY = fc.constantFrom(
  ']]>', ']]', ']', '<', '>', '&', '&amp;', '&#0;', '"', "'", '<![CDATA[', '\r', '\r\n', '\n', '\t', ' ',
  '\u0000', '\u0001', '\u0008', '\u000B', '\u000C', '\u001F', '\u007F', '\u0085', '\uFFFE', '\uFFFF', '\uD800',
  '\uDFFF', '\uFEFF', '\u2028', '🎉', '👩‍👩‍👧', '𝔘', 'مرحبا بالعالم', 'שלום', '\u202E', '\u200F',
);
/** Any code units at all (half surrogates included) mixed with the nasty pieces. */
const text = fc
  .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), NASTY), { maxLength: 10 })
  .map((parts) => parts.join(''));

const { site } = await dataset();

/** A post built as the loader would leave it, without the schema: the renderers must cope with any text. */
const post = (title: string, content: string, category: string): Post => ({
  title,
  content,
  published: new Date('2024-03-01T00:00:00Z'),
  updated: new Date('2024-03-02T00:00:00Z'),
  slug: 'p',
  file: 'data/posts/p.json',
  categories: [category],
  attachments: [{ url: 'https://cdn.example.com/a.pdf', mimeType: 'application/pdf', title: category }],
});

const modelFor = (title: string, content: string, category: string) =>
  buildFeedModel({ ...site, title }, siteScope({ ...site, title }, [post(title, content, category)]), { baseUrl: BASE });

const firstChild = (parent: XmlElement, uri: string, local: string): XmlElement => {
  const found = childrenNamed(parent, uri, local)[0];
  if (!found) throw new Error(`no ${local} in <${parent.name}>`);
  return found;
};

describe('any text gives well-formed feeds that carry it', () => {
  it('RSS: zero saxes errors; title, content and category read back as given, less what XML forbids', () => {
    fc.assert(
      fc.property(text, text, text, (title, content, category) => {
        const xml = renderRss(modelFor(title, content, category));
        expect(xmlErrors(xml)).toEqual([]);
        const channel = only(parseXml(xml), '', 'channel');
        expect(textOf(channel, '', 'title')).toBe(dropNonXmlChars(title));
        const item = firstChild(channel, '', 'item');
        expect(textOf(item, '', 'title')).toBe(dropNonXmlChars(title));
        expect(textOf(item, NS.content, 'encoded')).toBe(feedItem(post(title, content, category), BASE).contentHtml);
        expect(textOf(item, '', 'category')).toBe(dropNonXmlChars(category));
      }),
      RUNS,
    );
  });

  it('Atom: zero saxes errors; texts and attribute values read back as given, less what XML forbids', () => {
    fc.assert(
      fc.property(text, text, text, (title, content, category) => {
        const xml = renderAtom(modelFor(title, content, category));
        expect(xmlErrors(xml)).toEqual([]);
        const feed = parseXml(xml);
        expect(textOf(feed, NS.atom, 'title')).toBe(dropNonXmlChars(title));
        const entry = firstChild(feed, NS.atom, 'entry');
        expect(textOf(entry, NS.atom, 'title')).toBe(dropNonXmlChars(title));
        expect(textOf(entry, NS.atom, 'content')).toBe(feedItem(post(title, content, category), BASE).contentHtml);
        expect(only(entry, NS.atom, 'category').attributes.term).toBe(dropNonXmlChars(category));
        const enclosure = childrenNamed(entry, NS.atom, 'link').find((link) => link.attributes.rel === 'enclosure');
        expect(enclosure?.attributes.title).toBe(dropNonXmlChars(category));
      }),
      RUNS,
    );
  });

  it('JSON Feed: valid JSON whose texts are the same as in the XML formats', () => {
    fc.assert(
      fc.property(text, text, text, (title, content, category) => {
        const feed = JSON.parse(renderJsonFeed(modelFor(title, content, category))) as {
          title: string;
          items: { title: string; content_html: string; tags: string[] }[];
        };
        expect(feed.title).toBe(dropNonXmlChars(title));
        expect(feed.items[0]?.title).toBe(dropNonXmlChars(title));
        expect(feed.items[0]?.content_html).toBe(feedItem(post(title, content, category), BASE).contentHtml);
        expect(feed.items[0]?.tags).toEqual([dropNonXmlChars(category)]);
      }),
      RUNS,
    );
  });

  it('the same data always gives the same bytes', () => {
    fc.assert(
      fc.property(text, text, (title, content) => {
        for (const render of [renderRss, renderAtom, renderJsonFeed]) {
          expect(render(modelFor(title, content, 'c'))).toBe(render(modelFor(title, content, 'c')));
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('any relative reference in content becomes absolute', () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/);
  const reference = fc
    .tuple(fc.constantFrom('', '/', './', '../', '../../'), fc.array(segment, { minLength: 1, maxLength: 4 }))
    .map(([prefix, segments]) => prefix + segments.join('/'));

  it('in href, src, poster and every srcset candidate, resolved against the post URL', () => {
    const postUrl = 'https://example.com/news/posts/p';
    fc.assert(
      fc.property(reference, reference, reference, (a, b, c) => {
        const html = absoluteUrlsInHtml(
          `<a href="${a}">x</a><img src='${b}' srcset="${a} 1x, ${b} 2x,${c} 480w"><video poster=${c}></video>`,
          postUrl,
        );
        const resolve = (ref: string) => new URL(ref, postUrl).href;
        expect(html).toBe(
          `<a href="${resolve(a)}">x</a><img src="${resolve(b)}" srcset="${resolve(a)} 1x, ${resolve(b)} 2x, ${resolve(c)} 480w">` +
            `<video poster="${resolve(c)}"></video>`,
        );
      }),
      RUNS,
    );
  });
});
