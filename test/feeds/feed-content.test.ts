/**
 * `feedContent: "summary"`: every format carries the summary and a link, and never the post's body,
 * while the post's own page still shows all of it.
 */
import { describe, expect, it } from 'vitest';
import { renderAtom } from '../../src/feeds/atom.ts';
import { renderJsonFeed } from '../../src/feeds/json-feed.ts';
import { siteScope } from '../../src/feeds/model.ts';
import { renderRss } from '../../src/feeds/rss.ts';
import { buildFeedModel, createApp } from '../with-safe-content.ts';
import { dataset, jsonFeedSchemaErrors, postRecord, siteRecord } from '../fixtures.ts';
import { NS, childrenNamed, parseXml, textOf } from './parse.ts';

const BASE = 'https://news.example.com';
const BODY = '<p>The <em>whole</em> story, which only the page tells.</p>';
const SUMMARY = 'Two plain sentences. No more.';

const newsroom = (feedContent?: string) =>
  dataset({
    site: siteRecord(feedContent === undefined ? {} : { feedContent }),
    posts: {
      told: postRecord({ title: 'Told', published: '2024-03-02', content: BODY, summary: SUMMARY }),
      untold: postRecord({ title: 'Untold', published: '2024-03-01', content: '<p>First words of the body make the summary.</p>' }),
    },
  });

const modelOf = async (feedContent?: string) => {
  const data = await newsroom(feedContent);
  return buildFeedModel(data.site, siteScope(data.site, data.posts), { baseUrl: BASE });
};

describe('feedContent "summary"', () => {
  it('leaves the content out of the model, and the summary in', async () => {
    const model = await modelOf('summary');
    expect(model.items.map((item) => [item.summary, 'contentHtml' in item])).toEqual([
      [SUMMARY, false],
      ['First words of the body make the summary.', false],
    ]);
  });

  it('RSS: a description and a link, no content:encoded', async () => {
    const channel = parseXml(renderRss(await modelOf('summary'))).children[0]!;
    const items = childrenNamed(channel, '', 'item');
    expect(items).toHaveLength(2);
    for (const item of items) expect(childrenNamed(item, NS.content, 'encoded')).toEqual([]);
    expect(textOf(items[0]!, '', 'description')).toBe(SUMMARY);
    expect(textOf(items[0]!, '', 'link')).toBe(`${BASE}/posts/told/`);
  });

  it('Atom: a summary and the alternate link, no content', async () => {
    const entries = childrenNamed(parseXml(renderAtom(await modelOf('summary'))), NS.atom, 'entry');
    for (const entry of entries) expect(childrenNamed(entry, NS.atom, 'content')).toEqual([]);
    expect(textOf(entries[0]!, NS.atom, 'summary')).toBe(SUMMARY);
    // RFC 4287 §4.1.1: an entry without content must have an alternate link.
    expect(childrenNamed(entries[0]!, NS.atom, 'link').map((l) => l.attributes.rel)).toContain('alternate');
  });

  it('JSON Feed: the summary as content_text, valid against the JSON Feed 1.1 schema', async () => {
    const feed = JSON.parse(renderJsonFeed(await modelOf('summary'))) as { items: Record<string, unknown>[] };
    expect(feed.items[0]).toMatchObject({ url: `${BASE}/posts/told/`, content_text: SUMMARY });
    for (const item of feed.items) {
      expect(item).not.toHaveProperty('content_html');
      expect(item).not.toHaveProperty('summary');
    }
    expect(jsonFeedSchemaErrors(feed)).toEqual([]);
  });

  it('no feed the app serves carries the body; the post’s page does', async () => {
    const app = createApp({ dataset: await newsroom('summary'), options: { siteUrl: BASE } });
    for (const path of ['/rss.xml', '/atom.xml', '/feed.json']) {
      const body = await (await app.request(`http://localhost${path}`)).text();
      expect(body, path).toContain('Two plain sentences');
      expect(body, path).not.toMatch(/whole|only the page tells/);
    }
    expect(await (await app.request('http://localhost/posts/told/')).text()).toContain(BODY);
  });
});

describe('feedContent "full", the default', () => {
  it('carries the content in every format, as before', async () => {
    for (const model of [await modelOf(), await modelOf('full')]) {
      expect(model.items[0]?.contentHtml).toBe(BODY);
      expect(renderRss(model)).toContain('<content:encoded>');
      expect(renderAtom(model)).toContain('<content type="html">');
      const item = (JSON.parse(renderJsonFeed(model)) as { items: Record<string, unknown>[] }).items[0];
      expect(item).toMatchObject({ content_html: BODY, summary: SUMMARY });
      expect(item).not.toHaveProperty('content_text');
    }
  });
});
