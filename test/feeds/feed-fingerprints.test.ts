import { describe, expect, it } from 'vitest';
import { renderAtom } from '../../src/feeds/atom.ts';
import { allFeedUrls, changedFeedUrls, feedFingerprints } from '../../src/feeds/feed-fingerprints.ts';
import { renderJsonFeed } from '../../src/feeds/json-feed.ts';
import { FEED_FILES, FEED_FORMATS, PublishedPosts, siteScope } from '../../src/feeds/model.ts';
import { renderRss } from '../../src/feeds/rss.ts';
import { buildScopes, namedFeedScope } from '../../src/feeds/scopes.ts';
import type { Dataset } from '../../src/posts/index.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { buildFeedModel, safeContent } from '../with-safe-content.ts';

const BASE = 'https://news.example.com';
const AT = new Date('2024-06-01T00:00:00Z');

type Records = Record<string, Record<string, unknown>>;
const POSTS: Records = {
  a1: postRecord({ title: 'A1', published: '2024-01-01', categories: ['Alpha'], authors: [{ name: 'Anna Berg' }] }),
  a2: postRecord({ title: 'A2', published: '2024-01-02', categories: ['Alpha'] }),
  a3: postRecord({ title: 'A3', published: '2024-01-03', categories: ['Alpha'] }),
  b1: postRecord({ title: 'B1', published: '2024-01-04', categories: ['Beta'] }),
  later: postRecord({ title: 'Later', published: '2025-01-01', categories: ['Gamma'] }),
};
const SITE = siteRecord({ feedLimit: 2 });

const build = (posts: Records = POSTS, site: Record<string, unknown> = SITE) => dataset({ site, posts });
const prints = (data: Dataset, at = AT, baseUrl = BASE) => feedFingerprints(data, { baseUrl, at, safeContent });
const urls = (path: string) => FEED_FORMATS.map((format) => `${BASE}${path}/${FEED_FILES[format]}`);

/** Every feed's first page in every format, keyed by URL: what a hub would fetch. */
function renderedFeeds(data: Dataset, at = AT): Map<string, string> {
  const published = new PublishedPosts(data).at(at);
  const scopes = [siteScope(data.site, published)];
  const named = buildScopes(data);
  for (const kind of ['category', 'author'] as const) {
    for (const scope of named.bySlug[kind].values()) {
      const posts = scope.posts.at(at);
      if (posts.length) scopes.push(namedFeedScope(data.site, scope, posts));
    }
  }
  const feeds = new Map<string, string>();
  for (const scope of scopes) {
    const model = buildFeedModel(data.site, scope, { baseUrl: BASE });
    feeds.set(model.feedUrls.rss, renderRss(model));
    feeds.set(model.feedUrls.atom, renderAtom(model));
    feeds.set(model.feedUrls.json, renderJsonFeed(model));
  }
  return feeds;
}

/** The URLs whose bytes differ (or that are new) in `next`. */
function reallyChanged(previous: Dataset, next: Dataset, at = AT): string[] {
  const before = renderedFeeds(previous, at);
  return [...renderedFeeds(next, at)].filter(([url, body]) => before.get(url) !== body).map(([url]) => url);
}

describe('feedFingerprints', () => {
  it('fingerprints every scope with a published post, main feeds first', async () => {
    const fingerprints = await prints(await build());
    expect(allFeedUrls(fingerprints)).toEqual(
      ['', '/categories/alpha', '/categories/beta', '/authors/anna-berg', '/authors/example-press-office'].flatMap(urls),
    );
    expect(Object.keys(fingerprints.feeds)[0]).toBe('/rss.xml');
  });

  it('is the same for the same data, whatever order the fields were written in', async () => {
    const reordered = Object.fromEntries(
      Object.entries(POSTS).map(([name, record]) => [name, Object.fromEntries(Object.entries(record).reverse())]),
    );
    expect(await prints(await build(reordered))).toEqual(await prints(await build()));
    expect(changedFeedUrls(await prints(await build()), await prints(await build()))).toEqual([]);
  });

  it('survives a JSON round trip, as the state file keeps it', async () => {
    const fingerprints = await prints(await build());
    expect(JSON.parse(JSON.stringify(fingerprints))).toEqual(fingerprints);
  });
});

describe('changedFeedUrls', () => {
  it('names every feed when there is no previous version, or the base URL moved', async () => {
    const next = await prints(await build());
    expect(changedFeedUrls(undefined, next)).toEqual(allFeedUrls(next));
    const elsewhere = await prints(await build(), AT, 'https://old.example.com');
    expect(changedFeedUrls(elsewhere, next)).toEqual(allFeedUrls(next));
  });

  it('names exactly the feeds whose bytes change, for each kind of edit', async () => {
    const base = await build();
    const edits: Record<string, () => Promise<Dataset>> = {
      'a new post in Beta': () => build({ ...POSTS, b2: postRecord({ title: 'B2', published: '2024-02-01', categories: ['Beta'] }) }),
      // A2 is on page 2 of the main feed (feedLimit 2) but page 1 of Alpha.
      'an old post edited without a new updated': () => build({ ...POSTS, a2: { ...POSTS.a2, content: '<p>Fixed a typo.</p>' } }),
      'an old post edited with a new updated': () => build({ ...POSTS, a1: { ...POSTS.a1, updated: '2024-05-01' } }),
      'a post deleted': () => build(Object.fromEntries(Object.entries(POSTS).filter(([name]) => name !== 'b1'))),
      'a post made a draft': () => build({ ...POSTS, a3: { ...POSTS.a3, draft: true } }),
      'the site title': () => build(POSTS, { ...SITE, title: 'Renamed News' }),
      'maxLimit, which no feed shows': () => build(POSTS, { ...SITE, maxLimit: 500 }),
      'staleWhileRevalidate, which no feed shows': () => build(POSTS, { ...SITE, cache: { staleWhileRevalidate: 60 } }),
      'a hub': () => build(POSTS, { ...SITE, hub: 'https://hub.example.com/' }),
    };
    for (const [edit, next] of Object.entries(edits)) {
      const after = await next();
      const named = changedFeedUrls(await prints(base), await prints(after));
      expect(named, edit).toEqual(reallyChanged(base, after));
    }
  });

  it('names the feeds a scheduled post joins once it is due, with no data change', async () => {
    const data = await build();
    const due = new Date('2025-01-02T00:00:00Z');
    const named = changedFeedUrls(await prints(data), await prints(data, due));
    expect(named).toEqual([...urls(''), ...urls('/categories/gamma'), ...urls('/authors/example-press-office')]);
    const before = renderedFeeds(data, AT);
    const after = renderedFeeds(data, due);
    expect(named).toEqual([...after].filter(([url, body]) => before.get(url) !== body).map(([url]) => url));
  });

  it('leaves out a scope that is gone', async () => {
    const without = await build(Object.fromEntries(Object.entries(POSTS).filter(([name]) => name !== 'b1')));
    expect(changedFeedUrls(await prints(await build()), await prints(without))).not.toContain(`${BASE}/categories/beta/rss.xml`);
  });
});
