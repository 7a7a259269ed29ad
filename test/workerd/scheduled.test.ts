/**
 * The Cron Trigger in workerd (`wrangler dev --test-scheduled`, `/__scheduled?cron=…`): a run tells the
 * hub in site.json of the feeds a post due within the window changed, with the data bundled and with
 * the data in wrangler's local R2. The hub is the Node tests' recording hub, on loopback. wrangler runs the
 * handler at the real time (it ignores a `time`), so the posts are dated around the test's start and
 * the window (HUB_NOTIFY_WINDOW_SECONDS) is an hour: the windows' tiling is tested on Node
 * (test/worker/due-posts-notify.test.ts).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, postRecord, removeDir, siteRecord } from '../fixtures.ts';
import { startRecordingHub, type RecordingHub } from '../node/recording-hub.ts';
import { publishLocally } from './publish-locally.ts';
import { startWorker, workerdUnavailable, type RunningWorker } from './start-worker.ts';

const SITE_URL = 'https://press.example.org/news';
const STARTED = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const feeds = (...paths: string[]) => paths.flatMap((p) => ['rss.xml', 'atom.xml', 'feed.json'].map((file) => `${SITE_URL}${p}/${file}`));

const unavailable = await workerdUnavailable();
if (unavailable) console.warn(`Skipping the workerd tests of the Cron Trigger: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('the Cron Trigger in workerd tells the hub of due posts', () => {
  let hub: RecordingHub;
  let dir = '';
  beforeAll(async () => {
    hub = await startRecordingHub();
    dir = await makeDataDir({
      site: siteRecord({ hub: hub.url }),
      posts: {
        old: postRecord({ title: 'Old', published: iso(STARTED - 2 * 86_400_000), categories: ['Board'] }),
        plant: postRecord({ title: 'Plant', published: iso(STARTED - 30_000), categories: ['Plant'], authors: [{ name: 'Anna Berg' }] }),
        later: postRecord({ title: 'Later', published: iso(STARTED + 2 * 86_400_000), categories: ['Later'] }),
      },
    });
  });
  afterAll(async () => {
    await hub?.close();
    if (dir) await removeDir(dir);
  });

  /** One run of the trigger; the hub's requests, which the handler sends after answering (waitUntil). */
  const run = async (worker: RunningWorker, expected: number) => {
    hub.requests.length = 0;
    const answer = await fetch(`${worker.url}/__scheduled?cron=${encodeURIComponent('*/5 * * * *')}`);
    expect(answer.status, await answer.text()).toBe(200);
    for (let i = 0; i < 200 && hub.requests.length < expected; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const request of hub.requests) expect([request.method, request.form['hub.mode']]).toEqual(['POST', ['publish']]);
    return hub.published().sort();
  };
  const expected = feeds('', '/categories/plant', '/authors/anna-berg').sort();

  it('with the data bundled', async () => {
    const worker = await startWorker({ dataDir: dir, vars: { SITE_URL, HUB_NOTIFY_WINDOW_SECONDS: '3600' }, args: ['--test-scheduled'] });
    try {
      expect(await run(worker, expected.length)).toEqual(expected);
    } finally {
      await worker.stop();
    }
  }, 120_000);

  it('with the data in R2', async () => {
    const worker = await startWorker({
      dataDir: dir,
      dataSource: 'r2',
      vars: { SITE_URL, HUB_NOTIFY_WINDOW_SECONDS: '3600' },
      args: ['--test-scheduled'],
      timeoutMs: 120_000,
    });
    try {
      expect((await publishLocally(dir, path.join(worker.dir, 'state'))).code).toBe(0);
      expect(await run(worker, expected.length)).toEqual(expected);
    } finally {
      await worker.stop();
    }
  }, 180_000);
});
