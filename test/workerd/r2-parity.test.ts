/**
 * Node and workerd with the data in local R2, on generated posts: the feeds, pages and pages of feeds
 * a client receives are the same bytes with the same validators on both. 1,000 posts by default;
 * `PRESSROOM_R2_PARITY_POSTS=20000 npx vitest run test/workerd/r2-parity.test.ts` for the size the R2
 * mode is for (publishing 20,000 objects into Miniflare's R2 takes 5 to 20 minutes).
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGeneratedPosts } from '../../scripts/generate-posts.ts';
import { startServer, type RunningServer } from '../fixtures.ts';
import { publishLocally, uploadedCounts } from './publish-locally.ts';
import { rawRequest, type RawResponse } from '../support.ts';
import { startWorker, workerdUnavailable, type RunningWorker } from './start-worker.ts';

const SITE_URL = 'https://press.example.org/news';
const COUNT = Number(process.env.PRESSROOM_R2_PARITY_POSTS ?? 1_000);
/** Publishing 20,000 objects into Miniflare's R2 takes many minutes on a busy machine. */
const SETUP_MS = 30 * 60_000;
/** One answer, on a busy machine: a render of 20 posts from local R2 takes well under a second. */
const ANSWER_MS = 30_000;

const COMPARED = ['content-type', 'etag', 'last-modified', 'cache-control', 'vary', 'link', 'access-control-allow-origin'];
const described = (res: RawResponse) => Object.fromEntries(COMPARED.map((name) => [name, res.headers[name]]));

const unavailable = await workerdUnavailable();
if (unavailable) console.warn(`Skipping the Node/workerd parity test on R2: ${unavailable}`);

describe.skipIf(unavailable !== undefined)(`Node and workerd serving ${COUNT} posts from local R2`, () => {
  let node: RunningServer;
  let worker: RunningWorker;
  const paths = ['/rss.xml', '/atom.xml', '/feed.json', '/', '/page/2/', '/page/2/rss.xml'];
  beforeAll(async () => {
    // Deterministic and reused between runs: the same count gives the same files.
    const { dir } = await ensureGeneratedPosts({ count: COUNT, out: path.join(tmpdir(), `pressroom-r2-parity-${COUNT}`) });
    // Published before wrangler starts: what this file compares is bytes; test/workerd/r2.test.ts
    // publishes while a worker serves. For the worker's SITE_URL: the feeds and home page it serves are
    // those rendered at publish, the other pages it renders itself.
    const publish = async (copy: string) => {
      const published = await publishLocally(dir, path.join(copy, 'state'), ['--site-url', SITE_URL]);
      if (published.code !== 0) throw new Error(`npm run publish failed:\n${published.stdout}${published.stderr}`);
      expect(uploadedCounts(published.stdout)?.unchangedBodies).toBe(0);
    };
    [node, worker] = await Promise.all([
      startServer({ DATA_DIR: dir, SITE_URL }, { timeoutMs: 180_000 }),
      startWorker({ dataDir: dir, dataSource: 'r2', vars: { SITE_URL }, timeoutMs: 180_000, beforeStart: publish }),
    ]);
    // One post page and one category feed, as Node links them.
    const feed = JSON.parse((await rawRequest(`${node.url}/feed.json`)).body.toString('utf8')) as { items: { url: string }[] };
    paths.push(new URL(feed.items[3]?.url ?? '').pathname.replace(/^\/news/, ''));
    const home = (await rawRequest(`${node.url}/`)).body.toString('utf8');
    const category = /href="[^"]*(\/categories\/[^"/]+)\/"/.exec(home)?.[1];
    if (!category) throw new Error('the home page links no category');
    paths.push(`${category}/rss.xml`, `${category}/`);
  }, SETUP_MS);
  afterAll(async () => {
    await Promise.all([node?.stop(), worker?.stop()]);
  });

  // src/worker/warm-up.ts runs at start-up, where workerd forbids I/O: a failure is only logged.
  it('ran the start-up warm-up without a failure', () => {
    expect(worker.output()).toContain('Ready on http');
    expect(worker.output()).not.toContain('warm-up failed');
  });

  /** The same request to both; a missing answer fails naming the URL, with what wrangler printed. */
  const fromBoth = async (url: string, headers: Record<string, string> = {}): Promise<[RawResponse, RawResponse]> => {
    try {
      return await Promise.all([
        rawRequest(`${node.url}${url}`, { headers, timeoutMs: ANSWER_MS }),
        rawRequest(`${worker.url}${url}`, { headers, timeoutMs: ANSWER_MS }),
      ]);
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nwrangler's output ends:\n${worker.output().slice(-4000)}`);
    }
  };

  it('serves the same bytes and validators on every URL compared', async () => {
    expect(paths).toHaveLength(9);
    for (const url of paths) {
      const [fromNode, fromWorker] = await fromBoth(url);
      expect(fromNode.status, url).toBe(200);
      expect(fromWorker.status, url).toBe(200);
      expect(fromWorker.body.equals(fromNode.body), url).toBe(true);
      expect(described(fromWorker), url).toEqual(described(fromNode));
      const gzipped = await fromBoth(url, { 'Accept-Encoding': 'gzip' });
      expect(gzipped[1].body.equals(gzipped[0].body), `${url} gzip`).toBe(true);
      expect(gzipped[1].headers.etag, `${url} gzip`).toBe(gzipped[0].headers.etag);
    }
  }, 120_000);
});
