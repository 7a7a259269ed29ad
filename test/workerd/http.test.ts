/**
 * The same HTTP tests against the Node server and against the worker inside workerd (`wrangler dev`),
 * both on the seed data: what a client sees must not depend on where the app runs.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../fixtures.ts';
import { rawRequest, SEED_DIR, SEED_FIGURE, SEED_ID, SEED_SLUG, seedDataset } from '../support.ts';
import { startWorker, workerdUnavailable } from './start-worker.ts';

const targets = [
  { name: 'the Node server', start: () => startServer({ DATA_DIR: SEED_DIR }) },
  { name: 'the worker in workerd', start: () => startWorker({ dataDir: SEED_DIR }) },
] as const;

const unavailable = await workerdUnavailable();
if (unavailable) console.warn(`Skipping the workerd half of the HTTP tests: ${unavailable}`);

for (const target of targets) {
  const skip = target.name.includes('workerd') ? unavailable : undefined;
  describe.skipIf(skip !== undefined)(`${target.name} on the seed data${skip ? ` (${skip}: skipped)` : ''}`, () => {
    let url = '';
    let stop: () => Promise<void> = async () => {};
    beforeAll(async () => {
      const running = await target.start();
      url = running.url;
      stop = running.stop;
    });
    afterAll(() => stop());

    it('answers a dozen different pages and feeds asked for at once, every one', async () => {
      // First, so each is a render of its own: more than the renders a server runs at once, some wait their turn.
      const paths = ['/rss.xml', '/atom.xml', '/feed.json', '/feed', '/', `/posts/${SEED_SLUG}/`, '/sitemap.xml', '/feeds.opml', '/robots.txt', '/feed.xsl'];
      const answers = await Promise.all(paths.map(async (path) => [path, (await fetch(`${url}${path}`)).status] as const));
      expect(answers).toEqual(paths.map((path) => [path, 200]));
    });

    it.each([
      ['/', 'text/html; charset=utf-8', `/posts/${SEED_SLUG}/`],
      ['/rss.xml', 'application/rss+xml; charset=utf-8', SEED_ID],
      ['/atom.xml', 'application/atom+xml; charset=utf-8', SEED_ID],
      ['/feed.json', 'application/feed+json; charset=utf-8', SEED_ID],
      [`/posts/${SEED_SLUG}/`, 'text/html; charset=utf-8', 'WEGO&#39;s National Engineering Research Center'],
    ])('GET %s with no Accept-Encoding is %s, uncompressed, with the seed post', async (pathname, contentType, expected) => {
      const res = await rawRequest(`${url}${pathname}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(contentType);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.body.toString('utf8')).toContain(expected);
    });

    it('sends gzip bytes once, with their own ETag and length, only to a client that asks', async () => {
      const identity = await rawRequest(`${url}/rss.xml`, { headers: { 'Accept-Encoding': 'identity' } });
      const gzip = await rawRequest(`${url}/rss.xml`, { headers: { 'Accept-Encoding': 'gzip' } });
      expect(identity.headers['content-encoding']).toBeUndefined();
      expect(identity.headers['content-length']).toBe(String(identity.body.byteLength));
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.headers['content-length']).toBe(String(gzip.body.byteLength));
      // Decoded once, the body is the identity body: gzip applied twice would still be gzip here.
      expect(gunzipSync(gzip.body).equals(identity.body)).toBe(true);
      expect(gzip.headers.etag).not.toBe(identity.headers.etag);
      expect(gzip.headers.vary).toMatch(/(^|, )Accept-Encoding(,|$)/);
      // Asked again: on the worker, the first answer came through the Cache API path, this one from the
      // app's own render cache; both must send the same bytes.
      const again = await rawRequest(`${url}/rss.xml`, { headers: { 'Accept-Encoding': 'gzip' } });
      expect(again.body.equals(gzip.body)).toBe(true);
      expect(again.headers['content-length']).toBe(gzip.headers['content-length']);
      expect(again.headers.etag).toBe(gzip.headers.etag);
      const none = await rawRequest(`${url}/rss.xml`);
      expect(none.body.equals(identity.body)).toBe(true);
      expect(none.headers.etag).toBe(identity.headers.etag);
    });

    it('answers If-None-Match and If-Modified-Since with 304 and the same validators', async () => {
      for (const encoding of ['identity', 'gzip']) {
        const first = await rawRequest(`${url}/atom.xml`, { headers: { 'Accept-Encoding': encoding } });
        const etag = first.headers.etag as string;
        const byTag = await rawRequest(`${url}/atom.xml`, { headers: { 'Accept-Encoding': encoding, 'If-None-Match': etag } });
        expect(byTag.status).toBe(304);
        expect(byTag.headers.etag).toBe(etag);
        expect(byTag.body.byteLength).toBe(0);
        const byDate = await rawRequest(`${url}/atom.xml`, { headers: {
          'Accept-Encoding': encoding,
          'If-Modified-Since': first.headers['last-modified'] as string,
        } });
        expect(byDate.status).toBe(304);
        const other = await rawRequest(`${url}/atom.xml`, { headers: { 'Accept-Encoding': encoding, 'If-None-Match': '"something-else"' } });
        expect(other.status).toBe(200);
      }
    });

    it('serves a media file byte for byte', async () => {
      const res = await rawRequest(`${url}/media/cxdfhd-2.png`, { headers: { 'Accept-Encoding': 'gzip' } });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.body.equals(await readFile(SEED_FIGURE))).toBe(true);
    });

    it('answers /healthz with the counts and the version of the data', async () => {
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(200);
      const { version } = await seedDataset();
      expect(await res.json()).toEqual({ status: 'ok', posts: 1, scheduled: 0, drafts: 0, version });
    });

    it('answers HEAD with the headers of GET and no body', async () => {
      for (const encoding of ['identity', 'gzip']) {
        const get = await rawRequest(`${url}/feed.json`, { headers: { 'Accept-Encoding': encoding } });
        const head = await rawRequest(`${url}/feed.json`, { headers: { 'Accept-Encoding': encoding }, method: 'HEAD' });
        expect(head.status).toBe(200);
        expect(head.headers['content-type']).toBe('application/feed+json; charset=utf-8');
        expect(head.headers.etag).toBe(get.headers.etag);
        expect(head.headers['content-length']).toBe(String(get.body.byteLength));
        expect(head.headers['content-encoding']).toBe(get.headers['content-encoding']);
      }
    });

    it('refuses other methods with 405 and answers unknown paths with 404', async () => {
      expect((await rawRequest(`${url}/posts/no-such-post/`)).status).toBe(404);
      expect((await rawRequest(`${url}/wp-admin`)).status).toBe(404);
      // The POST last: under wrangler dev, the request after a refused POST with a body has been seen to
      // stall (the 405 arrives, the next answer never does); which side keeps the body is not yet known.
      const post = await rawRequest(`${url}/feed.json`, { method: 'POST', body: '{}' });
      expect(post.status).toBe(405);
      expect(post.headers.allow).toMatch(/\bGET\b.*\bHEAD\b/);
    });
  });
}
