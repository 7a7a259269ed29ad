/**
 * Media through the real Node server on port 0: streamed from the data folder, byte ranges, validators
 * from the file's identity, the sandboxing policy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../with-safe-content.ts';
import { MEDIA_CONTENT_SECURITY_POLICY } from '../../src/http/media.ts';
import { loadDataDir } from '../../src/node/data-folder.ts';
import { mediaFilesIn } from '../../src/node/media-files.ts';
import { createNodeServer } from '../../src/node/server.ts';
import { makeDataDir, removeDir } from '../fixtures.ts';

const HOST = '127.0.0.1';
const AUDIO = new Uint8Array(300_000).map((_, i) => (i * 7) % 256);
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(port: number, urlPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, path: urlPath, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

let dir = '';
let server: http.Server;
let port = 0;
beforeAll(async () => {
  dir = await makeDataDir({ media: { 'talk.mp3': AUDIO, 'logo.svg': SVG } });
  // Older than the settling time: the tag is strong.
  const past = new Date(Date.now() - 60_000);
  await utimes(path.join(dir, 'media', 'talk.mp3'), past, past);
  const loaded = await loadDataDir(dir);
  if (!loaded.ok) throw new Error('fixture data should be valid');
  const app = createApp({ dataset: loaded.dataset, options: { media: mediaFilesIn(dir) } });
  server = createNodeServer(app, { host: HOST });
  port = await new Promise<number>((resolve) => server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port)));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await removeDir(dir);
});

describe('media on Node', () => {
  it('streams the whole file with a strong tag from its identity, Last-Modified and Accept-Ranges', async () => {
    const res = await request(port, '/media/talk.mp3');
    expect(res.status).toBe(200);
    expect(res.body.equals(Buffer.from(AUDIO))).toBe(true);
    expect(res.headers['content-type']).toBe('audio/mpeg');
    expect(res.headers['content-length']).toBe(String(AUDIO.byteLength));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.etag).toMatch(/^"[0-9a-z]+-[0-9a-z]+-[0-9a-z]+"$/);
    expect(res.headers['last-modified']).toMatch(/ GMT$/);
    expect(res.headers['content-encoding']).toBeUndefined();
  });

  it('answers one range with 206 and Content-Range', async () => {
    const res = await request(port, '/media/talk.mp3', { Range: 'bytes=1000-1999' });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 1000-1999/${AUDIO.byteLength}`);
    expect(res.headers['content-length']).toBe('1000');
    expect(res.body.equals(Buffer.from(AUDIO.subarray(1000, 2000)))).toBe(true);
  });

  it.each([
    ['bytes=-500', AUDIO.byteLength - 500, AUDIO.byteLength - 1],
    ['bytes=299000-', 299_000, AUDIO.byteLength - 1],
    ['bytes=299990-400000', 299_990, AUDIO.byteLength - 1],
  ])('reads %s as bytes %i to %i', async (range, start, end) => {
    const res = await request(port, '/media/talk.mp3', { Range: range });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${AUDIO.byteLength}`);
    expect(res.body.equals(Buffer.from(AUDIO.subarray(start, end + 1)))).toBe(true);
  });

  it('answers a range past the end with 416 and the length', async () => {
    const res = await request(port, '/media/talk.mp3', { Range: 'bytes=300000-' });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${AUDIO.byteLength}`);
    expect(res.body.toString()).toBe(`The range asked for starts past the end of the file (${AUDIO.byteLength} bytes).\n`);
  });

  it.each(['bytes=0-1,5-9', 'lines=1-2', 'bytes=9-1', 'bytes=x'])('ignores Range %j: the whole file, 200', async (range) => {
    const res = await request(port, '/media/talk.mp3', { Range: range });
    expect(res.status).toBe(200);
    expect(res.body.byteLength).toBe(AUDIO.byteLength);
  });

  it('honours If-Range only while it names the file', async () => {
    const { headers } = await request(port, '/media/talk.mp3', {}, 'HEAD');
    const etag = String(headers.etag);
    const same = await request(port, '/media/talk.mp3', { Range: 'bytes=0-9', 'If-Range': etag });
    expect(same.status).toBe(206);
    const byDate = await request(port, '/media/talk.mp3', { Range: 'bytes=0-9', 'If-Range': String(headers['last-modified']) });
    expect(byDate.status).toBe(206);
    const other = await request(port, '/media/talk.mp3', { Range: 'bytes=0-9', 'If-Range': '"something-else"' });
    expect(other.status).toBe(200);
    expect(other.body.byteLength).toBe(AUDIO.byteLength);
    const weak = await request(port, '/media/talk.mp3', { Range: 'bytes=0-9', 'If-Range': `W/${etag}` });
    expect(weak.status).toBe(200);
  });

  it('answers If-None-Match with 304, and HEAD with the headers alone', async () => {
    const head = await request(port, '/media/talk.mp3', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(AUDIO.byteLength));
    expect(head.body.byteLength).toBe(0);
    const again = await request(port, '/media/talk.mp3', { 'If-None-Match': String(head.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(head.headers.etag);
  });

  it('gives a new tag when the file is rewritten, without a reload', async () => {
    const before = await request(port, '/media/logo.svg', {}, 'HEAD');
    await writeFile(path.join(dir, 'media', 'logo.svg'), SVG.replace('alert', 'alarm'));
    const after = await request(port, '/media/logo.svg', {}, 'HEAD');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    // Just written: weak, so no If-Range resumes across a change the clock could not tell apart.
    expect(after.headers.etag).toMatch(/^W\//);
  });

  it('serves an SVG in a sandbox, so its script cannot run on the site’s origin', async () => {
    const res = await request(port, '/media/logo.svg');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.headers['content-security-policy']).toBe(MEDIA_CONTENT_SECURITY_POLICY);
    expect(MEDIA_CONTENT_SECURITY_POLICY).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers 404 for a file removed since the data was loaded', async () => {
    const { rm } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'media', 'gone.txt'), 'x');
    const loaded = await loadDataDir(dir);
    if (!loaded.ok) throw new Error('fixture data should be valid');
    await rm(path.join(dir, 'media', 'gone.txt'));
    const app = createApp({ dataset: loaded.dataset, options: { media: mediaFilesIn(dir) } });
    const res = await app.request('http://localhost/media/gone.txt');
    expect(res.status).toBe(404);
  });
});
