/**
 * The Node server in this process on port 0: node:http requests for what the app answers, raw sockets
 * for what Node's parser refuses before a request exists.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../with-safe-content.ts';
import { listenFailure } from '../../src/node/client-errors.ts';
import { createNodeServer } from '../../src/node/server.ts';
import { dataset, postRecord } from '../fixtures.ts';

const HOST = '127.0.0.1';

function listening(server: http.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

function get(port: number, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: HOST, port, path, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
  });
}

/** Sends bytes as they are and reads until the server closes: status line, headers, body. */
function raw(port: number, request: string): Promise<{ head: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      resolve({ head: text.slice(0, split).split('\r\n'), body: text.slice(split + 4) });
    });
    socket.write(request, 'latin1');
  });
}

describe('createNodeServer', () => {
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    const app = createApp({ dataset: await dataset({ posts: { hello: postRecord({ title: 'Hello' }) } }) });
    server = createNodeServer(app, { host: HOST });
    port = await listening(server);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the app', async () => {
    const rss = await get(port, '/rss.xml');
    expect(rss.status).toBe(200);
    expect(rss.headers['content-type']).toMatch(/^application\/rss\+xml/);
    expect(rss.body).toContain('<title>Hello</title>');
    const health = await get(port, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', posts: 1 });
  });

  it('answers a request @hono/node-server refuses with a 400 and the reason', async () => {
    const { head, body } = await raw(port, 'GET /media/..\\site.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(head[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(body.trimEnd()).toBe('The request could not be read: backslash in request path.');
  });

  it.each([
    ['headers over 16 KB', `GET / HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`, '431 Request Header Fields Too Large', 'The request headers are larger than 16 KB.'],
    ['a method Node does not know', 'BREW / HTTP/1.1\r\nHost: localhost\r\n\r\n', '405 Method Not Allowed', 'That is not a method this server implements; it answers GET, HEAD and OPTIONS.'],
    ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', '405 Method Not Allowed', 'CONNECT is not allowed here; use GET or HEAD.'],
    ['a TLS handshake', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', '400 Bad Request', 'The request is not valid HTTP/1.1.'],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n', '400 Bad Request', 'The request is not valid HTTP/1.1.'],
  ])('answers %s with a reason and the security headers, then closes', async (_name, request, status, message) => {
    const { head, body } = await raw(port, request);
    expect(head[0]).toBe(`HTTP/1.1 ${status}`);
    expect(head).toContain('X-Content-Type-Options: nosniff');
    expect(head).toContain('Content-Type: text/plain; charset=utf-8');
    expect(head).toContain('Cache-Control: no-store');
    expect(head).toContain('Connection: close');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    if (status.startsWith('405')) expect(head).toContain('Allow: GET, HEAD, OPTIONS');
    expect(body).toBe(`${message}\n`);
  });

  it('names a port in use as a setting to fix', async () => {
    const second = createNodeServer(createApp({ dataset: await dataset() }), { host: HOST });
    const error = await listening(second, port).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(error && listenFailure(error, HOST, port)).toBe(
      `Cannot listen on ${HOST}:${port}: port ${port} on ${HOST} is already in use: stop the other server or set PORT`,
    );
  });
});

describe('listenFailure', () => {
  const failure = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('says what to change for the usual reasons, and passes anything else on', () => {
    expect(listenFailure(failure('EACCES'), '0.0.0.0', 80)).toBe(
      'Cannot listen on 0.0.0.0:80: port 80 needs more privileges than this process has: set PORT above 1023',
    );
    expect(listenFailure(failure('EADDRNOTAVAIL'), '10.9.9.9', 3000)).toBe(
      'Cannot listen on 10.9.9.9:3000: 10.9.9.9 is not an address of this machine: set HOST',
    );
    expect(listenFailure(failure('EMFILE', 'accept EMFILE'), '127.0.0.1', 3000)).toBe('Cannot listen on 127.0.0.1:3000: accept EMFILE');
  });
});
