import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runNotify, type NotifyRun } from '../../scripts/notify.ts';
import { makeDataDir, postRecord, removeDir, siteRecord, writeDataDir, type FixtureData } from '../fixtures.ts';
import { startRecordingHub, type RecordingHub } from '../node/recording-hub.ts';

const BASE = 'https://news.example.com';
const NOW = new Date('2024-06-01T00:00:00Z');
const feedsOf = (scope: string) => ['rss.xml', 'atom.xml', 'feed.json'].map((file) => `${BASE}${scope}/${file}`);

let hub: RecordingHub;
let dir: string;
let state: string;
beforeEach(async () => {
  hub = await startRecordingHub();
  dir = await makeDataDir(newsroom());
  state = path.join(dir, '..', `${path.basename(dir)}-notify.json`);
});
afterEach(async () => {
  await hub.close();
  await removeDir(dir);
  await removeDir(state);
});

function newsroom(extra: FixtureData['posts'] = {}, site: Record<string, unknown> = {}): FixtureData {
  return {
    site: siteRecord({ hub: hub.url, ...site }),
    posts: {
      first: postRecord({ published: '2024-01-10', categories: ['Company News'] }),
      second: postRecord({ published: '2024-02-10', categories: ['Events'] }),
      ...extra,
    },
  };
}
const ALL = [...feedsOf(''), ...feedsOf('/categories/company-news'), ...feedsOf('/categories/events'), ...feedsOf('/authors/example-press-office')];

/** One in-process run: its exit status and everything it printed. */
async function notify(argv: string[] = [], options: Partial<NotifyRun> = {}) {
  let out = '';
  const err: string[] = [];
  const code = await runNotify({
    argv: ['--data', dir, '--state', state, ...argv],
    env: {},
    out: (text) => (out += text),
    err: (line) => err.push(line),
    isTTY: false,
    now: () => NOW,
    notifier: { sleep: async () => {} },
    ...options,
  });
  return { code, out, err };
}

describe('npm run notify', () => {
  it('the first time, notifies the hub of every feed, one line each, and a summary', async () => {
    const { code, out, err } = await notify();
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(hub.published().sort()).toEqual([...ALL].sort());
    expect(hub.requests.every((request) => request.form['hub.mode']?.[0] === 'publish')).toBe(true);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe(`Notifying ${hub.url} of 12 feeds:`);
    expect(lines.slice(1, -1).sort()).toEqual(ALL.map((url) => `  accepted ${url}`).sort());
    expect(lines.at(-1)).toBe('12 accepted, 0 refused, 0 failed.');
    const saved = JSON.parse(await readFile(state, 'utf8')) as { baseUrl: string; feeds: Record<string, string> };
    expect(saved.baseUrl).toBe(BASE);
    expect(Object.keys(saved.feeds)).toHaveLength(12);
  });

  it('then sends nothing while nothing changed', async () => {
    await notify();
    hub.requests.length = 0;
    const { code, out } = await notify();
    expect(code).toBe(0);
    expect(out).toBe(`No feed changed since the last notify (${state}); nothing sent to ${hub.url}.\n`);
    expect(hub.requests).toEqual([]);
  });

  it('then names only the feeds a new post changes', async () => {
    await notify();
    hub.requests.length = 0;
    await writeDataDir(dir, newsroom({ third: postRecord({ published: '2024-03-01', categories: ['Events'] }) }));
    const { code, out } = await notify();
    expect(code).toBe(0);
    expect(hub.published().sort()).toEqual([...feedsOf(''), ...feedsOf('/categories/events'), ...feedsOf('/authors/example-press-office')].sort());
    expect(out).toContain('of 9 feeds changed since the last notify:');
  });

  it('--all names every feed whatever the state says', async () => {
    await notify();
    hub.requests.length = 0;
    await notify(['--all']);
    expect(hub.published()).toHaveLength(12);
  });

  it('exits 1 when the hub refuses, says why, and tries those feeds again next time', async () => {
    hub.answer = (request) =>
      request.form['hub.url']?.[0]?.endsWith('/feed.json') ? { status: 400, body: 'JSON feeds are not supported' } : { status: 204 };
    const refused = await notify();
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`  refused  ${BASE}/feed.json (400 Bad Request: JSON feeds are not supported)\n`);
    expect(refused.out).toContain('8 accepted, 4 refused, 0 failed. Those are tried again by the next notify.');
    expect(refused.err).toContain(`WebSub: ${hub.url} refused ${BASE}/feed.json: 400 Bad Request: JSON feeds are not supported`);

    hub.requests.length = 0;
    hub.answer = () => ({ status: 204 });
    const retried = await notify();
    expect(retried.code).toBe(0);
    expect(hub.published().sort()).toEqual(ALL.filter((url) => url.endsWith('/feed.json')).sort());
  });

  it('exits 1 when the hub keeps failing, after its retries', async () => {
    hub.answer = () => ({ status: 503 });
    const { code, out } = await notify([], { notifier: { sleep: async () => {}, retries: 1 } });
    expect(code).toBe(1);
    expect(out).toContain('0 accepted, 0 refused, 12 failed.');
    expect(hub.requests).toHaveLength(24);
  });

  it('shows a counter on a terminal when there are many feeds', async () => {
    const many = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`p${i}`, postRecord({ published: '2024-01-01', categories: [`Topic ${i}`] })]),
    );
    await writeDataDir(dir, newsroom(many));
    const { code, out } = await notify([], { isTTY: true });
    expect(code).toBe(0);
    expect(out).toContain('\r1/42');
    expect(out).toContain('\r42/42\n');
    expect(out).not.toContain('  accepted ');
  });

  it('refuses without a site URL, naming the three ways to give one', async () => {
    await writeFile(path.join(dir, 'site.json'), JSON.stringify({ ...siteRecord({ hub: hub.url }), url: undefined }));
    const { code, err } = await notify();
    expect(code).toBe(1);
    expect(err).toEqual([
      `Notifying a hub needs the site's public address: set SITE_URL, --site-url or "url" in site.json to an absolute http(s) URL.`,
    ]);
    expect(hub.requests).toEqual([]);
    // SITE_URL is enough.
    expect((await notify([], { env: { SITE_URL: 'https://other.example.com' } })).code).toBe(0);
    expect(hub.published()[0]).toMatch(/^https:\/\/other\.example\.com\//);
  });

  it('refuses without a hub', async () => {
    await writeDataDir(dir, newsroom({}, { hub: undefined }));
    const { code, err } = await notify();
    expect(code).toBe(1);
    expect(err).toEqual(['No hub to notify: set "hub" in site.json (the feeds name it to subscribers) or pass --hub.']);
  });

  it('exits 1 on invalid data, with every problem', async () => {
    await writeFile(path.join(dir, 'posts', 'bad.json'), '{ "title": 42 }');
    const { code, err } = await notify();
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/bad\.json: title: expected a non-empty string, got 42/);
    expect(hub.requests).toEqual([]);
  });

  it('starts afresh from a state file it cannot read, and says so', async () => {
    await writeFile(state, '{ "feeds": 3 }');
    const { code, err } = await notify();
    expect(code).toBe(0);
    expect(err).toEqual([`${state}: not a state file this version writes; every feed is notified and the file rewritten.`]);
    expect(hub.published()).toHaveLength(12);
  });
});
