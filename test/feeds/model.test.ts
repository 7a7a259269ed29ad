import { describe, expect, it } from 'vitest';
import { feedUrl, homePageUrl, normalizeBaseUrl, postUrl, PublishedPosts, siteScope } from '../../src/feeds/model.ts';
import { buildFeedModel, feedItem } from '../with-safe-content.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { seedDataset } from '../support.ts';

const BASE = 'https://news.example.com';

describe('base URLs', () => {
  it('drops trailing slashes and keeps a path', () => {
    expect(normalizeBaseUrl('https://example.com/')).toBe('https://example.com');
    expect(normalizeBaseUrl('https://example.com/news//')).toBe('https://example.com/news');
    expect(normalizeBaseUrl('https://example.com/news')).toBe('https://example.com/news');
  });

  it('builds the home page, post and feed URLs below the base', () => {
    expect(homePageUrl('https://example.com/news')).toBe('https://example.com/news/');
    expect(postUrl('https://example.com/news', 'board-meeting')).toBe('https://example.com/news/posts/board-meeting/');
    expect(feedUrl('https://example.com/news', '', 'rss')).toBe('https://example.com/news/rss.xml');
    expect(feedUrl('https://example.com', '/categories/research', 'json')).toBe('https://example.com/categories/research/feed.json');
    expect(feedUrl('https://example.com', '', 'atom')).toBe('https://example.com/atom.xml');
  });
});

describe('PublishedPosts', () => {
  const data = () =>
    dataset({
      posts: {
        old: postRecord({ published: '2024-01-01' }),
        draft: postRecord({ published: '2024-02-01', draft: true }),
        recent: postRecord({ published: '2024-03-01T12:00:00Z' }),
        scheduled: postRecord({ published: '2024-04-01T08:00:00Z' }),
        later: postRecord({ published: '2024-05-01' }),
      },
    });

  it('leaves out drafts and posts scheduled after now, newest first', async () => {
    const published = new PublishedPosts(await data());
    const now = new Date('2024-03-15T00:00:00Z');
    expect(published.at(now).map((post) => post.slug)).toEqual(['recent', 'old']);
    expect(published.countAt(now)).toBe(2);
  });

  it('shows a scheduled post from the instant it is due', async () => {
    const published = new PublishedPosts(await data());
    expect(published.at(new Date('2024-04-01T07:59:59.999Z')).map((post) => post.slug)).toEqual(['recent', 'old']);
    expect(published.at(new Date('2024-04-01T08:00:00Z')).map((post) => post.slug)).toEqual(['scheduled', 'recent', 'old']);
    expect(published.countAt(new Date('2030-01-01T00:00:00Z'))).toBe(4);
    expect(published.countAt(new Date('2000-01-01T00:00:00Z'))).toBe(0);
  });

  it('names the next time a scheduled post becomes due, and nothing once all are', async () => {
    const published = new PublishedPosts(await data());
    expect(published.nextDueAfter(new Date('2024-03-15T00:00:00Z'))?.toISOString()).toBe('2024-04-01T08:00:00.000Z');
    expect(published.nextDueAfter(new Date('2024-04-01T08:00:00Z'))?.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(published.nextDueAfter(new Date('2024-05-01T00:00:00Z'))).toBeUndefined();
  });
});

describe('feedItem', () => {
  it('reads root-relative URLs from the site root, below its path, as the loader does', async () => {
    const data = await dataset({
      posts: {
        a: postRecord({
          content: '<img src="/media/a.png" srcset="/media/a.png 1x, /media/a@2x.png 2x"><a href="//cdn.example.com/x">x</a>',
          image: { url: '/media/a.png' },
          authors: [{ name: 'Desk', url: '/team' }],
        }),
      },
      media: { 'a.png': new Uint8Array([1, 2, 3]) },
    });
    const item = feedItem(data.posts[0]!, 'https://ex.com/news');
    expect(item.contentHtml).toBe(
      '<img src="https://ex.com/news/media/a.png" srcset="https://ex.com/news/media/a.png 1x, https://ex.com/news/media/a@2x.png 2x" />' +
        '<a href="https://cdn.example.com/x">x</a>',
    );
    expect(item.image).toEqual({ url: 'https://ex.com/news/media/a.png', mimeType: 'image/png', size: 3 });
    expect(item.authors).toEqual([{ name: 'Desk', url: 'https://ex.com/news/team' }]);
  });

  it('makes the default summary from the safe content: nothing the sanitiser drops reaches it', async () => {
    const data = await dataset({
      posts: {
        a: postRecord({
          content: '<iframe>Your browser does not support iframes.</iframe><textarea>internal note</textarea><p>Real text.</p>',
        }),
      },
    });
    const [post] = data.posts;
    expect(feedItem(post!, 'https://example.com').summary).toBe('Real text.');
  });

  it('resolves the seed post: id, URL, absolute image with real type and size, excerpt as summary', async () => {
    const [post] = (await seedDataset()).posts;
    if (!post) throw new Error('no seed post');
    const item = feedItem(post, BASE);
    expect(item.id).toBe('tag:wegogroup.com,2022-01-17:national-engineering-research-center');
    expect(item.url).toBe(`${BASE}/posts/national-engineering-research-center/`);
    expect(item.image).toEqual({ url: `${BASE}/media/cxdfhd-1.png`, alt: 'cxdfhd (1)', mimeType: 'image/png', size: 7411 });
    expect(item.categories).toEqual(['Company News']);
    expect(item.published.toISOString()).toBe('2022-01-17T00:00:00.000Z');
    expect(item.updated.toISOString()).toBe('2022-01-17T00:00:00.000Z');
    expect(item.summary).toMatch(/^Recently, the National Engineering Research Center for medical implant .*…$/);
    expect(Array.from(item.summary).length).toBeLessThanOrEqual(280);
    expect(item.contentHtml).toContain(`src="${BASE}/media/cxdfhd-2.png"`);
    expect(item.authors).toEqual([]);
    expect(item).not.toHaveProperty('language');
  });

  it('defaults the id to the post URL and the summary to the content text', async () => {
    const [post] = (await dataset({ posts: { 'board-meeting': postRecord({ content: '<p>Short &amp; <em>sweet</em>.</p>' }) } })).posts;
    if (!post) throw new Error('no post');
    const item = feedItem(post, 'https://example.com/news');
    // The id is the address without the page's final slash: the id posts had before pages were folders.
    expect(item.id).toBe('https://example.com/news/posts/board-meeting');
    expect(item.url).toBe(`${item.id}/`);
    expect(item.summary).toBe('Short & sweet.');
  });

  it('keeps a given summary, drops characters XML forbids from every text, and resolves every URL', async () => {
    const [post] = (
      await dataset({
        posts: {
          a: postRecord({
            title: 'Title\u0000 here\uFFFF',
            summary: 'Sum\u0008mary',
            content: '<p>x\u0001</p><a href="../about">about</a>',
            authors: [{ name: 'Anna\u0002', url: '../people/anna' }],
            categories: ['News\u001F'],
            image: { url: 'https://cdn.example.com/p.jpg', alt: 'alt\u0003' },
            attachments: [{ url: '/files/a.pdf', mimeType: 'application/pdf', title: 'PDF\u0004' }],
            language: 'de-CH',
          }),
        },
      })
    ).posts;
    if (!post) throw new Error('no post');
    const item = feedItem(post, BASE);
    expect(item.title).toBe('Title here');
    expect(item.summary).toBe('Summary');
    expect(item.contentHtml).toBe(`<p>x</p><a href="${BASE}/about">about</a>`);
    expect(item.authors).toEqual([{ name: 'Anna', url: `${BASE}/people/anna` }]);
    expect(item.categories).toEqual(['News']);
    expect(item.image).toEqual({ url: 'https://cdn.example.com/p.jpg', alt: 'alt' });
    expect(item.attachments).toEqual([{ url: `${BASE}/files/a.pdf`, mimeType: 'application/pdf', title: 'PDF' }]);
    expect(item.language).toBe('de-CH');
  });
});

describe('buildFeedModel', () => {
  it('describes the site under the given base URL', async () => {
    const data = await dataset({
      site: siteRecord({
        title: 'News\u0001',
        copyright: '© Example\u0002',
        icon: 'media/icon.png',
        authors: [{ name: 'Desk', email: 'desk@example.com', url: 'about' }],
      }),
    });
    const model = buildFeedModel(data.site, siteScope(data.site, []), { baseUrl: 'https://example.com/news/' });
    expect(model).toEqual({
      id: 'https://example.com/news/',
      title: 'News',
      description: 'Company news from Example.',
      language: 'en',
      homePageUrl: 'https://example.com/news/',
      feedUrls: {
        rss: 'https://example.com/news/rss.xml',
        atom: 'https://example.com/news/atom.xml',
        json: 'https://example.com/news/feed.json',
      },
      updated: new Date(0),
      authors: [{ name: 'Desk', email: 'desk@example.com', url: 'https://example.com/news/about' }],
      copyright: '© Example',
      iconUrl: 'https://example.com/news/media/icon.png',
      ttlMinutes: 5,
      items: [],
    });
  });

  it('turns cache.maxAge into a whole number of minutes, and names the WebSub hub', async () => {
    const data = await dataset({
      site: siteRecord({ cache: { maxAge: 90 }, hub: 'https://hub.example.com/' }),
    });
    const model = buildFeedModel(data.site, siteScope(data.site, []), { baseUrl: 'https://example.com' });
    expect(model.ttlMinutes).toBe(2);
    expect(model.hubUrl).toBe('https://hub.example.com/');
    const uncached = await dataset({ site: siteRecord({ cache: { maxAge: 0 } }) });
    expect(buildFeedModel(uncached.site, siteScope(uncached.site, []), { baseUrl: 'https://example.com' }).ttlMinutes)
      .toBeUndefined();
  });

  it('percent-encodes a base URL with non-ASCII characters and drops its query', () => {
    expect(normalizeBaseUrl('https://news.example.com/über/?utm=x#top')).toBe('https://news.example.com/%C3%BCber');
    expect(normalizeBaseUrl('https://bücher.example/')).toBe('https://xn--bcher-kva.example');
  });

  it('holds the newest posts up to the limit, dated by the newest change', async () => {
    const data = await dataset({
      site: siteRecord({ feedLimit: 2 }),
      posts: {
        a: postRecord({ published: '2024-01-01', updated: '2024-06-01T00:00:00Z' }),
        b: postRecord({ published: '2024-02-01' }),
        c: postRecord({ published: '2024-03-01' }),
      },
    });
    const model = buildFeedModel(data.site, siteScope(data.site, data.posts), { baseUrl: BASE });
    expect(model.items.map((item) => item.url)).toEqual([`${BASE}/posts/c/`, `${BASE}/posts/b/`]);
    expect(buildFeedModel(data.site, siteScope(data.site, data.posts), { baseUrl: BASE, limit: 1 }).items).toHaveLength(1);
    expect(buildFeedModel(data.site, siteScope(data.site, data.posts.slice(0, 2)), { baseUrl: BASE }).updated.toISOString()).toBe(
      '2024-03-01T00:00:00.000Z',
    );
    // `updated`, not `published`, is the change that counts.
    expect(buildFeedModel(data.site, siteScope(data.site, data.posts.slice(2)), { baseUrl: BASE }).updated.toISOString()).toBe(
      '2024-06-01T00:00:00.000Z',
    );
  });

  it('names a scoped feed by its path', async () => {
    const data = await dataset();
    const model = buildFeedModel(
      data.site,
      { title: 'Research', description: 'Research news.', path: '/categories/research', posts: [] },
      { baseUrl: BASE },
    );
    expect(model.id).toBe(`${BASE}/categories/research`);
    expect(model.title).toBe('Research');
    expect(model.feedUrls.atom).toBe(`${BASE}/categories/research/atom.xml`);
    // A scoped feed's page for people is the scope's own page, which lists the same posts.
    expect(model.homePageUrl).toBe(`${BASE}/categories/research/`);
  });
});
