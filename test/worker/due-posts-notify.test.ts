/**
 * WebSub for scheduled posts on Workers (src/worker/due-posts-notify.ts): which feeds a Cron Trigger's
 * run tells the hub of, from the window the cron's interval gives. In workerd, for bundled data and
 * data in R2: test/workerd/scheduled.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { cronIntervalSeconds, dueFeedUrls, duePostsNotifier } from '../../src/worker/due-posts-notify.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';

const HUB = 'https://hub.example.net/';
const BASE = 'https://news.example.com';
const posts = {
  old: postRecord({ title: 'Old', published: '2024-03-01T09:00:00Z', categories: ['Board'] }),
  // Due at 10:02: in the run of 10:05 only.
  plant: postRecord({ title: 'Plant', published: '2024-03-01T10:02:00Z', categories: ['Plant', 'News'], authors: [{ name: 'Anna Berg' }] }),
  // Due at 10:05 exactly: that run's, not the next one's.
  tour: postRecord({ title: 'Tour', published: '2024-03-01T10:05:00Z', categories: ['Plant'] }),
  later: postRecord({ title: 'Later', published: '2024-03-01T11:00:00Z', categories: ['Later'] }),
  draft: postRecord({ title: 'Draft', published: '2024-03-01T10:03:00Z', categories: ['Secret'], draft: true }),
};
const at = (time: string) => new Date(`2024-03-01T${time}:00Z`);
const feeds = (...paths: string[]) => paths.flatMap((path) => ['rss.xml', 'atom.xml', 'feed.json'].map((file) => `${BASE}${path}/${file}`));
const ctx = { waitUntil() {} };

/** A hub that accepts everything and remembers each feed URL it was told of. */
function recordingHub() {
  const told: string[] = [];
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    expect(String(url)).toBe(HUB);
    told.push(new URLSearchParams(String(init?.body)).get('hub.url') ?? '');
    return new Response(null, { status: 204 });
  });
  return { told, fetch: fetch as unknown as typeof globalThis.fetch };
}

describe('cronIntervalSeconds', () => {
  it.each([
    ['* * * * *', 60],
    ['*/5 * * * *', 300],
    ['*/15  *  * * *', 900],
    ['0 * * * *', 3600],
    ['15 */2 * * *', 7200],
    ['*/7 * * * *', undefined],
    ['0 0 * * *', undefined],
    ['*/5 9-17 * * *', undefined],
    ['* * * * 1', undefined],
    ['*/5 * * *', undefined],
  ])('%s: %s', (cron, seconds) => {
    expect(cronIntervalSeconds(cron)).toBe(seconds);
  });
});

describe('dueFeedUrls', () => {
  it('names the feeds whose first page gained a post dated in the window: main, its categories, its authors', async () => {
    const data = await dataset({ site: siteRecord(), posts });
    expect(dueFeedUrls(data, BASE, at('10:00'), at('10:05'))).toEqual(
      feeds('', '/categories/plant', '/categories/news', '/authors/example-press-office', '/authors/anna-berg'),
    );
    expect(dueFeedUrls(data, `${BASE}/`, at('10:05'), at('10:10'))).toEqual([]);
    expect(dueFeedUrls(data, BASE, at('10:55'), at('11:00'))).toEqual(feeds('', '/categories/later', '/authors/example-press-office'));
  });
});

describe('the scheduled handler', () => {
  it('tells the hub of each feed a post due since the run before changed, once', async () => {
    const data = await dataset({ site: siteRecord({ hub: HUB }), posts });
    const hub = recordingHub();
    const scheduled = duePostsNotifier({ current: async () => data, fetch: hub.fetch, log: () => {} });
    const event = (time: string) => ({ scheduledTime: at(time).getTime(), cron: '*/5 * * * *' });
    const results = await scheduled(event('10:05'), {}, ctx);
    expect(hub.told).toEqual(dueFeedUrls(data, BASE, at('10:00'), at('10:05')));
    expect(results.map((result) => result.outcome)).toEqual(hub.told.map(() => 'accepted'));
    // The runs on either side tell it nothing: the posts of 10:02 and 10:05 belong to the 10:05 run alone.
    hub.told.length = 0;
    await scheduled(event('10:00'), {}, ctx);
    await scheduled(event('10:10'), {}, ctx);
    expect(hub.told).toEqual([]);
  });

  it('takes its window from HUB_NOTIFY_WINDOW_SECONDS when the cron has no plain interval, and SITE_URL as the base', async () => {
    const data = await dataset({ site: siteRecord({ hub: HUB }), posts });
    const hub = recordingHub();
    const lines: string[] = [];
    const scheduled = duePostsNotifier({ current: async () => data, fetch: hub.fetch, log: (line) => lines.push(line) });
    const event = { scheduledTime: at('10:05').getTime(), cron: '0 9-17 * * *' };
    await scheduled(event, {}, ctx);
    expect(hub.told).toEqual([]);
    expect(lines).toEqual(['WebSub: the cron "0 9-17 * * *" has no plain interval: set HUB_NOTIFY_WINDOW_SECONDS to the seconds between two runs.']);
    await scheduled(event, { HUB_NOTIFY_WINDOW_SECONDS: 'soon' }, ctx);
    expect(lines[1]).toBe('WebSub: HUB_NOTIFY_WINDOW_SECONDS: expected a whole number of seconds above 0, got "soon".');
    // Ten minutes back from 10:05 reaches no further post than five do.
    await scheduled(event, { HUB_NOTIFY_WINDOW_SECONDS: '600', SITE_URL: 'https://press.example.org/news/' }, ctx);
    expect(hub.told).toEqual(dueFeedUrls(data, 'https://press.example.org/news', at('09:55'), at('10:05')));
    expect(hub.told[0]).toBe('https://press.example.org/news/rss.xml');
  });

  it('tells no hub when site.json names none, and says once per run when the feeds have no public URL', async () => {
    const hub = recordingHub();
    const lines: string[] = [];
    const event = { scheduledTime: at('10:05').getTime(), cron: '*/5 * * * *' };
    const noHub = await dataset({ site: siteRecord(), posts });
    await duePostsNotifier({ current: async () => noHub, fetch: hub.fetch, log: (line) => lines.push(line) })(event, {}, ctx);
    const noUrl = await dataset({ site: siteRecord({ hub: HUB, url: undefined }), posts });
    await duePostsNotifier({ current: async () => noUrl, fetch: hub.fetch, log: (line) => lines.push(line) })(event, {}, ctx);
    expect(hub.told).toEqual([]);
    expect(lines).toEqual(['WebSub: the feeds have no public URL (set SITE_URL or url in site.json): the hub is not told of due posts.']);
  });
});
