/**
 * Node and workerd, same data, same SITE_URL: the feeds and pages a client receives are the same bytes
 * with the same validators, and a scheduled post stays out on both. That it then appears on time is
 * the clock's business, tested with an injected clock in test/worker/edge-cache.test.ts.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, postRecord, removeDir, siteRecord, startServer, type RunningServer } from '../fixtures.ts';
import { rawRequest, type RawResponse } from '../support.ts';
import { startWorker, workerdUnavailable, type RunningWorker } from './start-worker.ts';

const SITE_URL = 'https://press.example.org/news';
const CATEGORY_FEED = '/categories/plant/rss.xml';

/** What makes a representation: its bytes' description and its validators. */
const COMPARED = ['content-type', 'etag', 'last-modified', 'cache-control', 'vary', 'link', 'access-control-allow-origin'];
const described = (res: RawResponse) => Object.fromEntries(COMPARED.map((name) => [name, res.headers[name]]));

const unavailable = await workerdUnavailable();
if (unavailable) console.warn(`Skipping the Node/workerd parity tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)(`Node and workerd on the same data and SITE_URL${unavailable ? ` (${unavailable}: skipped)` : ''}`, () => {
  let dir = '';
  let node: RunningServer;
  let worker: RunningWorker;
  beforeAll(async () => {
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
        opening: postRecord({ title: 'Opening day', published: '2999-01-01T09:00:00Z', categories: ['Plant'] }),
      },
      media: { 'plant.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]) },
    });
    [node, worker] = await Promise.all([
      startServer({ DATA_DIR: dir, SITE_URL }),
      startWorker({ dataDir: dir, vars: { SITE_URL } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([node?.stop(), worker?.stop()]);
    if (dir) await removeDir(dir);
  });

  const paths = ['/rss.xml', '/atom.xml', '/feed.json', '/', '/posts/new-plant/'];

  // src/worker/warm-up.ts and the renders ahead run at start-up, where workerd forbids I/O: a failure is only logged.
  it('ran the start-up warm-up and rendered the feeds ahead without a failure', () => {
    expect(worker.output()).toContain('Ready on http');
    expect(worker.output()).not.toContain('warm-up failed');
    expect(worker.output()).not.toContain('Rendering the feeds at start-up failed');
  });

  it.each(paths)('%s: the same bytes and validators without Accept-Encoding, and the same 304s', async (path) => {
    const [fromNode, fromWorker] = await Promise.all([rawRequest(`${node.url}${path}`), rawRequest(`${worker.url}${path}`)]);
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
      const [a, b] = await Promise.all([rawRequest(`${node.url}${path}`, { headers: conditional }), rawRequest(`${worker.url}${path}`, { headers: conditional })]);
      expect([a.status, b.status]).toEqual([304, 304]);
      expect(described(b)).toEqual({ ...described(a), 'content-type': undefined });
    }
  });

  it.each(['/rss.xml', '/feed.json', '/'])('%s with gzip: the same zlib level 6 bytes and the same ETag on both, and the same 304s', async (path) => {
    const identity = await rawRequest(`${node.url}${path}`);
    const [fromNode, fromWorker] = await Promise.all([
      rawRequest(`${node.url}${path}`, { headers: { 'Accept-Encoding': 'gzip' } }),
      rawRequest(`${worker.url}${path}`, { headers: { 'Accept-Encoding': 'gzip' } }),
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
      const again = await rawRequest(`${url}${path}`, { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': fromNode.headers.etag as string } });
      expect(again.status).toBe(304);
    }
  });

  it(`${CATEGORY_FEED}: the same bytes and validators`, async () => {
    const fromNode = await rawRequest(`${node.url}${CATEGORY_FEED}`);
    const fromWorker = await rawRequest(`${worker.url}${CATEGORY_FEED}`);
    expect(fromNode.status).toBe(200);
    expect(fromWorker.status).toBe(200);
    expect(fromWorker.body.equals(fromNode.body)).toBe(true);
    expect(described(fromWorker)).toEqual(described(fromNode));
    expect(fromNode.body.toString('utf8')).toContain('<title>Plant tour</title>');
  });

  it('keeps a scheduled post out on both, without a word of difference', async () => {
    for (const url of [node.url, worker.url]) {
      const [rss, post] = await Promise.all([rawRequest(`${url}/rss.xml`), rawRequest(`${url}/posts/opening/`)]);
      expect(rss.body.toString('utf8')).toContain('<title>New plant</title>');
      expect(rss.body.toString('utf8')).not.toContain('Opening day');
      expect(post.status).toBe(404);
    }
  });
});
