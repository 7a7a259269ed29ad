/**
 * The app's preview (`npm run dev`): links from the request's origin whatever site.json's `url` says,
 * drafts and scheduled posts on the pages with what keeps them from readers said first, and the feeds
 * exactly as production serves them.
 */
import { describe, expect, it } from 'vitest';
import { createApp, type AppOptions } from '../with-safe-content.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';

const PRODUCTION = 'https://news.example.com';
const LOCAL = 'http://127.0.0.1:3000';
const NOW = new Date('2024-06-01T12:00:00Z');

const newsroom = async (options: AppOptions = {}) =>
  createApp({
    dataset: await dataset({
      site: siteRecord({ url: PRODUCTION, timeZone: 'Europe/Berlin' }),
      posts: {
        out: postRecord({ title: 'Out now', published: '2024-05-01', categories: ['News'] }),
        draft: postRecord({ title: 'Half written', published: '2024-05-20', draft: true, categories: ['Leaks'] }),
        later: postRecord({ title: 'Next week', published: '2024-06-08T09:00:00+02:00', categories: ['News'] }),
      },
    }),
    options: { now: () => NOW, ...options },
  });

const get = async (app: Awaited<ReturnType<typeof newsroom>>, path: string) => app.request(`${LOCAL}${path}`);
const text = async (app: Awaited<ReturnType<typeof newsroom>>, path: string) => (await get(app, path)).text();
const titles = (page: string) => [...page.matchAll(/<h2><a href="[^"]*">([^<]*)<\/a><\/h2>/g)].map((m) => m[1]);

describe('preview', () => {
  it('links from the request’s origin, though site.json names the production address', async () => {
    const page = await text(await newsroom({ preview: true }), '/');
    expect(page).toContain(`<link rel="stylesheet" href="${LOCAL}/style.css">`);
    expect(page).toContain(`<link rel="canonical" href="${LOCAL}/">`);
    expect(page).not.toContain(PRODUCTION);
  });

  it('lists drafts and scheduled posts, each marked before its date', async () => {
    const page = await text(await newsroom({ preview: true }), '/');
    expect(titles(page)).toEqual(['Next week', 'Half written', 'Out now']);
    expect(page).toContain('<strong class="unpublished">Scheduled for 8 June 2024 at 09:00 CEST</strong> <time');
    expect(page).toContain('<strong class="unpublished">Draft</strong> <time');
    expect(page.match(/class="unpublished"/g)).toHaveLength(2);
    expect(page).toContain('<meta name="robots" content="noindex">');
  });

  it('shows a draft’s and a scheduled post’s own pages, marked, and the category only a draft has', async () => {
    const app = await newsroom({ preview: true });
    const draft = await get(app, '/posts/draft/');
    expect(draft.status).toBe(200);
    expect(await draft.text()).toContain('<p class="meta"><strong class="unpublished">Draft</strong>');
    expect(await text(app, '/posts/later/')).toContain('Scheduled for 8 June 2024 at 09:00 CEST');
    expect(titles(await text(app, '/categories/leaks/'))).toEqual(['Half written']);
    expect(titles(await text(app, '/categories/news/'))).toEqual(['Next week', 'Out now']);
  });

  it('keeps them out of every feed', async () => {
    const app = await newsroom({ preview: true });
    for (const path of ['/rss.xml', '/atom.xml', '/feed.json', '/categories/news/rss.xml']) {
      const feed = await text(app, path);
      expect(feed, path).toContain('Out now');
      expect(feed, path).not.toMatch(/Half written|Next week/);
    }
    expect((await get(app, '/categories/leaks/rss.xml')).status).toBe(404);
  });

  it('drops the mark once a scheduled post is due', async () => {
    let now = NOW;
    const app = await newsroom({ preview: true, now: () => now });
    expect(await text(app, '/posts/later/')).toContain('Scheduled for');
    now = new Date('2024-06-08T07:00:00Z');
    const page = await text(app, '/posts/later/');
    expect(page).not.toContain('class="unpublished"');
    expect(page).not.toContain('noindex');
  });

  it('leaves a post that is out unmarked and indexable', async () => {
    const page = await text(await newsroom({ preview: true }), '/posts/out/');
    expect(page).not.toContain('class="unpublished"');
    expect(page).not.toContain('noindex');
  });
});

describe('without preview, as npm start serves', () => {
  it('links to site.json’s address and shows published posts only', async () => {
    const app = await newsroom();
    const page = await text(app, '/');
    expect(page).toContain(`<link rel="stylesheet" href="${PRODUCTION}/style.css">`);
    expect(titles(page)).toEqual(['Out now']);
    expect(page).not.toContain('class="unpublished"');
    for (const path of ['/posts/draft/', '/posts/later/', '/categories/leaks/']) expect((await get(app, path)).status, path).toBe(404);
  });
});
