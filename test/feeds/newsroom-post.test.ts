/**
 * A post as a newsroom writes one today: Markdown, with a lead image, dated in a site whose pages show
 * San Francisco's time. All three feeds carry the rendered HTML, the image and the instant itself; the
 * post's page shows the day as it was in San Francisco.
 */
import { describe, expect, it } from 'vitest';
import { renderAtom } from '../../src/feeds/atom.ts';
import { renderJsonFeed } from '../../src/feeds/json-feed.ts';
import { siteScope } from '../../src/feeds/model.ts';
import { renderRss } from '../../src/feeds/rss.ts';
import { buildFeedModel, createApp } from '../with-safe-content.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { NS, childrenNamed, parseXml, textOf } from './parse.ts';

const BASE = 'https://news.example.com';
const MRSS = 'http://search.yahoo.com/mrss/';
// 18:30 in San Francisco is 02:30 the next day in UTC.
const PUBLISHED = '2024-03-01T18:30:00-08:00';

const newsroom = () =>
  dataset({
    site: siteRecord({ timeZone: 'America/Los_Angeles' }),
    posts: {
      ferry: postRecord({
        title: 'Ferry service launches at dusk',
        published: PUBLISHED,
        format: 'markdown',
        content: '## At dusk\n\nThe **first** evening ferry left [Pier 41](/posts/pier-41) on time.\n',
        image: { url: '/media/ferry.png', alt: 'The ferry at the pier' },
      }),
    },
    media: { 'ferry.png': new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]) },
  });

const RENDERED = '<h2>At dusk</h2>\n<p>The <strong>first</strong> evening ferry left <a href="https://news.example.com/posts/pier-41">Pier 41</a> on time.</p>\n';

describe('a Markdown post with a lead image, in a site on San Francisco time', () => {
  it('RSS carries the rendered HTML, the image as enclosure and Media RSS, and the instant in GMT', async () => {
    const data = await newsroom();
    const channel = parseXml(renderRss(buildFeedModel(data.site, siteScope(data.site, data.posts), { baseUrl: BASE }))).children[0]!;
    const item = childrenNamed(channel, '', 'item')[0]!;
    expect(textOf(item, NS.content, 'encoded')).toBe(RENDERED);
    expect(textOf(item, '', 'pubDate')).toBe('Sat, 02 Mar 2024 02:30:00 GMT');
    expect(childrenNamed(item, '', 'enclosure')[0]?.attributes).toMatchObject({ url: `${BASE}/media/ferry.png`, type: 'image/png', length: '8' });
    expect(childrenNamed(item, MRSS, 'content')[0]?.attributes).toMatchObject({ url: `${BASE}/media/ferry.png`, medium: 'image' });
  });

  it('Atom and JSON Feed carry the same HTML, the image and the same instant', async () => {
    const data = await newsroom();
    const model = buildFeedModel(data.site, siteScope(data.site, data.posts), { baseUrl: BASE });
    const entry = childrenNamed(parseXml(renderAtom(model)), NS.atom, 'entry')[0]!;
    expect(textOf(entry, NS.atom, 'content')).toBe(RENDERED);
    expect(textOf(entry, NS.atom, 'published')).toBe('2024-03-02T02:30:00Z');
    expect(childrenNamed(entry, NS.atom, 'link').map((link) => link.attributes.rel)).toContain('enclosure');
    const json = JSON.parse(renderJsonFeed(model)) as { items: { content_html: string; image: string; date_published: string }[] };
    expect(json.items[0]).toMatchObject({ content_html: RENDERED, image: `${BASE}/media/ferry.png`, date_published: '2024-03-02T02:30:00Z' });
  });

  it("shows the post's page dated in San Francisco, with its lead image and the rendered body", async () => {
    const app = createApp({ dataset: await newsroom() });
    const page = await (await app.request(`${BASE}/posts/ferry/`)).text();
    expect(page).toContain('1 March 2024');
    expect(page).not.toContain('2 March 2024');
    expect(page).toContain('<h2>At dusk</h2>');
    expect(page).toMatch(/<img[^>]*src="https:\/\/news\.example\.com\/media\/ferry\.png"[^>]*alt="The ferry at the pier"|<img[^>]*alt="The ferry at the pier"[^>]*src="https:\/\/news\.example\.com\/media\/ferry\.png"/);
    expect(page).toContain('<meta property="og:image" content="https://news.example.com/media/ferry.png">');
  });
});
