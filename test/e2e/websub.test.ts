/**
 * WebSub from the real Node server: edits to its data folder reach a local hub as one publish request
 * per changed feed. Every wait is a bounded poll of what the hub has recorded, never a blind sleep.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, postRecord, removeDir, siteRecord, startServer, type RunningServer } from '../fixtures.ts';
import { startRecordingHub, type RecordingHub } from '../node/recording-hub.ts';

const SITE_URL = 'https://press.example.org/news';
const feedsOf = (...paths: string[]) =>
  paths.flatMap((scope) => ['rss.xml', 'atom.xml', 'feed.json'].map((file) => `${SITE_URL}${scope}/${file}`)).sort();
const json = (record: Record<string, unknown>) => `${JSON.stringify(record, null, 2)}\n`;

describe('the Node server publishing to a WebSub hub', () => {
  let hub: RecordingHub;
  let dir: string;
  let server: RunningServer;

  /** The hub's `hub.url`s once it holds `count`; fails with what it got and the server's output after 15 s. */
  async function publishedWhen(count: number, timeoutMs = 15_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (hub.published().length < count) {
      if (Date.now() > deadline) {
        throw new Error(`the hub got ${hub.published().length} of ${count} publish requests:\n${hub.published().join('\n')}\n${server.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return hub.published();
  }

  beforeAll(async () => {
    hub = await startRecordingHub();
    dir = await makeDataDir({
      site: siteRecord({ hub: hub.url }),
      posts: {
        'board-meeting': postRecord({ title: 'Board meeting', published: '2024-02-01', categories: ['Board'], authors: [{ name: 'Anna Berg' }] }),
        'new-plant': postRecord({ title: 'New plant', published: '2024-03-01', categories: ['Plant'] }),
      },
    });
    server = await startServer({ DATA_DIR: dir, SITE_URL });
  });
  afterAll(async () => {
    await server?.stop();
    await hub?.close();
    if (dir) await removeDir(dir);
  });

  it('sends nothing for the data it started with', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(hub.requests).toEqual([]);
  });

  it('names each feed a new post changes, once, in a publish request', async () => {
    await writeFile(path.join(dir, 'posts', 'plant-tour.json'), json(postRecord({ title: 'Plant tour', published: '2024-04-01', categories: ['Plant'] })));
    const published = await publishedWhen(9);
    // The main feeds, Plant's, and the site author's: Board and Anna Berg show nothing new.
    expect([...published].sort()).toEqual(feedsOf('', '/categories/plant', '/authors/example-press-office'));
    for (const request of hub.requests) {
      expect(request).toMatchObject({ method: 'POST', contentType: 'application/x-www-form-urlencoded' });
      expect(request.form['hub.mode']).toEqual(['publish']);
      expect(request.form['hub.url']).toHaveLength(1);
    }
    expect(server.output()).toContain(`WebSub: notifying ${hub.url} of 9 changed feeds (files changed)`);
  });

  it('names only the feeds of the post an edit touches', async () => {
    await writeFile(
      path.join(dir, 'posts', 'board-meeting.json'),
      json(postRecord({ title: 'Board meeting, minutes added', published: '2024-02-01', categories: ['Board'], authors: [{ name: 'Anna Berg' }] })),
    );
    const published = await publishedWhen(18);
    expect(published.slice(9).sort()).toEqual(feedsOf('', '/categories/board', '/authors/anna-berg'));
    // Nothing from the first edit came late or twice.
    expect(published.slice(0, 9).sort()).toEqual(feedsOf('', '/categories/plant', '/authors/example-press-office'));
  });
});
