/**
 * What a careless or hostile client may cost the Node server, against the real server on port 0 with
 * small limits: host names, `?limit` values, duplicate Host lines, clients that stop reading, too many
 * connections, slow headers. Each refusal is one line.
 */
import http from 'node:http';
import { truncate } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../with-safe-content.ts';
import type { AppOptions } from '../with-safe-content.ts';
import { loadDataDir } from '../../src/node/data-folder.ts';
import { mediaFilesIn } from '../../src/node/media-files.ts';
import { createNodeServer, type NodeServerConfig } from '../../src/node/server.ts';
import { dataset, makeDataDir, postRecord, removeDir, siteRecord } from '../fixtures.ts';

const HOST = '127.0.0.1';
const FILM_BYTES = 512 * 1024 * 1024;
const servers: http.Server[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
afterAll(async () => {
  for (const dir of dirs) await removeDir(dir);
});

async function serve(app: ReturnType<typeof createApp>, limits: NodeServerConfig['limits'] = {}): Promise<number> {
  const server = createNodeServer(app, { host: HOST, limits });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port)));
}

const manyPosts = () => Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`post-${i}`, postRecord({ title: `Post ${i}`, published: `2024-01-${String((i % 28) + 1).padStart(2, '0')}` })]));

async function appWith(options: AppOptions = {}) {
  // No url in site.json and no SITE_URL: links follow the Host header.
  return createApp({ dataset: await dataset({ site: siteRecord({ url: undefined, maxLimit: 100 }), posts: manyPosts() }), options });
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** Sends bytes as they are and reads until the server closes. */
function raw(port: number, text: string, waitMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST);
    const chunks: Buffer[] = [];
    socket.setTimeout(waitMs, () => socket.destroy(new Error('no answer')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    if (text) socket.write(text, 'latin1');
  });
}

describe('host names without a public URL', () => {
  it('renders for the first 8 host names, and refuses the rest with 421 and a reason', async () => {
    const renders: string[] = [];
    const port = await serve(await appWith({ onRender: (key) => renders.push(key) }));
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await get(port, '/rss.xml', { Host: `host-${i}.example` }));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(8);
    const refused = answers.filter((a) => a.status === 421);
    expect(refused).toHaveLength(22);
    expect(refused[0]?.body).toBe(
      'This server has no public URL set and already answers for 8 host names; set SITE_URL (or "url" in site.json) to serve others.\n',
    );
    expect(renders).toHaveLength(8);
    // A name already served still is.
    expect((await get(port, '/rss.xml', { Host: 'host-3.example' })).status).toBe(200);
    expect(renders).toHaveLength(8);
  });

  it('answers any host name when a public URL is set, with one render', async () => {
    const renders: string[] = [];
    const port = await serve(await appWith({ siteUrl: 'https://news.example.com', onRender: (key) => renders.push(key) }));
    for (let i = 0; i < 20; i++) expect((await get(port, '/rss.xml', { Host: `host-${i}.example` })).status).toBe(200);
    expect(renders).toHaveLength(1);
  });
});

describe('uncached renders', () => {
  it('run at most two at a time, odd limits behind, while a cached feed is answered throughout', async () => {
    let running = 0;
    let most = 0;
    const app = await appWith({
      renderQueue: { concurrency: 2, maxWaiting: 64, maxWaitingUncommon: 64 },
      onRender: () => {
        most = Math.max(most, ++running);
        // The render's end: the queue starts the next on a timer, after this one settled.
        setImmediate(() => running--);
      },
    });
    const port = await serve(app);
    expect((await get(port, '/rss.xml')).status).toBe(200);
    const churn = Array.from({ length: 30 }, (_, i) => get(port, `/rss.xml?limit=${i + 31}`));
    const plain = await get(port, '/rss.xml');
    expect(plain.status).toBe(200);
    expect((await Promise.all(churn)).map((a) => a.status)).toEqual(Array(30).fill(200));
    expect(most).toBeLessThanOrEqual(2);
  });

  it('refuses odd limits past the queue with 503 and Retry-After, and never the common ones', async () => {
    const port = await serve(await appWith({ renderQueue: { concurrency: 1, maxWaiting: 64, maxWaitingUncommon: 2 } }));
    const odd = await Promise.all(Array.from({ length: 12 }, (_, i) => get(port, `/rss.xml?limit=${i + 31}`)));
    const busy = odd.filter((a) => a.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy[0]?.body).toBe('The server is busy rendering other pages; try again in a second.\n');
    const common = await Promise.all(['/rss.xml?limit=50', '/atom.xml', '/feed.json?limit=10'].map((p) => get(port, p)));
    expect(common.map((a) => a.status)).toEqual([200, 200, 200]);
  });
});

describe('the connection', () => {
  it('answers a request with two Host lines with 400 (RFC 9112 §3.2)', async () => {
    const port = await serve(await appWith());
    const answer = await raw(port, 'GET /rss.xml HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer.endsWith('\r\n\r\nThe request has more than one Host header.\n')).toBe(true);
  });

  it('closes a connection whose client stops reading, within the send timeout', async () => {
    const dir = await makeDataDir({ media: { 'film.mp4': '' } });
    dirs.push(dir);
    // Sparse: larger than every socket buffer of loopback (Linux lets one grow to 32 MB), on no disk.
    await truncate(path.join(dir, 'media', 'film.mp4'), FILM_BYTES);
    const loaded = await loadDataDir(dir);
    if (!loaded.ok) throw new Error('fixture data should be valid');
    const app = createApp({ dataset: loaded.dataset, options: { media: mediaFilesIn(dir) } });
    const port = await serve(app, { sendTimeoutMs: 300 });
    // A client that stopped reading does not see the close either: watch the server's side.
    const closed = new Promise<number>((resolve) =>
      servers.at(-1)?.on('connection', (accepted: net.Socket) => accepted.on('close', () => resolve(Date.now()))),
    );
    const socket = net.connect(port, HOST);
    let received = 0;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.byteLength;
      socket.pause(); // read a little, then never again
    });
    socket.write('GET /media/film.mp4 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const started = Date.now();
    const at = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000))]);
    socket.destroy();
    expect(at).toBeGreaterThan(0);
    expect(at - started).toBeLessThan(3000);
    expect(received).toBeLessThan(FILM_BYTES);
  });

  it('answers a connection over the cap with 503 and a reason, and takes new ones once others close', async () => {
    const port = await serve(await appWith(), { maxConnections: 2 });
    const held = [net.connect(port, HOST), net.connect(port, HOST)];
    await Promise.all(held.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await raw(port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(refused).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(refused).toContain('Retry-After: 5\r\n');
    expect(refused.endsWith('The server has 2 connections open, its limit; try again in a few seconds.\n')).toBe(true);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await get(port, '/healthz')).status).toBe(200);
  });

  it('answers headers that never finish with 408 within the headers timeout', async () => {
    const port = await serve(await appWith(), { headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const started = Date.now();
    const answer = await raw(port, 'GET /rss.xml HTTP/1.1\r\nHost: localhost\r\nX-Slow: ', 5000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
