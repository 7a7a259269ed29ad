/**
 * A feed reader polling the real Node server (`src/node/main.ts` over @hono/node-server): the bytes on the
 * wire, as node:http sees them, with nothing decompressed or cached on the way.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, postRecord, removeDir, siteRecord, startServer, type RunningServer } from '../fixtures.ts';
import { rawRequest } from '../support.ts';

const paragraph = (topic: string) => `<p>The board met about ${topic} and agreed the plan for the coming year in full.</p>`;
const POSTS = Object.fromEntries(
  Array.from({ length: 12 }, (_, i) => [
    `update-${i + 1}`,
    postRecord({
      title: `Update number ${i + 1}`,
      published: `2024-0${1 + (i % 9)}-1${i % 10}T09:00:00Z`,
      content: paragraph(`item ${i + 1}`).repeat(6),
    }),
  ]),
);
const FEEDS = ['/rss.xml', '/atom.xml', '/feed.json'] as const;

let dir: string;
let server: RunningServer;
const url = (path: string) => new URL(path, server.url).href;

beforeAll(async () => {
  dir = await makeDataDir({ site: siteRecord({ hub: 'https://hub.example.net/' }), posts: POSTS });
  server = await startServer({ DATA_DIR: dir });
});

afterAll(async () => {
  await server?.stop();
  if (dir) await removeDir(dir);
});

describe('polling the Node server', () => {
  it.each(FEEDS)('%s is over 1 KB, with strong validators and the cache policy', async (path) => {
    const res = await rawRequest(url(path));
    expect(res.status).toBe(200);
    expect(res.body.byteLength).toBeGreaterThan(1024);
    expect(res.headers['content-length']).toBe(String(res.body.byteLength));
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(res.headers['last-modified']).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(res.headers['cache-control']).toBe('public, max-age=300, stale-while-revalidate=3600');
    expect(res.headers.vary).toBe(/\/(rss|atom)\.xml$/.test(path) ? 'Accept, Accept-Encoding' : 'Accept-Encoding');
    expect(res.headers['content-encoding']).toBeUndefined();
  });

  it.each(FEEDS)('%s: If-None-Match gives a lean 304: the validator, freshness, Vary and CORS, no body', async (path) => {
    const fresh = await rawRequest(url(path));
    const res = await rawRequest(url(path), { headers: { 'If-None-Match': fresh.headers.etag! } });
    expect(res.status).toBe(304);
    expect(res.body.byteLength).toBe(0);
    expect(res.headers.etag).toBe(fresh.headers.etag);
    expect(res.headers['cache-control']).toBe(fresh.headers['cache-control']);
    expect(res.headers.vary).toBe(/\/(rss|atom)\.xml$/.test(path) ? 'Accept, Accept-Encoding' : 'Accept-Encoding');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-expose-headers']).toBe(fresh.headers['access-control-expose-headers']);
    // RFC 9110 §15.4.5: no other representation metadata; the client keeps what the 200 said.
    for (const name of ['last-modified', 'link', 'content-security-policy', 'content-type', 'content-length']) {
      expect(res.headers[name], name).toBeUndefined();
    }
  });

  it.each(FEEDS)('%s: If-Modified-Since gives 304 when nothing changed, 200 when it did', async (path) => {
    const lastModified = (await rawRequest(url(path))).headers['last-modified']!;
    expect((await rawRequest(url(path), { headers: { 'If-Modified-Since': lastModified } })).status).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 1000).toUTCString();
    const res = await rawRequest(url(path), { headers: { 'If-Modified-Since': earlier } });
    expect(res.status).toBe(200);
    expect(res.body.byteLength).toBeGreaterThan(1024);
  });

  it('a stale If-None-Match is 200 even with a current If-Modified-Since', async () => {
    const fresh = await rawRequest(url('/atom.xml'));
    const res = await rawRequest(url('/atom.xml'), {
      headers: { 'If-None-Match': '"stale"', 'If-Modified-Since': fresh.headers['last-modified']! },
    });
    expect(res.status).toBe(200);
    expect(res.body.equals(fresh.body)).toBe(true);
  });

  it.each(FEEDS)('%s: HEAD has the Content-Length of the GET body, in every encoding, and no body', async (path) => {
    for (const acceptEncoding of ['identity', 'gzip', 'br']) {
      const headers = { 'Accept-Encoding': acceptEncoding };
      const got = await rawRequest(url(path), { headers });
      const head = await rawRequest(url(path), { method: 'HEAD', headers });
      expect(head.status).toBe(200);
      expect(head.body.byteLength).toBe(0);
      expect(head.headers['content-length'], acceptEncoding).toBe(String(got.body.byteLength));
      expect(head.headers.etag).toBe(got.headers.etag);
      expect(head.headers['content-encoding']).toBe(got.headers['content-encoding']);
      expect(head.headers['content-type']).toBe(got.headers['content-type']);
    }
  });

  it.each(FEEDS)('%s: gzip and br decode to the identity bytes, each with its own ETag and 304', async (path) => {
    const identity = await rawRequest(url(path), { headers: { 'Accept-Encoding': 'identity' } });
    const gzip = await rawRequest(url(path), { headers: { 'Accept-Encoding': 'gzip' } });
    const br = await rawRequest(url(path), { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(gzip.body.byteLength).toBeLessThan(identity.body.byteLength);
    expect(br.body.byteLength).toBeLessThan(identity.body.byteLength);
    expect(gunzipSync(gzip.body).equals(identity.body)).toBe(true);
    expect(brotliDecompressSync(br.body).equals(identity.body)).toBe(true);

    const etags = [identity, gzip, br].map((res) => res.headers.etag!);
    expect(new Set(etags).size).toBe(3);
    for (const [coding, etag] of [
      ['identity', identity.headers.etag!],
      ['gzip', gzip.headers.etag!],
      ['br', br.headers.etag!],
    ] as const) {
      const res = await rawRequest(url(path), { headers: { 'Accept-Encoding': coding, 'If-None-Match': etag } });
      expect(res.status, coding).toBe(304);
      expect(res.headers.etag).toBe(etag);
      expect(res.body.byteLength).toBe(0);
    }
    // gzip's tag names gzip's bytes: a client now taking br gets br.
    const crossed = await rawRequest(url(path), { headers: { 'Accept-Encoding': 'br', 'If-None-Match': gzip.headers.etag! } });
    expect(crossed.status).toBe(200);
    expect(crossed.headers['content-encoding']).toBe('br');
  });

  it('q=0 refuses a coding', async () => {
    const res = await rawRequest(url('/rss.xml'), { headers: { 'Accept-Encoding': 'br;q=0, gzip;q=0' } });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.toString('utf8')).toContain('<rss');
    const gzip = await rawRequest(url('/rss.xml'), { headers: { 'Accept-Encoding': 'br;q=0, *' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
  });

  it.each(FEEDS)('%s: readable from any origin, and OPTIONS answers the preflight', async (path) => {
    const res = await rawRequest(url(path), { headers: { Origin: 'https://reader.example.org' } });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-expose-headers']).toMatch(/\bETag\b/i);

    const preflight = await rawRequest(url(path), {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://reader.example.org',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'if-none-match',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.body.byteLength).toBe(0);
    expect(preflight.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/If-None-Match/i);
  });

  it.each(FEEDS)('%s: Link names itself, the other formats and the hub', async (path) => {
    const link = String((await rawRequest(url(path))).headers.link ?? '');
    const rels = [...link.matchAll(/<([^>]*)>;\s*rel="([^"]*)"/g)].map((m) => [m[2], m[1]]);
    expect(rels).toContainEqual(['self', `https://news.example.com${path}`]);
    for (const other of FEEDS.filter((p) => p !== path)) {
      expect(rels).toContainEqual(['alternate', `https://news.example.com${other}`]);
    }
    expect(rels).toContainEqual(['hub', 'https://hub.example.net/']);
    expect(rels).toHaveLength(4);
  });

  it('pages are conditional and compressed too', async () => {
    const page = await rawRequest(url('/posts/update-3/'), { headers: { 'Accept-Encoding': 'br' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(page.body).toString('utf8')).toContain('Update number 3');
    const again = await rawRequest(url('/posts/update-3/'), {
      headers: { 'Accept-Encoding': 'br', 'If-None-Match': page.headers.etag! },
    });
    expect(again.status).toBe(304);
    expect(again.headers.vary).toBe('Accept-Encoding');
  });
});
