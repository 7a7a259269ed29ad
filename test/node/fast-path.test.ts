/**
 * The fast path beside the app: for the same requests, the same status, headers and bytes, whether a
 * poll is answered before routing or by the app itself. Servers in this process, on loopback.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type DataSource } from '../with-safe-content.ts';
import { PreparedPolls } from '../../src/http/poll.ts';
import { nodeCompressors } from '../../src/node/compression.ts';
import { answeringPolls } from '../../src/node/fast-path.ts';
import { createNodeServer } from '../../src/node/server.ts';
import type { Dataset } from '../../src/posts/index.ts';
import { dataset, postRecord } from '../fixtures.ts';

const HOST = '127.0.0.1';
const NOW = new Date('2024-06-01T12:00:00Z');
const CHROMIUM_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

const longContent = (topic: string) => `<p>${`The board met about ${topic} and agreed the plan for next year. `.repeat(30)}</p>`;
const posts = {
  'board-meeting': postRecord({ title: 'Board meeting', published: '2024-03-01', categories: ['Board'], content: longContent('the budget') }),
  'new-plant': postRecord({ title: 'New plant', published: '2024-04-01T09:00:00Z', categories: ['Plant'], content: longContent('the plant') }),
  'summer-fair': postRecord({ title: 'Summer fair', published: '2024-07-01T08:00:00Z', content: longContent('the fair') }),
};

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function listening(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}
const closing = (server: http.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** One request on its own connection; headers by lower-case name, Date left out (it is the clock's). */
function send(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: HOST, port, path, method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const named: Record<string, string> = {};
        for (let i = 0; i < response.rawHeaders.length; i += 2) {
          const name = (response.rawHeaders[i] ?? '').toLowerCase();
          if (name !== 'date') named[name] = `${named[name] === undefined ? '' : `${named[name]}, `}${response.rawHeaders[i + 1] ?? ''}`;
        }
        resolve({ status: response.statusCode ?? 0, headers: named, body: Buffer.concat(chunks) });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** A server whose fast path counts what it hands to the app. */
function withFastPath(source: DataSource, now: () => Date) {
  const polls = new PreparedPolls();
  // As src/node/main.ts: Node's parser refuses over 16 KB of headers before the app runs.
  const app = createApp({ source, options: { now, compressors: nodeCompressors, polls, guards: { maxHeaderBytes: Infinity } } });
  const appListener = getRequestListener(app.fetch);
  const counts = { app: 0 };
  const server = http.createServer(
    answeringPolls(polls, (request, response) => {
      counts.app += 1;
      return appListener(request, response);
    }),
  );
  return { server, counts, polls };
}

/** The same app without the fast path: the reference answer. */
function appOnly(source: DataSource, now: () => Date) {
  const app = createApp({ source, options: { now, compressors: nodeCompressors } });
  return http.createServer(getRequestListener(app.fetch));
}

const PATHS = ['/rss.xml', '/atom.xml', '/feed.json', '/feed', '/', '/posts/new-plant/', '/categories/board/rss.xml', '/feed.xsl'];

/** Each case: request headers and method, given the reference's plain 200 for the same Accept. */
const CASES: { name: string; accept?: string; make: (fresh: Answer) => Record<string, string>; method?: string }[] = [
  { name: 'plain', make: () => ({}) },
  { name: 'gzip', make: () => ({ 'Accept-Encoding': 'gzip' }) },
  { name: 'br', make: () => ({ 'Accept-Encoding': 'gzip, deflate, br' }) },
  { name: 'br refused', make: () => ({ 'Accept-Encoding': 'br;q=0, *' }) },
  { name: 'If-None-Match match', make: (fresh) => ({ 'If-None-Match': fresh.headers.etag ?? '' }) },
  { name: 'If-None-Match in a list, weak', make: (fresh) => ({ 'If-None-Match': `"old", W/${fresh.headers.etag ?? ''}` }) },
  { name: 'If-None-Match mismatch', make: () => ({ 'If-None-Match': '"stale"' }) },
  { name: 'If-None-Match of another encoding', make: (fresh) => ({ 'If-None-Match': fresh.headers.etag ?? '', 'Accept-Encoding': 'br' }) },
  { name: 'If-Modified-Since', make: (fresh) => ({ 'If-Modified-Since': fresh.headers['last-modified'] ?? '' }) },
  { name: 'If-Modified-Since earlier', make: () => ({ 'If-Modified-Since': 'Mon, 01 Jan 2024 00:00:00 GMT' }) },
  { name: 'HEAD', make: () => ({ 'Accept-Encoding': 'gzip' }), method: 'HEAD' },
  { name: 'browser', accept: CHROMIUM_ACCEPT, make: () => ({ 'Accept-Encoding': 'gzip, br' }) },
  { name: 'browser revalidating', accept: CHROMIUM_ACCEPT, make: (fresh) => ({ 'If-None-Match': fresh.headers.etag ?? '' }) },
  { name: 'Atom by Accept', accept: 'application/atom+xml', make: () => ({}) },
  { name: 'JSON by Accept, revalidating', accept: 'application/feed+json', make: (fresh) => ({ 'If-None-Match': fresh.headers.etag ?? '' }) },
];

describe('answeringPolls', () => {
  let data: Dataset;
  let now = NOW;
  const source: DataSource = { current: () => data };
  const fast = withFastPath(source, () => now);
  const reference = appOnly(source, () => now);
  let fastPort = 0;
  let referencePort = 0;
  beforeAll(async () => {
    data = await dataset({ posts });
    [fastPort, referencePort] = await Promise.all([listening(fast.server), listening(reference)]);
  });
  afterAll(() => Promise.all([closing(fast.server), closing(reference)]));

  describe.each(PATHS)('%s', (path) => {
    it.each(CASES)('$name: the same status, headers and body as the app, answered without it', async ({ accept, make, method }) => {
      const acceptHeader: Record<string, string> = accept ? { Accept: accept } : {};
      const fresh = await send(referencePort, path, acceptHeader);
      expect(fresh.status).toBe(200);
      const headers = { ...acceptHeader, ...make(fresh) };
      const expected = await send(referencePort, path, headers, method);
      await send(fastPort, path, headers, method);
      const before = fast.counts.app;
      const answered = await send(fastPort, path, headers, method);
      expect(fast.counts.app, 'answered by the app').toBe(before);
      expect(answered.status).toBe(expected.status);
      expect(answered.headers).toEqual(expected.headers);
      expect(answered.body.equals(expected.body)).toBe(true);
    });
  });

  it('leaves to the app what it never answered with a prepared representation', async () => {
    for (const [path, headers, method] of [
      ['/nothing-here', {}, 'GET'],
      ['/rss.xml?page=1', {}, 'GET'],
      ['/rss.xml?page=x', {}, 'GET'],
      ['/feed', { Accept: 'text/plain' }, 'GET'],
      // Kept out of the table, whose memory is bounded by what it keeps per entry.
      ['/rss.xml', { Accept: `application/rss+xml, ${'text/x-other;q=0.1, '.repeat(40)}*/*;q=0.1` }, 'GET'],
      ['/healthz', {}, 'GET'],
      ['/style.css', {}, 'GET'],
      ['/rss.xml', {}, 'OPTIONS'],
      ['/rss.xml', {}, 'POST'],
      ['/%72ss.xml', {}, 'GET'],
      ['/./rss.xml', {}, 'GET'],
      // A long plain segment, then what a plain target may not hold: refused in one pass, not by
      // backtracking through every way of cutting the segment (which once held the server for minutes).
      [`/${'a'.repeat(600)}/?limit=-1/x`, {}, 'HEAD'],
      [`/${'a'.repeat(600)}/?limit=-1/x`, {}, 'GET'],
    ] as const) {
      await send(fastPort, path, headers, method);
      const before = fast.counts.app;
      const answered = await send(fastPort, path, headers, method);
      const expected = await send(referencePort, path, headers, method);
      expect(fast.counts.app, `${method} ${path}`).toBe(before + 1);
      expect(answered.status, `${method} ${path}`).toBe(expected.status);
    }
  });

  it('asks the app again once the data changes or a scheduled post becomes due', async () => {
    await send(fastPort, '/rss.xml');
    let before = fast.counts.app;
    expect((await send(fastPort, '/rss.xml')).body.toString()).not.toContain('Summer fair');
    expect(fast.counts.app).toBe(before);

    now = new Date('2024-07-01T08:00:00Z');
    const due = await send(fastPort, '/rss.xml');
    expect(fast.counts.app).toBe(before + 1);
    expect(due.body.toString()).toContain('Summer fair');

    data = await dataset({ posts: { ...posts, 'new-hall': postRecord({ title: 'New hall', published: '2024-05-01', content: longContent('the hall') }) } });
    before = fast.counts.app;
    const changed = await send(fastPort, '/rss.xml');
    expect(fast.counts.app).toBe(before + 1);
    expect(changed.body.toString()).toContain('New hall');
    expect((await send(fastPort, '/rss.xml')).body.equals(changed.body)).toBe(true);
    expect(fast.counts.app).toBe(before + 1);
  });

  it('a lean 304 of /rss.xml is under 350 bytes on the wire, Date and Connection included', async () => {
    const fresh = await send(fastPort, '/rss.xml');
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(fastPort, HOST);
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (text.includes('\r\n\r\n')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      socket.write(`GET /rss.xml HTTP/1.1\r\nHost: ${HOST}:${fastPort}\r\nIf-None-Match: ${fresh.headers.etag ?? ''}\r\n\r\n`);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 304 /);
    expect(raw).toMatch(/\r\nKeep-Alive: /);
    expect(raw.length).toBeLessThanOrEqual(350);
  });
});

describe('createNodeServer with a table of polls', () => {
  it('answers repeats before routing; under a rate limit or a header budget of its own, the app answers all', async () => {
    const budgeted = new PreparedPolls();
    createApp({ dataset: await dataset({ posts }), options: { polls: budgeted } });
    expect(budgeted.connected).toBe(false);
    const data = await dataset({ posts });
    for (const rateLimited of [false, true]) {
      const polls = new PreparedPolls();
      const app = createApp({
        dataset: data,
        options: { now: () => NOW, polls, guards: { maxHeaderBytes: Infinity }, ...(rateLimited ? { rateLimit: { limit: 100, windowSeconds: 60, clientKey: () => 'one' } } : {}) },
      });
      expect(polls.connected).toBe(!rateLimited);
      const server = createNodeServer(app, { host: HOST }, polls);
      const port = await listening(server);
      const first = await send(port, '/atom.xml');
      const again = await send(port, '/atom.xml', { 'If-None-Match': first.headers.etag ?? '' });
      await closing(server);
      expect(again.status).toBe(304);
      expect(Object.keys(again.headers).sort()).toEqual(
        ['access-control-allow-origin', 'access-control-expose-headers', 'cache-control', 'connection', 'etag', 'vary'],
      );
    }
  });
});
