/**
 * Node and workerd, same data, same SITE_URL: the feeds and pages a client receives are the same bytes
 * with the same validators, and a scheduled post appears on both when it is due, with no rebuild.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, postRecord, removeDir, siteRecord, startServer, type RunningServer } from '../fixtures.ts';
import { CURL, raw, startWorker, workerdUnavailable, type Raw, type RunningWorker } from './start-worker.ts';

const SITE_URL = 'https://press.example.org/news';
const CATEGORY_FEED = '/categories/plant/rss.xml';
/** Far enough ahead that both servers are up and compared before it is due. */
const SCHEDULED_DELAY_MS = 20_000;


/** What makes a representation: its bytes' description and its validators. */
const COMPARED = ['content-type', 'etag', 'last-modified', 'cache-control', 'vary', 'link', 'access-control-allow-origin'];
const described = (res: Raw) => Object.fromEntries(COMPARED.map((name) => [name, res.headers[name]]));

const unavailable = await workerdUnavailable();
if (unavailable) console.warn(`Skipping the Node/workerd parity tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined || !CURL)('Node and workerd on the same data and SITE_URL', () => {
  let dir = '';
  let node: RunningServer;
  let worker: RunningWorker;
  let due = new Date();
  /** What each server showed right after start-up, before the scheduled post was due. */
  const beforeDue: { rss: string; postStatus: number }[] = [];
  beforeAll(async () => {
    // Whole seconds: published dates are ISO 8601 with second precision.
    due = new Date(Math.ceil((Date.now() + SCHEDULED_DELAY_MS) / 1000) * 1000);
    dir = await makeDataDir({
      site: siteRecord({ url: 'https://site-json.example.com', feedLimit: 2 }),
      posts: {
        'board-meeting': postRecord({ title: 'Board meeting', published: '2024-02-01', categories: ['Board'] }),
        'new-plant': postRecord({
          title: 'New plant',
          published: '2024-03-01T09:30:00+01:00',
          updated: '2024-03-02T10:00:00Z',
          categories: ['Plant'],
          // Sanitised at run time on Node, at build time for the worker: the same bytes either way.
          content:
            `<p onclick="steal()">${'The new plant opens in spring. '.repeat(60)}</p><img src="../media/plant.png" alt="">` +
            '<a href="javascript:alert(1)">tour</a><script>alert(1)</script>',
          image: { url: '../media/plant.png', alt: 'The plant' },
        }),
        'plant-tour': postRecord({ title: 'Plant tour', published: '2024-03-05', categories: ['Plant'] }),
        draft: postRecord({ title: 'Not yet', published: '2024-01-01', draft: true }),
        opening: postRecord({ title: 'Opening day', published: due.toISOString().replace('.000Z', 'Z'), categories: ['Plant'] }),
      },
      media: { 'plant.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]) },
    });
    [node, worker] = await Promise.all([
      startServer({ DATA_DIR: dir, SITE_URL }),
      startWorker({ dataDir: dir, vars: { SITE_URL } }),
    ]);
    for (const url of [node.url, worker.url]) {
      const [rss, post] = await Promise.all([raw(`${url}/rss.xml`), raw(`${url}/posts/opening`)]);
      beforeDue.push({ rss: rss.body.toString('utf8'), postStatus: post.status });
    }
    if (Date.now() >= due.getTime()) {
      throw new Error(`the servers took too long to start to see the scheduled post before ${due.toISOString()}`);
    }
  });
  afterAll(async () => {
    await Promise.all([node?.stop(), worker?.stop()]);
    if (dir) await removeDir(dir);
  });

  const paths = ['/rss.xml', '/atom.xml', '/feed.json', '/', '/posts/new-plant'];

  it.each(paths)('%s: the same bytes and validators without Accept-Encoding, and the same 304s', async (path) => {
    const [fromNode, fromWorker] = await Promise.all([raw(`${node.url}${path}`), raw(`${worker.url}${path}`)]);
    expect(fromNode.status).toBe(200);
    expect(fromWorker.status).toBe(200);
    expect(fromWorker.body.equals(fromNode.body)).toBe(true);
    expect(described(fromWorker)).toEqual(described(fromNode));
    expect(fromNode.body.toString('utf8')).toContain(`${SITE_URL}/`);
    expect(fromNode.body.toString('utf8')).not.toMatch(/onclick|steal\(\)|javascript:|alert\(1\)/);
    // wrangler dev's own proxy streams HTML through HTMLRewriter (for live reload), dropping the
    // length; a deployed worker has no such proxy. Everything else carries it.
    if (!fromNode.headers['content-type']?.startsWith('text/html')) {
      expect(fromWorker.headers['content-length']).toBe(fromNode.headers['content-length']);
    }
    for (const conditional of [
      { 'If-None-Match': fromNode.headers.etag as string },
      { 'If-Modified-Since': fromNode.headers['last-modified'] as string },
    ]) {
      const [a, b] = await Promise.all([raw(`${node.url}${path}`, conditional), raw(`${worker.url}${path}`, conditional)]);
      expect([a.status, b.status]).toEqual([304, 304]);
      expect(described(b)).toEqual({ ...described(a), 'content-type': undefined });
    }
  });

  it.each(['/rss.xml', '/feed.json', '/'])('%s with gzip: the same zlib level 6 bytes and the same ETag on both, and the same 304s', async (path) => {
    const identity = await raw(`${node.url}${path}`);
    const [fromNode, fromWorker] = await Promise.all([
      raw(`${node.url}${path}`, { 'Accept-Encoding': 'gzip' }),
      raw(`${worker.url}${path}`, { 'Accept-Encoding': 'gzip' }),
    ]);
    expect([fromNode.headers['content-encoding'], fromWorker.headers['content-encoding']]).toEqual(['gzip', 'gzip']);
    // CompressionStream in workerd is zlib at its default level, and Node compresses at that level too.
    expect(fromWorker.body.equals(gzipSync(identity.body, { level: 6 }))).toBe(true);
    expect(fromWorker.body.equals(fromNode.body)).toBe(true);
    expect(gunzipSync(fromNode.body).equals(identity.body)).toBe(true);
    expect(described(fromWorker)).toEqual(described(fromNode));
    expect(fromWorker.headers.etag).toBe(fromNode.headers.etag);
    expect(fromNode.headers.etag).not.toBe(identity.headers.etag);
    for (const url of [node.url, worker.url]) {
      const again = await raw(`${url}${path}`, { 'Accept-Encoding': 'gzip', 'If-None-Match': fromNode.headers.etag as string });
      expect(again.status).toBe(304);
    }
  });

  it(`${CATEGORY_FEED}: the same bytes and validators, once Node serves category feeds`, async () => {
    const fromNode = await raw(`${node.url}${CATEGORY_FEED}`);
    const fromWorker = await raw(`${worker.url}${CATEGORY_FEED}`);
    if (fromNode.status !== 200) {
      console.warn(`${CATEGORY_FEED} answers ${fromNode.status} on Node: no category feeds yet, only the status is compared`);
      expect(fromWorker.status).toBe(fromNode.status);
      return;
    }
    expect(fromWorker.status).toBe(200);
    expect(fromWorker.body.equals(fromNode.body)).toBe(true);
    expect(described(fromWorker)).toEqual(described(fromNode));
    expect(fromNode.body.toString('utf8')).toContain('<title>Plant tour</title>');
  });

  it('shows a scheduled post on both once it is due, without a restart or a rebuild', async () => {
    expect(beforeDue).toHaveLength(2);
    for (const { rss, postStatus } of beforeDue) {
      expect(rss).toContain('<title>New plant</title>');
      expect(rss).not.toContain('Opening day');
      expect(postStatus).toBe(404);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due.getTime() - Date.now() + 250)));
    const [fromNode, fromWorker] = await Promise.all([raw(`${node.url}/rss.xml`), raw(`${worker.url}/rss.xml`)]);
    expect(fromNode.body.toString('utf8')).toContain('<title>Opening day</title>');
    expect(fromWorker.body.equals(fromNode.body)).toBe(true);
    expect(described(fromWorker)).toEqual(described(fromNode));
    expect((await raw(`${worker.url}/posts/opening`)).status).toBe(200);
  }, 60_000);
});
