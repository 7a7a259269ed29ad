import { STATUS_CODES, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { RequestError, getRequestListener } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { DataFolder } from './data-folder.ts';
import { readDataLimits } from './data-limits.ts';
import { createApp, type AppOptions } from '../http/app.ts';
import { SECURITY_HEADERS, textResponse } from '../http/respond.ts';
import { nodeCompressors } from './compression.ts';
import { formatProblem, isHttpUrl, summarizeProblems, type Problem } from '../posts/index.ts';
import { ReloadingSource } from './reloading-source.ts';
import { keepFresh } from './watcher.ts';

const host = process.env.HOST || '127.0.0.1';
const portSetting = process.env.PORT || '3000';
const port = Number(portSetting);
const dataDir = process.env.DATA_DIR || './data';
const siteUrl = process.env.SITE_URL || undefined;
const watching = process.env.WATCH !== '0';

const refuseToStart = (message: string): never => {
  console.error(message);
  process.exit(1);
};

if (!/^\d+$/.test(portSetting) || port > 65535) {
  refuseToStart(`PORT: expected a port number from 0 to 65535, got ${JSON.stringify(portSetting)}`);
}
// Every link in every feed is built on it: a typo here would publish broken links, so refuse to start.
if (siteUrl !== undefined && !isHttpUrl(siteUrl)) {
  refuseToStart(`SITE_URL: expected an absolute http(s) URL such as https://news.example.com, got ${JSON.stringify(siteUrl)}`);
}

/** `RATE_LIMIT=120/60`: 120 requests per 60 seconds per client address. Unset, empty, `0` or `off`: none. */
function rateLimitFrom(setting: string | undefined): AppOptions['rateLimit'] {
  if (setting === undefined || ['', '0', 'off'].includes(setting.trim())) return undefined;
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(setting);
  const limit = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || limit < 1 || windowSeconds < 1) {
    return refuseToStart(`RATE_LIMIT: expected requests/seconds such as 120/60, or 0 for none, got ${JSON.stringify(setting)}`);
  }
  // Behind a reverse proxy every client has the proxy's address: limit there instead.
  return { limit, windowSeconds, clientKey: (c) => getConnInfo(c).remote.address };
}
const rateLimit = rateLimitFrom(process.env.RATE_LIMIT);

const report = (problems: readonly Problem[], postFiles: number) => {
  for (const problem of problems) console.error(formatProblem(problem));
  if (problems.length) console.error(summarizeProblems(problems, postFiles));
};

const limits = readDataLimits(process.env);
if (limits.problems.length) refuseToStart(limits.problems.join('\n'));
// Incremental: each load re-reads only what changed since the last (see data-folder.ts).
const folder = new DataFolder(dataDir, { limits: limits.limits });
const load = () => folder.load();
const first = await load();
report(first.problems, first.postFiles);
if (!first.ok) process.exit(1);

const source = new ReloadingSource(first.dataset, async () => {
  const result = await load();
  report(result.problems, result.postFiles);
  return result;
});
const reload = async (why: string) => {
  const wasDegraded = source.health().status === 'degraded';
  const outcome = await source.reload();
  const version = source.current().version;
  if (outcome.swapped) console.log(`Reloaded ${dataDir} (${why}): version ${version}`);
  else if (source.health().status === 'degraded') console.error(`Still serving version ${version}: fix the problems above.`);
  else if (wasDegraded) console.log(`The data in ${dataDir} is valid again (${why}): version ${version}`);
};

const app = createApp({
  source,
  options: {
    compressors: nodeCompressors,
    // Node's HTTP parser already answers 431 above 16 KB of headers (see clientError below).
    guards: { maxHeaderBytes: Infinity },
    ...(siteUrl ? { siteUrl } : {}),
    ...(rateLimit ? { rateLimit } : {}),
  },
});

/** Requests @hono/node-server refuses before the app sees them (a backslash in the path, a bad Host). */
const requestError = (error: unknown): Response => {
  if (error instanceof RequestError) return textResponse(`The request could not be read: ${error.message.toLowerCase()}.`, 400);
  console.error(error);
  return textResponse('Something went wrong on our side; it has been logged.', 500);
};

/** A whole HTTP/1.1 response for a socket that never became a request: plain text, security headers. */
function rawResponse(status: number, message: string, headers: Record<string, string> = {}): string {
  const body = `${message}\n`;
  const lines = Object.entries({
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  }).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('')}\r\n${body}`;
}

/** What Node's HTTP parser rejects, in a publisher's words; everything else is a plain 400. */
const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request headers are larger than 16 KB.'],
  HPE_INVALID_METHOD: [405, 'That is not a method this server implements; it answers GET, HEAD and OPTIONS.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request took too long to arrive.'],
};

const server = createServer(getRequestListener(app.fetch, { hostname: host, errorHandler: requestError }));
// Node's own answer to a request it cannot parse is a bare status line: give it a reason and our headers.
server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // llhttp calls anything it cannot read as a method an invalid method, TLS handshakes included.
  const looksLikeMethod = /^[A-Z][A-Z-]*\s/.test((error as { rawPacket?: Buffer }).rawPacket?.toString('latin1') ?? '');
  const known = error.code === 'HPE_INVALID_METHOD' && !looksLikeMethod ? undefined : CLIENT_ERRORS[error.code ?? ''];
  const [status, message] = known ?? [400, 'The request is not valid HTTP/1.1.'];
  socket.end(rawResponse(status, message, status === 405 ? { Allow: 'GET, HEAD, OPTIONS' } : {}));
});
// Without a listener Node drops CONNECT requests without a word; we are not a proxy, so say so.
server.on('connect', (_request, socket: Duplex) => {
  socket.end(rawResponse(405, 'CONNECT is not allowed here; use GET or HEAD.', { Allow: 'GET, HEAD, OPTIONS' }));
});
// A port in use or an address this machine does not have is a setting to fix, not a crash.
server.once('error', (error: NodeJS.ErrnoException) => {
  const reasons: Record<string, string> = {
    EADDRINUSE: `port ${port} on ${host} is already in use: stop the other server or set PORT`,
    EACCES: `port ${port} needs more privileges than this process has: set PORT above 1023`,
    EADDRNOTAVAIL: `${host} is not an address of this machine: set HOST`,
  };
  refuseToStart(`Cannot listen on ${host}:${port}: ${reasons[error.code ?? ''] ?? error.message}`);
});
server.listen(port, host, () => {
  const info = server.address();
  if (info === null || typeof info === 'string') return;
  const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  const count = first.dataset.posts.length;
  console.log(`Pressroom serves ${count} post${count === 1 ? '' : 's'} from ${dataDir} on http://${shownHost}:${info.port}`);
});

const freshness = keepFresh(dataDir, { folder, reload, watch: watching });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void freshness.close();
    server.close(() => process.exit(0));
    // Keep-alive clients may hold the server open: give them a moment, then go anyway.
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
