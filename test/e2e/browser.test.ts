/**
 * What a person sees, in headless Chromium driven by playwright-core, on the real Node server with the
 * seed data: the home page, a post, a category page and /rss.xml (styled by /feed.xsl). Titles,
 * dates and links are checked by following them; every console error and Content-Security-Policy
 * violation is caught. Then a newsroom of its own, in San Francisco's time zone, with a lead image, a
 * long formatted post, a draft and a scheduled post, as `npm start` and as `npm run dev` (preview) serve
 * it, and the 404 page. Screenshots go to test-output/screenshots/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, makeDataDir, postRecord, removeDir, siteRecord, startServer, type RunningServer } from '../fixtures.ts';
import { SEED_DATE, SEED_DIR, SEED_TITLE } from '../support.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = path.join(ROOT, 'test-output', 'screenshots');
const missing = existsSync(CHROMIUM) ? '' : `${CHROMIUM} not installed`;


describe.skipIf(missing)(`in headless Chromium${missing ? ` (${missing}: skipped)` : ''}`, () => {
  let server: RunningServer;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    server = await startServer({ DATA_DIR: SEED_DIR, WATCH: '0' });
    profile = await mkdtemp(path.join(tmpdir(), 'pressroom-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true });
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await context?.close();
    await server?.stop();
    if (profile) await removeDir(profile);
  });

  /** A fresh tab that records what went wrong: console errors, uncaught errors, failed loads. */
  async function openTab(): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} (${request.failure()?.errorText})`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    return { page, problems };
  }

  /** Proof that /style.css applied under the page's policy: the main column is 44rem wide at most. */
  const styled = (page: Page) => page.locator('main').evaluate((main) => getComputedStyle(main).maxWidth);

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  it('/ lists the post with its date, and its links lead to the post, category and author', async () => {
    const { page, problems } = await openTab();
    await page.goto(`${server.url}/`);
    expect(await page.title()).toBe('WEGO Group News');
    await expect.poll(() => styled(page)).toBe('704px');
    const post = page.locator('ol.posts > li').first();
    expect(await post.locator('h2').innerText()).toBe(SEED_TITLE);
    expect(await post.locator('time').innerText()).toBe(SEED_DATE);
    expect(await page.locator('section.topics a').allInnerTexts()).toEqual(['Company News', 'WEGO Group']);
    expect(await page.locator('link[rel=alternate]').evaluateAll((links) => links.map((l) => l.getAttribute('href')))).toEqual([
      `${server.url}/rss.xml`,
      `${server.url}/atom.xml`,
      `${server.url}/feed.json`,
    ]);
    await shot(page, 'home');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'home-narrow');
    // Nothing sticks out sideways on a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await post.locator('h2 a').click();
    await page.waitForURL(`${server.url}/posts/national-engineering-research-center/`);
    expect(await page.locator('h1').innerText()).toBe(SEED_TITLE);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a post shows its date, its images and links to its category and author pages', async () => {
    const { page, problems } = await openTab();
    await page.goto(`${server.url}/posts/national-engineering-research-center/`);
    expect(await page.title()).toBe(`${SEED_TITLE} – WEGO Group News`);
    expect(await page.locator('article .meta time').innerText()).toBe(SEED_DATE);
    await expect.poll(() => styled(page)).toBe('704px');
    // Both images loaded under img-src, and fit the column.
    const images = await page.locator('.content img').evaluateAll((imgs) =>
      imgs.map((img) => ({ loaded: (img as HTMLImageElement).naturalWidth > 0, width: img.getBoundingClientRect().width })),
    );
    expect(images).toHaveLength(2);
    for (const image of images) expect(image).toMatchObject({ loaded: true });
    for (const image of images) expect(image.width).toBeLessThanOrEqual(704);
    await shot(page, 'post');

    await page.locator('article a.author', { hasText: 'WEGO Group' }).click();
    await page.waitForURL(`${server.url}/authors/wego-group/`);
    expect(await page.locator('h1').innerText()).toBe('WEGO Group');
    await page.goBack();
    await page.locator('article a.category', { hasText: 'Company News' }).click();
    await page.waitForURL(`${server.url}/categories/company-news/`);
    expect(await page.locator('h1').innerText()).toBe('Company News');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a category page lists its posts and advertises feeds that answer', async () => {
    const { page, problems } = await openTab();
    await page.goto(`${server.url}/categories/company-news/`);
    expect(await page.title()).toBe('Company News – WEGO Group News');
    expect(await page.locator('ol.posts h2').allInnerTexts()).toEqual([SEED_TITLE]);
    expect(await page.locator('ol.posts time').allInnerTexts()).toEqual([SEED_DATE]);
    await expect.poll(() => styled(page)).toBe('704px');
    const feeds = await page.locator('link[rel=alternate]').evaluateAll((links) => links.map((l) => l.getAttribute('href')!));
    expect(feeds).toEqual(['rss.xml', 'atom.xml', 'feed.json'].map((f) => `${server.url}/categories/company-news/${f}`));
    for (const feed of feeds) {
      const res = await page.request.get(feed);
      expect(res.status(), feed).toBe(200);
      expect(await res.text()).toContain('WEGO Group News: Company News');
    }
    await shot(page, 'category');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('/rss.xml shows as a page: title, description, how to subscribe, the post with its date', async () => {
    const { page, problems } = await openTab();
    const response = await page.goto(`${server.url}/rss.xml`);
    expect(response?.headers()['content-type']).toBe('application/xml; charset=utf-8');
    await page.locator('h1').waitFor();
    expect(await page.title()).toBe('WEGO Group News (RSS feed)');
    expect(await page.locator('h1').innerText()).toBe('WEGO Group News');
    expect(await page.locator('p.lede').innerText()).toBe('Company news from WEGO Group.');
    expect(await page.locator('.feed-notice').innerText()).toContain('copy its address into your feed reader');
    expect(await page.locator('code.feed-url').innerText()).toBe(`${server.url}/rss.xml`);
    expect(await page.locator('ol.posts h2').allInnerTexts()).toEqual([SEED_TITLE]);
    expect(await page.locator('ol.posts time').allInnerTexts()).toEqual([SEED_DATE]);
    expect(await page.locator('ol.posts time').getAttribute('datetime')).toBe('2022-01-17');
    await expect.poll(() => styled(page)).toBe('704px');
    await shot(page, 'rss');

    // Chromium adds its own XSLT deprecation notice (a custom element with inline style and an onclick),
    // which the feed's policy blocks. Those reports are the browser's, not ours: no element of our page
    // carries inline style or a handler, and nothing we load is refused.
    const ours = await page.evaluate(() =>
      [...document.querySelectorAll('*')]
        .filter((el) => !el.closest('xslt-warning-banner'))
        .filter((el) => el.hasAttribute('style') || [...el.attributes].some((a) => a.name.startsWith('on')))
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(ours).toEqual([]);
    const bannerShown = (await page.locator('xslt-warning-banner').count()) > 0;
    const notTheBanner = problems.filter(
      (p) => !(bannerShown && /^console: (Applying inline style|Executing inline event handler) violates the following Content Security Policy/.test(p)),
    );
    expect(notTheBanner).toEqual([]);

    await page.locator('ol.posts h2 a').click();
    await page.waitForURL(`${server.url}/posts/national-engineering-research-center/`);
    expect(await page.locator('h1').innerText()).toBe(SEED_TITLE);
    await page.goBack();
    await page.locator('.feed-notice a').click();
    await page.waitForURL(`${server.url}/`);
    expect(await page.locator('h1').innerText()).toBe('WEGO Group News');
    await page.close();
  });
});

/** A San Francisco newsroom whose site.json names its production address, as the README's example does. */
const SF_SITE = siteRecord({
  title: 'Bay Gazette',
  description: 'News from the bay.',
  url: 'https://gazette.example.com',
  timeZone: 'America/Los_Angeles',
  authors: [{ name: 'Gazette Desk' }],
});
const SF_POSTS = {
  'evening-launch': postRecord({
    title: 'Ferry service launches at dusk',
    // 18:00 in San Francisco is 02:00 the next day in UTC: the pages must say 1 March.
    published: '2024-03-01T18:00:00-08:00',
    summary: 'The first evening ferry left Pier 41 on time.',
    image: { url: '../media/ferry.png', alt: 'The ferry leaving the pier at dusk' },
    categories: ['Transport'],
    content: '<p>The first evening ferry left Pier 41 at 18:00.</p>',
  }),
  // Formatted text as a Markdown post would become; written as HTML until posts have a format field.
  'council-notes': postRecord({
    title: 'Council notes',
    published: '2024-02-20T09:15:00-08:00',
    summary: 'Three decisions and a schedule.',
    categories: ['Council'],
    // Written in Markdown: the page shows the HTML it renders to.
    format: 'markdown',
    content:
      '## Decisions\n\n1. The **budget** passed.\n2. The pier *reopens*.\n3. Parking stays free.\n\n' +
      '> We listened.\n\n```\nMon–Fri 07:00–19:00\n```\n',
  }),
  'half-written': postRecord({ title: 'Half-written story', published: '2024-02-25', draft: true }),
  'next-year': postRecord({ title: 'A story for next year', published: '2999-01-04T08:30:00-08:00' }),
};

describe.skipIf(missing)(`a newsroom of its own in headless Chromium${missing ? ` (${missing}: skipped)` : ''}`, () => {
  let dir: string;
  let previewDir: string;
  let server: RunningServer;
  let preview: RunningServer;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    const media = { 'ferry.png': await readFile(path.join(SEED_DIR, 'media', 'cxdfhd-1.png')) };
    // The server's copy without the production url, so its links follow the request as a fresh checkout's do.
    const { url: _production, ...local } = SF_SITE;
    [dir, previewDir] = await Promise.all([
      makeDataDir({ site: local, posts: SF_POSTS, media }),
      makeDataDir({ site: SF_SITE, posts: SF_POSTS, media }),
    ]);
    [server, preview] = await Promise.all([
      startServer({ WATCH: '0', DATA_DIR: dir }),
      startServer({ WATCH: '0', DATA_DIR: previewDir, PREVIEW: '1' }),
    ]);
    profile = await mkdtemp(path.join(tmpdir(), 'pressroom-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true });
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await context?.close();
    await Promise.all([server?.stop(), preview?.stop()]);
    if (profile) await removeDir(profile);
    await Promise.all([dir, previewDir].filter(Boolean).map(removeDir));
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const styled = (page: Page) => page.locator('main').evaluate((main) => getComputedStyle(main).maxWidth);
  /** Loaded, drawn with a size, and described: what a reader and a screen reader get of an image. */
  const imageState = (page: Page, selector: string) =>
    page.locator(selector).evaluateAll((imgs) =>
      imgs.map((img) => {
        const box = img.getBoundingClientRect();
        const image = img as HTMLImageElement;
        return { loaded: image.complete && image.naturalWidth > 0, shown: box.width > 0 && box.height > 0, alt: image.alt, src: image.src };
      }),
    );
  const metaContent = (page: Page, key: string) =>
    page.locator(`meta[property="${key}"], meta[name="${key}"]`).getAttribute('content');

  it('the preview lists drafts and scheduled posts, marked, with dates and pictures in San Francisco', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m: ConsoleMessage) => void (m.type() === 'error' && errors.push(m.text())));
    await page.goto(`${preview.url}/`);
    await expect.poll(() => styled(page)).toBe('704px');
    // site.json names https://gazette.example.com; the preview still loads everything from itself.
    expect(await page.locator('link[rel=stylesheet]').getAttribute('href')).toBe(`${preview.url}/style.css`);
    const posts = page.locator('ol.posts > li');
    expect(await posts.locator('h2').allInnerTexts()).toEqual([
      'A story for next year',
      'Ferry service launches at dusk',
      'Half-written story',
      'Council notes',
    ]);
    expect(await posts.locator('.unpublished').allInnerTexts()).toEqual(['Scheduled for 4 January 2999 at 08:30 GMT-8', 'Draft']);
    expect(await posts.nth(1).locator('time').innerText()).toBe('1 March 2024');
    await expect.poll(() => imageState(page, 'ol.posts img.thumb')).toEqual([
      { loaded: true, shown: true, alt: 'The ferry leaving the pier at dusk', src: `${preview.url}/media/ferry.png` },
    ]);
    await shot(page, 'preview-home');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the server shows published posts only, the lead image with its alt, the San Francisco date and sharing tags', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    expect(await page.locator('ol.posts h2').allInnerTexts()).toEqual(['Ferry service launches at dusk', 'Council notes']);
    expect(await page.locator('.unpublished').count()).toBe(0);
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'gazette-home-narrow');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 720 });

    await page.locator('ol.posts h2 a', { hasText: 'Ferry' }).click();
    await page.waitForURL(`${server.url}/posts/evening-launch/`);
    await expect.poll(() => styled(page)).toBe('704px');
    expect(await page.locator('article .meta time').innerText()).toBe('1 March 2024');
    expect(await page.locator('article .meta time').getAttribute('datetime')).toBe('2024-03-02T02:00:00.000Z');
    await expect.poll(() => imageState(page, 'figure.lead img')).toEqual([
      { loaded: true, shown: true, alt: 'The ferry leaving the pier at dusk', src: `${server.url}/media/ferry.png` },
    ]);
    const lead = await page.locator('figure.lead img').boundingBox();
    expect(lead?.width).toBeLessThanOrEqual(704);
    expect(await metaContent(page, 'og:type')).toBe('article');
    expect(await metaContent(page, 'og:title')).toBe('Ferry service launches at dusk');
    expect(await metaContent(page, 'og:description')).toBe('The first evening ferry left Pier 41 on time.');
    expect(await metaContent(page, 'description')).toBe('The first evening ferry left Pier 41 on time.');
    expect(await metaContent(page, 'og:url')).toBe(`${server.url}/posts/evening-launch/`);
    expect(await metaContent(page, 'og:image')).toBe(`${server.url}/media/ferry.png`);
    expect(await metaContent(page, 'og:site_name')).toBe('Bay Gazette');
    expect(await metaContent(page, 'article:published_time')).toBe('2024-03-02T02:00:00.000Z');
    expect(await metaContent(page, 'twitter:card')).toBe('summary_large_image');
    await shot(page, 'gazette-post-image');
    await page.close();
  });

  it('a formatted post keeps its headings, list, quote and code, in the site’s style', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/posts/council-notes/`);
    await expect.poll(() => styled(page)).toBe('704px');
    expect(await page.locator('.content h2').innerText()).toBe('Decisions');
    expect(await page.locator('.content ol li').allInnerTexts()).toEqual(['The budget passed.', 'The pier reopens.', 'Parking stays free.']);
    expect(await page.locator('.content strong').innerText()).toBe('budget');
    expect(await page.locator('.content blockquote').innerText()).toBe('We listened.');
    // CommonMark ends a fenced code block with its last line's newline.
    expect(await page.locator('.content pre code').innerText()).toBe('Mon–Fri 07:00–19:00\n');
    expect(await page.locator('article .meta time').innerText()).toBe('20 February 2024');
    expect(await metaContent(page, 'twitter:card')).toBe('summary');
    await shot(page, 'gazette-post-formatted');
    await page.close();
  });

  it('a draft is a 404 page in the site’s style on the server, with the reason and the way home', async () => {
    const page = await context.newPage();
    const response = await page.goto(`${server.url}/posts/half-written/`);
    expect(response?.status()).toBe(404);
    await expect.poll(() => styled(page)).toBe('704px');
    expect(await page.title()).toBe('Not found – Bay Gazette');
    expect(await page.locator('h1').innerText()).toBe('Nothing here');
    expect(await page.locator('.reason').innerText()).toBe('No published post is called "half-written".');
    await shot(page, 'gazette-404');
    await page.locator('main a', { hasText: 'latest posts' }).click();
    await page.waitForURL(`${server.url}/`);
    await page.close();
  });
});
