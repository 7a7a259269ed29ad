import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, PublishHook, type Notifier, type Timers } from '../../src/node/publish-hook.ts';
import type { Dataset } from '../../src/posts/index.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';
import { safeContent } from '../with-safe-content.ts';

const BASE = 'https://news.example.com';
const HUB = 'https://hub.example.com/';
const NOW = new Date('2024-06-01T12:00:00Z');
const DUE = new Date('2024-06-10T08:00:00Z'); // within a timer's longest delay of NOW

const feedsOf = (...paths: string[]) =>
  paths.flatMap((path) => ['rss.xml', 'atom.xml', 'feed.json'].map((file) => `${BASE}${path}/${file}`)).sort();

const posts = {
  'board-meeting': postRecord({ title: 'Board meeting', published: '2024-03-01', categories: ['Board'], authors: [{ name: 'Anna Berg' }] }),
  'summer-fair': postRecord({ title: 'Summer fair', published: DUE.toISOString(), categories: ['Fairs'] }),
};

/** A hook over a dataset the test swaps, with a clock, timers and a notifier the test holds. */
async function harness(site: Record<string, unknown> = { hub: HUB }, siteUrl?: string) {
  let current: Dataset = await dataset({ site: siteRecord(site), posts });
  let now = NOW;
  const sent: { hub: string; urls: string[] }[] = [];
  const lines: string[] = [];
  const armed: { callback: () => void; ms: number; cleared: boolean }[] = [];
  const timers: Timers = {
    set: (callback, ms) => {
      const timer = { callback, ms, cleared: false };
      armed.push(timer);
      return timer;
    },
    clear: (handle) => void ((handle as (typeof armed)[number]).cleared = true),
  };
  const notifierFor = (hub: string): Notifier => ({
    notify: async (urls) => {
      sent.push({ hub, urls: [...urls].sort() });
      return [];
    },
  });
  const hook = new PublishHook({
    current: () => current,
    safeContent,
    siteUrl,
    notifierFor,
    now: () => now,
    timers,
    log: (line) => lines.push(line),
    error: (message, error) => lines.push(`${message} ${String(error)}`),
    defer: () => Promise.resolve(),
  });
  return {
    hook,
    sent,
    lines,
    armed,
    /** The delays of the timers still set. */
    pending: () => armed.filter((timer) => !timer.cleared).map((timer) => timer.ms),
    swap: async (data: Parameters<typeof dataset>[0]) => {
      current = await dataset(data);
    },
    setNow: (time: Date) => void (now = time),
  };
}

/** Fires the one timer set, as the runtime would once its delay has passed. */
async function fire(h: Awaited<ReturnType<typeof harness>>) {
  const live = h.armed.filter((timer) => !timer.cleared);
  expect(live).toHaveLength(1);
  const [timer] = live;
  timer!.cleared = true;
  timer!.callback();
  await h.hook.idle();
}

describe('PublishHook', () => {
  it('takes the served version as its baseline: a start notifies nothing, and arms a timer for the next due post', async () => {
    const h = await harness();
    await h.hook.start();
    expect(h.sent).toEqual([]);
    expect(h.pending()).toEqual([DUE.getTime() - NOW.getTime()]);
  });

  it('notifies each feed a due scheduled post changes, once, when its time comes', async () => {
    const h = await harness();
    await h.hook.start();
    h.setNow(DUE);
    await fire(h);
    // The main feeds, the new category's, and the site author's (the post names none); Board and Anna Berg are unchanged.
    expect(h.sent).toEqual([{ hub: HUB, urls: feedsOf('', '/categories/fairs', '/authors/example-press-office') }]);
    expect(h.lines).toContain(`WebSub: notifying ${HUB} of 9 changed feeds (a scheduled post is due)`);
    // Nothing else is scheduled: no timer is left.
    expect(h.pending()).toEqual([]);
  });

  it('cuts a wait longer than a timer takes, and only re-arms when it wakes early', async () => {
    const far = new Date('2999-01-01T00:00:00Z');
    const h = await harness();
    await h.swap({ site: siteRecord({ hub: HUB }), posts: { ...posts, 'summer-fair': postRecord({ title: 'Far', published: far.toISOString() }) } });
    await h.hook.start();
    expect(h.pending()).toEqual([MAX_TIMER_MS]);
    h.setNow(new Date(NOW.getTime() + MAX_TIMER_MS));
    await fire(h);
    expect(h.sent).toEqual([]);
    expect(h.pending()).toEqual([MAX_TIMER_MS]);
  });

  it('after a swap, notifies the feeds whose first page changed, and re-arms the timer', async () => {
    const h = await harness();
    await h.hook.start();
    await h.swap({
      site: siteRecord({ hub: HUB }),
      posts: { ...posts, 'board-meeting': { ...posts['board-meeting'], title: 'Board meeting, minutes added' } },
    });
    h.setNow(new Date(NOW.getTime() + 60_000));
    await h.hook.changed('files changed');
    expect(h.sent).toEqual([{ hub: HUB, urls: feedsOf('', '/categories/board', '/authors/anna-berg') }]);
    expect(h.pending()).toEqual([DUE.getTime() - NOW.getTime() - 60_000]);
  });

  it('notifies nothing for a swap no feed shows (a new draft)', async () => {
    const h = await harness();
    await h.hook.start();
    await h.swap({ site: siteRecord({ hub: HUB }), posts: { ...posts, draft: postRecord({ title: 'Not yet', draft: true }) } });
    await h.hook.changed('files changed');
    expect(h.sent).toEqual([]);
  });

  it('compares a swap during the start-up baseline with the version it started with', async () => {
    const h = await harness();
    const started = h.hook.start();
    await h.swap({ site: siteRecord({ hub: HUB }), posts: { ...posts, extra: postRecord({ title: 'Extra', published: '2024-05-01' }) } });
    void h.hook.changed('files changed');
    await started;
    await h.hook.idle();
    expect(h.sent).toEqual([{ hub: HUB, urls: feedsOf('', '/authors/example-press-office') }]);
  });

  it('folds changes during a check into one more check', async () => {
    const h = await harness();
    await h.hook.start();
    await h.swap({ site: siteRecord({ hub: HUB }), posts: { ...posts, extra: postRecord({ title: 'Extra', published: '2024-05-01' }) } });
    const first = h.hook.changed('files changed');
    void h.hook.changed('files changed');
    void h.hook.changed('SIGHUP');
    await first;
    await h.hook.idle();
    expect(h.sent).toHaveLength(1);
  });

  it('tells a hub named for the first time of every feed', async () => {
    const h = await harness({});
    await h.hook.start();
    await h.swap({ site: siteRecord({ hub: HUB }), posts });
    await h.hook.changed('files changed');
    expect(h.sent).toEqual([{ hub: HUB, urls: feedsOf('', '/categories/board', '/authors/anna-berg') }]);
  });

  it('without a public address, says once that publishing needs one, and sends nothing', async () => {
    const h = await harness({ hub: HUB, url: undefined });
    await h.hook.start();
    await h.swap({ site: siteRecord({ hub: HUB, url: undefined, title: 'Renamed' }), posts });
    await h.hook.changed('files changed');
    expect(h.sent).toEqual([]);
    expect(h.lines).toEqual([
      `WebSub: not notifying ${HUB}: publishing needs the site's public address (set SITE_URL or "url" in site.json).`,
    ]);
  });

  it('uses SITE_URL over site.json', async () => {
    const h = await harness({ hub: HUB }, 'https://press.example.org');
    await h.hook.start();
    h.setNow(DUE);
    await fire(h);
    expect(h.sent[0]?.urls.every((url) => url.startsWith('https://press.example.org/'))).toBe(true);
  });

  it('stops checking once closed', async () => {
    const h = await harness();
    await h.hook.start();
    h.hook.close();
    expect(h.pending()).toEqual([]);
    await h.hook.changed('files changed');
    expect(h.sent).toEqual([]);
  });
});
