import { describe, expect, it } from 'vitest';
import { SegmentRouter } from '../../src/worker/segment-router.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { createApp } from '../with-safe-content.ts';

const BASE = 'https://news.example.com';
/** Paths that exist, paths that almost do, and the odd spellings a crawler sends. */
const PATHS = [
  '/', '//', '/rss.xml', '/rss.xml/', '/atom.xml', '/feed.json', '/feed', '/feed/', '/feed.xsl', '/style.css',
  '/posts/board-meeting', '/posts/board-meeting/', '/posts/', '/posts', '/posts/a/b', '/posts/%E2%9C%93',
  '/categories/board', '/categories/board/', '/categories/Board', '/categories/board/rss.xml', '/categories/board/atom.xml',
  '/categories/board/feed.json', '/categories/board/x.xml', '/categories/', '/authors/anna-berg', '/authors/anna-berg/rss.xml',
  '/media/a.png', '/media/', '/media', '/media/nested/a.png', '/sitemap.xml', '/sitemap-1.xml', '/sitemap-01.xml', '/sitemap-x.xml',
  '/robots.txt', '/feeds.opml', '/healthz', '/nothing', '/rss.xml?page=2', '/?page=2',
];

describe('SegmentRouter', () => {
  it('routes every request as Hono’s default router does', async () => {
    const loaded = await dataset({
      site: siteRecord({ feedLimit: 1 }),
      posts: {
        'board-meeting': postRecord({ title: 'Board', categories: ['Board'], authors: [{ name: 'Anna Berg' }] }),
        other: postRecord({ title: 'Other', published: '2024-03-02' }),
      },
      media: { 'a.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
    });
    const now = () => new Date('2025-01-01');
    const usual = createApp({ dataset: loaded, options: { now } });
    const segments = createApp({ dataset: loaded, options: { now, router: new SegmentRouter() } });
    for (const path of PATHS) {
      for (const method of ['GET', 'HEAD', 'OPTIONS', 'POST']) {
        const [expected, actual] = await Promise.all([usual, segments].map((app) => app.request(`${BASE}${path}`, { method })));
        expect(actual!.status, `${method} ${path}`).toBe(expected!.status);
        expect(await actual!.text(), `${method} ${path}`).toBe(await expected!.text());
        expect(actual!.headers.get('location'), `${method} ${path}`).toBe(expected!.headers.get('location'));
      }
    }
  });

  it('refuses a pattern it cannot match, as Hono’s routers do', () => {
    const router = new SegmentRouter<string>();
    expect(() => router.add('GET', '/posts/:slug?', 'x')).toThrow();
    expect(() => router.add('GET', '/a*b', 'x')).toThrow();
    router.add('GET', '/media/*', 'media');
    router.add('ALL', '*', 'all');
    router.add('GET', '/:file{sitemap-[1-9][0-9]*\\.xml}', 'sitemap');
    expect(router.match('GET', '/media')).toEqual([[['media', {}], ['all', {}]]]);
    expect(router.match('GET', '/sitemap-12.xml')).toEqual([[['all', {}], ['sitemap', { file: 'sitemap-12.xml' }]]]);
    expect(router.match('POST', '/sitemap-12.xml')).toEqual([[['all', {}]]]);
  });
});
