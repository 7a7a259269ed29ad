/**
 * `npm run bench`: requests per second, p99 latency and CPU per answer of the real server's `/rss.xml`
 * (cached 200 in identity and gzip, 304 to a matching If-None-Match), each as a ratio against a baseline
 * measured in the same run on the same machine, so a noisy machine shifts both sides.
 *
 * Baselines, each a child process of its own so that none shares a thread with the load generator:
 * - bare: a Hono app on @hono/node-server answering, from constants, the exact bytes and headers the
 *   server sent, and to a matching If-None-Match a 304 with only the ETag: the reference every ratio
 *   is taken against; a second route answers a 304 with all of the server's 304 headers;
 * - node:http: the same answers from Node's own http module, no framework: the floor of Node itself;
 * - nginx: the static export of the same data (`npm run export`) served as files, gzip per request at
 *   the server's level: what a static host does (skipped, with the reason, where nginx is missing);
 * - naive: renders the feed with the `feed` package from the same posts on every request: what caching saves.
 *
 * Options: --rounds 3 --duration 3 (seconds per round) --warmup 2 --connections 10 --scales 20,1000
 *          --only 200,304 (or identity, gzip) --skip node-http,nginx,naive
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { generatePosts } from '../scripts/generate-posts.ts';
import { freePort } from './free-port.ts';
import { headersFor, nginxMissing, startNginx } from './nginx.ts';
import { plural } from '../src/posts/plural.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const HOST = '127.0.0.1';
/** Headers that describe the connection or the moment, not the response: the bare app does not copy them. */
const NOT_COPIED = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
/** The server's cached 200 and its 304 against bare's (the 304 against the ETag-only one). */
const TARGET = 0.9;

// ---------------------------------------------------------------------------------------------------------
// Child process modes: `bench/http.ts bare <spec.json>`, `bench/http.ts node-http <spec.json>` and
// `bench/http.ts naive <data dir>`

/** What the server answered at /rss.xml, for the constant baselines to answer again. */
interface ConstantFeed {
  /** The ETag an If-None-Match must match for the minimal 304. */
  etag: string;
  identity: { headers: Record<string, string>; body: string };
  /** Body in base64, like identity's. */
  gzip: { headers: Record<string, string>; body: string };
  /** The server's own 304 headers, for the bare app's second 304. */
  notModifiedHeaders: Record<string, string>;
}

/** If-None-Match as RFC 9110 §13.1.2 reads it, short of weak comparison: the constant ETags are strong. */
const matchesEtag = (header: string | undefined, etag: string) =>
  header !== undefined && (header === etag || header.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*'));
const wantsGzip = (header: string | undefined) => header !== undefined && /\bgzip\b/i.test(header);

async function readConstantFeed(specFile: string) {
  const spec = JSON.parse(await readFile(specFile, 'utf8')) as ConstantFeed;
  return { ...spec, identityBody: Buffer.from(spec.identity.body, 'base64'), gzipBody: Buffer.from(spec.gzip.body, 'base64') };
}

async function serveBare(specFile: string): Promise<void> {
  const { Hono } = await import('hono');
  const { serve } = await import('@hono/node-server');
  const spec = await readConstantFeed(specFile);
  const identityBody = new Uint8Array(spec.identityBody);
  const gzipBody = new Uint8Array(spec.gzipBody);
  const minimal = { etag: spec.etag };
  const app = new Hono();
  app.get('/rss.xml', function constantFeed(c) {
    if (matchesEtag(c.req.header('if-none-match'), spec.etag)) return c.body(null, 304, minimal);
    if (wantsGzip(c.req.header('accept-encoding'))) return c.body(gzipBody, 200, spec.gzip.headers);
    return c.body(identityBody, 200, spec.identity.headers);
  });
  // What the bare app measured before the minimal 304: all the server's 304 headers, to any request.
  app.get('/304-server-headers', function notModified(c) {
    return c.body(null, 304, spec.notModifiedHeaders);
  });
  listen(serve, app.fetch, 'bare app');
}

/** The same answers from node:http itself, no framework: what Node costs before any code of ours. */
async function serveNodeHttp(specFile: string): Promise<void> {
  const spec = await readConstantFeed(specFile);
  const identity = { ...spec.identity.headers, 'content-length': String(spec.identityBody.length) };
  const gzip = { ...spec.gzip.headers, 'content-length': String(spec.gzipBody.length) };
  const minimal = { etag: spec.etag };
  const server = http.createServer(function constantFeed(request, response) {
    if (request.url !== '/rss.xml') {
      response.writeHead(404).end();
      return;
    }
    if (matchesEtag(request.headers['if-none-match'], spec.etag)) {
      response.writeHead(304, minimal).end();
      return;
    }
    if (wantsGzip(request.headers['accept-encoding'])) response.writeHead(200, gzip).end(spec.gzipBody);
    else response.writeHead(200, identity).end(spec.identityBody);
  });
  server.listen(0, HOST, () => {
    const address = server.address();
    console.log(`node:http on http://${HOST}:${typeof address === 'object' && address ? address.port : '?'}`);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)));
}

async function serveNaive(dataDir: string): Promise<void> {
  const { Hono } = await import('hono');
  const { serve } = await import('@hono/node-server');
  const { Feed } = await import('feed');
  const { loadDataDir } = await import('../src/node/data-folder.ts');
  const result = await loadDataDir(dataDir);
  if (!result.ok) throw new Error(`${dataDir} is not valid data: ${plural(result.problems.length, 'problem')}`);
  const { site, posts } = result.dataset;
  const base = site.url ?? `http://${HOST}`;
  const app = new Hono();
  app.get('/rss.xml', function naiveRss(c) {
    const now = Date.now();
    const items = posts
      .filter((post) => !post.draft && post.published.getTime() <= now)
      .sort((a, b) => b.published.getTime() - a.published.getTime())
      .slice(0, site.feedLimit);
    const feed = new Feed({
      title: site.title,
      description: site.description,
      id: base,
      link: base,
      language: site.language,
      ...(site.copyright ? { copyright: site.copyright } : {}),
      updated: items[0]?.updated ?? new Date(0),
      generator: false,
    });
    for (const post of items) {
      const link = `${base}/posts/${post.slug}`;
      feed.addItem({
        title: post.title,
        id: post.id ?? link,
        link,
        date: post.updated,
        published: post.published,
        content: post.content,
        ...(post.summary ? { description: post.summary } : {}),
        category: (post.categories ?? []).map((name) => ({ name })),
        author: (post.authors ?? site.authors).map((a) => ({ name: a.name, ...(a.email ? { email: a.email } : {}) })),
        ...(post.image ? { image: new URL(post.image.url, link).href } : {}),
      });
    }
    c.header('Content-Type', 'application/rss+xml; charset=utf-8');
    return c.body(feed.rss2());
  });
  listen(serve, app.fetch, 'naive app');
}

type Serve = typeof import('@hono/node-server').serve;

function listen(serve: Serve, fetch: (request: Request) => Response | Promise<Response>, name: string): void {
  const server = serve({ fetch, hostname: HOST, port: 0 }, (info) => console.log(`${name} on http://${HOST}:${info.port}`));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)));
}

// ---------------------------------------------------------------------------------------------------------
// Processes and single requests

interface Running {
  name: string;
  url: string;
  child: ChildProcess;
  output: () => string;
}

/** Spawns a program that prints "… on http://host:port" and waits for that line (60 s at most). */
function start(name: string, args: string[], env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, HOST, PORT: '0', WATCH: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within 60 s:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /on (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ name, url: match[1].replace(/\/$/, ''), child, output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${output}`));
    });
  });
}

/** SIGTERM, then SIGKILL if it is still there 5 s later. */
function stop(running: Running | undefined): Promise<void> {
  const child = running?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

interface Probe {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** As received: still compressed when the server compressed it. */
  body: Buffer;
}

/** One GET with exactly these headers (fetch would add Accept-Encoding and decompress). */
function probe(url: string, headers: Record<string, string> = {}): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers, agent: false, timeout: 30_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url} within 30 s`)));
    request.on('error', reject);
  });
}

const copiedHeaders = (headers: http.IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers)
      .filter(([name, value]) => !NOT_COPIED.has(name) && value !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]),
  );

/**
 * The bytes of the status line and headers as they cross the wire, up to and including the blank line:
 * for a 304, the whole answer. Read from a raw socket, since Node's parser hides the header block; the
 * request is autocannon's: the request line, Host, then the case's headers, on a keep-alive connection.
 */
function wireHeaderBytes(url: string, headers: Record<string, string>): Promise<number> {
  const target = new URL(url);
  const request =
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
    Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(target.port), target.hostname);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(new Error(`no header block from ${url} within 10 s`)), 10_000);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(end + 4);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`${url} closed the connection before the end of its headers`));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Measuring

/** The answers compared: the cached 200 in identity and in gzip, and the 304 to a matching If-None-Match. */
const KINDS = ['identity', 'gzip', '304'] as const;
type Kind = (typeof KINDS)[number];
/** The baselines a run can leave out; the server and the bare app, the reference, always run. */
const OPTIONAL = ['node-http', 'nginx', 'naive'] as const;
type Optional = (typeof OPTIONAL)[number];

interface Selection {
  kinds: ReadonlySet<Kind>;
  skip: ReadonlySet<Optional>;
}

interface Case {
  scale: number;
  kind: Kind;
  name: string;
  url: string;
  headers: Record<string, string>;
  expectedStatus: number;
  /** The bytes of one response body, as the probe saw it. */
  bodyBytes: number;
  /** The process answering, for its CPU time. */
  pid: number | undefined;
  /** The case this one is compared with; none for a baseline. */
  baseline?: string;
  /** Why this case was not measured. */
  skipped?: string;
  notes: string[];
  /** Status line and headers on the wire, blank line included: the whole of a 304. */
  wireBytes?: number;
}

/** One autocannon run of one case. */
interface Sample {
  requestsPerSecond: number;
  p99: number;
  bytesPerResponse: number;
  /** CPU time of the answering process and of this load generator, as a share of one core. */
  serverCpu: number | undefined;
  clientCpu: number;
  /** CPU time the answering process spent per answer, in microseconds: what the server costs, even when the client is the bottleneck. */
  serverMicrosPerRequest: number | undefined;
  problems: string[];
}

interface Measured extends Case {
  samples: Sample[];
}

interface RunOptions {
  duration: number;
  warmup: number;
  connections: number;
}

const CLOCK_TICKS = 100; // USER_HZ: what /proc/<pid>/stat counts in on Linux, on every architecture

/** User + system CPU of a process in seconds, from /proc; undefined where there is no /proc. */
async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined; // not Linux: the CPU column stays empty
  }
}

async function measureOnce(test: Case, options: RunOptions, warm: boolean): Promise<Sample> {
  const base = { url: test.url, headers: test.headers, connections: options.connections };
  if (warm && options.warmup > 0) await autocannon({ ...base, duration: options.warmup });
  const serverBefore = await cpuSeconds(test.pid);
  const clientBefore = process.cpuUsage();
  const result = await autocannon({ ...base, duration: options.duration });
  const client = process.cpuUsage(clientBefore);
  const serverAfter = await cpuSeconds(test.pid);

  const problems: string[] = [];
  const statuses = Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [Number(code), stat.count ?? 0] as const);
  const unexpected = statuses.filter(([code]) => code !== test.expectedStatus);
  if (unexpected.length) problems.push(`unexpected statuses: ${unexpected.map(([code, n]) => `${n}× ${code}`).join(', ')}`);
  if (result.errors) problems.push(`${result.errors} errors (${result.timeouts} timeouts)`);
  const answered = statuses.reduce((sum, [, n]) => sum + n, 0);
  if (answered === 0) problems.push('no responses');
  const bytesPerResponse = answered ? result.throughput.total / answered : 0;
  if (bytesPerResponse <= 0) problems.push('no bytes received');
  // autocannon counts headers and body; fewer bytes than the probe's body means truncated responses.
  if (answered && bytesPerResponse < test.bodyBytes) problems.push(`${Math.round(bytesPerResponse)} bytes per response, expected ≥ ${test.bodyBytes}`);
  const wall = result.duration || options.duration;
  const serverSeconds = serverBefore === undefined || serverAfter === undefined ? undefined : serverAfter - serverBefore;
  return {
    requestsPerSecond: result.requests.average,
    p99: result.latency.p99,
    bytesPerResponse,
    serverCpu: serverSeconds === undefined ? undefined : serverSeconds / wall,
    clientCpu: (client.user + client.system) / 1e6 / wall,
    serverMicrosPerRequest: serverSeconds === undefined || !answered ? undefined : (serverSeconds * 1e6) / answered,
    problems,
  };
}

interface Scale {
  count: number;
  feedLimit: number;
  drafts: number;
}

const execFileAsync = promisify(execFile);

/** `npm run export` of the same data folder into `out`, bounded in time like every other step. */
async function exportSite(dataDir: string, out: string): Promise<void> {
  await execFileAsync(process.execPath, ['--import', 'tsx', 'scripts/export.ts', '--data', dataDir, '--out', out], {
    cwd: ROOT,
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** nginx on the static export, checked by a probe of each answer; a reason instead when it cannot run. */
async function startNginxBaseline(
  plain: Probe,
  dataDir: string,
  workDir: string,
  count: number,
): Promise<{ running: Running; etag: string | undefined; notes: Record<Kind, string[]>; gzipBytes: number } | { skipped: string }> {
  const missing = await nginxMissing();
  if (missing) return { skipped: `skipped: ${missing}` };
  const root = path.join(workDir, `export-${count}`);
  await exportSite(dataDir, root);
  const { contentType, headers } = headersFor(await readFile(path.join(root, '_headers'), 'utf8'), '/rss.xml');
  const started = await startNginx({
    root,
    prefix: path.join(workDir, `nginx-${count}`),
    host: HOST,
    port: await freePort(HOST),
    feedPath: '/rss.xml',
    contentType: contentType ?? String(plain.headers['content-type']),
    headers,
  });
  const running: Running = { name: 'nginx', ...started };
  const feedUrl = `${running.url}/rss.xml`;
  const notes: Record<Kind, string[]> = { identity: [], gzip: [], '304': [] };
  const identity = await probe(feedUrl);
  if (identity.status !== 200) throw new Error(`nginx answered ${identity.status} for /rss.xml:\n${running.output()}`);
  if (!identity.body.equals(plain.body)) notes.identity.push(`body differs from the server's (${identity.body.length} vs ${plain.body.length} bytes)`);
  const gzipped = await probe(feedUrl, { 'Accept-Encoding': 'gzip' });
  if (gzipped.headers['content-encoding'] !== 'gzip') notes.gzip.push('nginx sent no Content-Encoding: gzip');
  else if (!gunzipSync(gzipped.body).equals(identity.body)) throw new Error("nginx's gzip body does not decompress to its identity body");
  const etag = typeof identity.headers.etag === 'string' ? identity.headers.etag : undefined;
  return { running, etag, notes, gzipBytes: gzipped.body.length };
}

/** Starts the server and its baselines for one dataset and lists the cases, checked by one probe each. */
async function casesFor(scale: Scale, dataDir: string, workDir: string, processes: Running[], selection: Selection): Promise<Case[]> {
  const server = await start('server', ['dist/node.mjs'], { DATA_DIR: dataDir });
  processes.push(server);
  const feedUrl = `${server.url}/rss.xml`;

  const plain = await probe(feedUrl);
  if (plain.status !== 200 || plain.body.length === 0) {
    throw new Error(`GET /rss.xml answered ${plain.status} with ${plain.body.length} bytes:\n${plain.body.toString().slice(0, 500)}`);
  }
  if (plain.headers['content-encoding']) throw new Error(`GET /rss.xml without Accept-Encoding came back ${plain.headers['content-encoding']}`);
  const items = (plain.body.toString().match(/<item>/g) ?? []).length;
  const expectedItems = Math.min(scale.feedLimit, scale.count - scale.drafts);

  const gzipped = await probe(feedUrl, { 'Accept-Encoding': 'gzip' });
  const serverGzips = gzipped.headers['content-encoding'] === 'gzip';
  if (serverGzips && !gunzipSync(gzipped.body).equals(plain.body)) throw new Error('the gzip body does not decompress to the identity body');

  const etag = typeof plain.headers.etag === 'string' ? plain.headers.etag : undefined;
  const revalidated = etag ? await probe(feedUrl, { 'If-None-Match': etag }) : undefined;

  // The constant baselines answer what the server answered, byte for byte.
  const gzipBody = serverGzips ? gzipped.body : gzipSync(plain.body);
  const gzipHeaders = serverGzips
    ? copiedHeaders(gzipped.headers)
    : { ...copiedHeaders(plain.headers), 'content-encoding': 'gzip', vary: 'Accept-Encoding' };
  const constantEtag = etag ?? '"constant"';
  const feed: ConstantFeed = {
    etag: constantEtag,
    identity: { headers: copiedHeaders(plain.headers), body: plain.body.toString('base64') },
    gzip: { headers: gzipHeaders, body: gzipBody.toString('base64') },
    notModifiedHeaders: copiedHeaders(revalidated?.headers ?? { etag: constantEtag }),
  };
  const spec = path.join(workDir, `constant-feed-${scale.count}.json`);
  await writeFile(spec, JSON.stringify(feed));
  const bare = await start('bare app', ['--import', 'tsx', SELF, 'bare', spec]);
  processes.push(bare);
  const nodeHttp = selection.skip.has('node-http') ? undefined : await start('node:http', ['--import', 'tsx', SELF, 'node-http', spec]);
  if (nodeHttp) processes.push(nodeHttp);
  for (const constant of [bare, nodeHttp]) {
    if (!constant) continue;
    const answer = await probe(`${constant.url}/rss.xml`);
    if (answer.status !== 200 || !answer.body.equals(plain.body)) throw new Error(`the ${constant.name} answered ${answer.status} with other bytes than the server`);
  }
  const naive = selection.skip.has('naive') || !selection.kinds.has('identity') ? undefined : await start('naive app', ['--import', 'tsx', SELF, 'naive', dataDir]);
  if (naive) processes.push(naive);
  const naiveProbe = naive ? await probe(`${naive.url}/rss.xml`) : undefined;
  if (naiveProbe && (naiveProbe.status !== 200 || naiveProbe.body.length === 0)) throw new Error(`the naive app answered ${naiveProbe.status}`);
  const nginx = selection.skip.has('nginx') ? undefined : await startNginxBaseline(plain, dataDir, workDir, scale.count);
  if (nginx && 'running' in nginx) processes.push(nginx.running);

  const n = scale.count;
  const serverSkips304 = !etag
    ? 'n/a (no ETag)'
    : revalidated && revalidated.status !== 304
      ? `n/a (If-None-Match answered ${revalidated.status})`
      : undefined;
  const nginxCase = (kind: Kind, name: string, headers: Record<string, string>, expectedStatus: number, baseline: string): Case[] => {
    if (!nginx) return [];
    const base = { scale: n, kind, name, headers, expectedStatus, baseline, bodyBytes: 0, notes: [] as string[] };
    if (!('running' in nginx)) return [{ ...base, url: '', pid: undefined, skipped: nginx.skipped }];
    const bodyBytes = kind === 'identity' ? plain.body.length : kind === 'gzip' ? nginx.gzipBytes : 0;
    const skipped = kind === '304' && !nginx.etag ? { skipped: 'n/a (nginx sent no ETag)' } : {};
    return [{ ...base, url: `${nginx.running.url}/rss.xml`, pid: nginx.running.child.pid, bodyBytes, notes: nginx.notes[kind], ...skipped }];
  };
  const nodeHttpCase = (kind: Kind, name: string, headers: Record<string, string>, expectedStatus: number, bodyBytes: number, baseline: string): Case[] =>
    nodeHttp ? [{ scale: n, kind, name, url: `${nodeHttp.url}/rss.xml`, pid: nodeHttp.child.pid, headers, expectedStatus, bodyBytes, baseline, notes: [] }] : [];
  const gzipRequest = { 'Accept-Encoding': 'gzip' };
  const revalidation = { 'If-None-Match': constantEtag };

  const cases: Case[] = [
    { scale: n, kind: 'identity', name: 'bare: identity', url: `${bare.url}/rss.xml`, pid: bare.child.pid, headers: {}, expectedStatus: 200, bodyBytes: plain.body.length, notes: [] },
    {
      scale: n, kind: 'identity', name: 'server /rss.xml identity', url: feedUrl, pid: server.child.pid, headers: {}, expectedStatus: 200, bodyBytes: plain.body.length,
      baseline: 'bare: identity', notes: items === expectedItems ? [] : [`${items} items, expected ${expectedItems}`],
    },
    ...nodeHttpCase('identity', 'node:http identity', {}, 200, plain.body.length, 'bare: identity'),
    ...nginxCase('identity', 'nginx identity', {}, 200, 'bare: identity'),
    ...(naive && naiveProbe
      ? [{
          scale: n, kind: 'identity' as const, name: 'naive: feed package per request', url: `${naive.url}/rss.xml`, pid: naive.child.pid, headers: {}, expectedStatus: 200,
          bodyBytes: naiveProbe.body.length, baseline: 'bare: identity', notes: [],
        }]
      : []),
    {
      scale: n, kind: 'gzip', name: 'bare: gzip', url: `${bare.url}/rss.xml`, pid: bare.child.pid, headers: gzipRequest, expectedStatus: 200,
      bodyBytes: gzipBody.length, notes: serverGzips ? [] : ['gzipped here once: the server sent no gzip'],
    },
    {
      scale: n, kind: 'gzip', name: 'server /rss.xml gzip', url: feedUrl, pid: server.child.pid, headers: gzipRequest, expectedStatus: 200,
      bodyBytes: gzipped.body.length, baseline: 'bare: gzip',
      notes: serverGzips ? [] : [`no Content-Encoding: the server sent ${gzipped.body.length} bytes uncompressed`],
    },
    ...nodeHttpCase('gzip', 'node:http gzip', gzipRequest, 200, gzipBody.length, 'bare: gzip'),
    ...nginxCase('gzip', 'nginx gzip (per request)', gzipRequest, 200, 'bare: gzip'),
    { scale: n, kind: '304', name: 'bare: 304, ETag only', url: `${bare.url}/rss.xml`, pid: bare.child.pid, headers: revalidation, expectedStatus: 304, bodyBytes: 0, notes: [] },
    {
      scale: n, kind: '304', name: "bare: 304, server's headers", url: `${bare.url}/304-server-headers`, pid: bare.child.pid, headers: revalidation,
      expectedStatus: 304, bodyBytes: 0, baseline: 'bare: 304, ETag only', notes: [],
    },
    {
      scale: n, kind: '304', name: 'server /rss.xml 304', url: feedUrl, pid: server.child.pid, headers: etag ? { 'If-None-Match': etag } : {}, expectedStatus: 304, bodyBytes: 0,
      baseline: 'bare: 304, ETag only', notes: [], ...(serverSkips304 ? { skipped: serverSkips304 } : {}),
    },
    ...nodeHttpCase('304', 'node:http 304, ETag only', revalidation, 304, 0, 'bare: 304, ETag only'),
    ...nginxCase('304', 'nginx 304', nginx && 'running' in nginx && nginx.etag ? { 'If-None-Match': nginx.etag } : {}, 304, 'bare: 304, ETag only'),
  ];
  const selected = cases.filter((c) => selection.kinds.has(c.kind));
  for (const test of selected) {
    if (test.skipped) continue;
    test.wireBytes = await wireHeaderBytes(test.url, test.headers);
    if (test.kind === '304') {
      const answer = await probe(test.url, test.headers);
      if (answer.status !== 304) test.skipped = `n/a (If-None-Match answered ${answer.status})`;
    }
  }
  return selected;
}

// ---------------------------------------------------------------------------------------------------------
// The report

const fixed = (value: number | undefined, digits: number) => (value === undefined || Number.isNaN(value) ? '' : value.toFixed(digits));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};
const valid = (row: Measured | undefined) => !!row && !row.skipped && row.samples.length > 0 && row.samples.every((s) => !s.problems.length);
const medianOf = (row: Measured, pick: (sample: Sample) => number | undefined) => {
  const values = row.samples.map(pick).filter((v): v is number => v !== undefined);
  return values.length ? median(values) : undefined;
};

/**
 * Each round measures a case right after its baseline, so the ratio of the pair cancels what the
 * machine was doing that minute; the median of the rounds' ratios is the figure, min–max its spread.
 */
function ratiosOf(row: Measured, rows: Measured[]): { median: number; min: number; max: number } | undefined {
  const baseline = rows.find((r) => r.scale === row.scale && r.name === row.baseline);
  if (!baseline || !valid(row) || !valid(baseline)) return undefined;
  const ratios = row.samples.map((s, i) => s.requestsPerSecond / (baseline.samples[i]?.requestsPerSecond ?? NaN)).filter(Number.isFinite);
  if (!ratios.length) return undefined;
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

function printTable(rows: Measured[]): void {
  const header = ['posts', 'case', 'req/s', 'p99 ms', 'bytes/resp', 'head bytes', 'cpu srv/load', 'srv µs/req', 'ratio vs baseline', 'spread', 'checks'];
  const rounds = Math.max(...rows.map((r) => r.samples.length));
  const body = rows.map((row) => {
    const ratio = ratiosOf(row, rows);
    const problems = [...new Set(row.samples.flatMap((s) => s.problems))];
    const checks = row.skipped ?? [...problems.map((p) => `INVALID: ${p}`), ...row.notes].join('; ');
    const serverCpu = medianOf(row, (s) => s.serverCpu);
    const clientCpu = medianOf(row, (s) => s.clientCpu);
    return [
      String(row.scale),
      row.name,
      row.skipped ? 'n/a' : fixed(medianOf(row, (s) => s.requestsPerSecond), 0),
      row.skipped ? 'n/a' : fixed(medianOf(row, (s) => s.p99), 1),
      row.skipped ? '' : fixed(medianOf(row, (s) => s.bytesPerResponse), 0),
      row.wireBytes === undefined ? '' : String(row.wireBytes),
      row.skipped || clientCpu === undefined ? '' : `${serverCpu === undefined ? '?' : Math.round(serverCpu * 100)}%/${Math.round(clientCpu * 100)}%`,
      row.skipped ? '' : fixed(medianOf(row, (s) => s.serverMicrosPerRequest), 0),
      row.baseline ? (ratio ? `${ratio.median.toFixed(2)}× ${row.baseline.replace(/:.*/, '')}` : 'n/a') : 'baseline',
      ratio && rounds > 1 ? `${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}` : '',
      checks || 'ok',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 1 || i === header.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const cells of body) console.log(line(cells));
  console.log(
    `\nreq/s, p99 and bytes per response (headers included): medians of ${plural(rounds, 'round')}. ` +
      'cpu: the answering process and the load generator, each as a share of one core;\n' +
      'a load generator near 100% means the case measured the client, not the server: then compare srv µs/req, the server CPU per answer.\n' +
      'head bytes: the status line and headers on the wire, blank line included, from one request on a raw socket: all of a 304.',
  );
}

function printTargets(rows: Measured[]): void {
  console.log(`\nTargets: a cached 200 and a 304 each at ≥ ${TARGET}× the bare app's req/s (the 304 against its ETag-only 304).`);
  for (const row of rows) {
    if (!row.name.startsWith('server')) continue;
    const ratio = ratiosOf(row, rows);
    const verdict = row.skipped ?? (ratio ? `${ratio.median.toFixed(3)}× — ${ratio.median >= TARGET ? 'met' : 'missed'}` : 'not measured');
    console.log(`  ${String(row.scale).padStart(5)} posts, ${row.name}: ${verdict}`);
  }
  for (const scale of new Set(rows.map((r) => r.scale))) {
    const server = rows.find((r) => r.scale === scale && r.name === 'server /rss.xml identity');
    const naive = rows.find((r) => r.scale === scale && r.name.startsWith('naive'));
    if (server && naive && valid(server) && valid(naive)) {
      const speedup = median(server.samples.map((s, i) => s.requestsPerSecond / (naive.samples[i]?.requestsPerSecond ?? NaN)));
      const serverCost = medianOf(server, (s) => s.serverMicrosPerRequest);
      const naiveCost = medianOf(naive, (s) => s.serverMicrosPerRequest);
      const cpu = serverCost && naiveCost ? ` and spends 1/${(naiveCost / serverCost).toFixed(0)} of its CPU per answer` : '';
      console.log(`  ${String(scale).padStart(5)} posts: the server answers ${speedup.toFixed(1)}× the naive re-render's req/s${cpu}`);
    }
  }
}

/** `--only 200,304` (or identity, gzip) and `--skip node-http,nginx,naive`, checked. */
function selectionFrom(only: string, skip: string): Selection {
  const kinds = new Set<Kind>();
  for (const token of only.split(',').map((t) => t.trim()).filter(Boolean)) {
    if (token === '200') for (const kind of ['identity', 'gzip'] as const) kinds.add(kind);
    else if ((KINDS as readonly string[]).includes(token)) kinds.add(token as Kind);
    else throw new Error(`--only: expected 200, identity, gzip or 304, got ${JSON.stringify(token)}`);
  }
  if (!kinds.size) throw new Error('--only: name at least one of 200, identity, gzip, 304');
  const skipped = new Set<Optional>();
  for (const token of skip.split(',').map((t) => t.trim()).filter(Boolean)) {
    if (!(OPTIONAL as readonly string[]).includes(token)) throw new Error(`--skip: expected ${OPTIONAL.join(', ')}, got ${JSON.stringify(token)}`);
    skipped.add(token as Optional);
  }
  return { kinds, skip: skipped };
}

async function main(): Promise<void> {
  // The server runs as `npm start` runs it: from the bundle `npm run build:node` writes.
  execFileSync('npm', ['run', 'build:node', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      duration: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '10' },
      scales: { type: 'string', default: '20,1000' },
      only: { type: 'string', default: '200,304' },
      skip: { type: 'string', default: '' },
    },
  });
  const selection = selectionFrom(values.only, values.skip);
  const options: RunOptions = { duration: Number(values.duration), warmup: Number(values.warmup), connections: Number(values.connections) };
  const rounds = Number(values.rounds);
  const counts = values.scales.split(',').map(Number);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error('--rounds must be from 1 to 20');
  for (const [key, value] of Object.entries(options)) {
    if (!Number.isFinite(value) || value < 0 || value > 600) throw new Error(`--${key} must be a number from 0 to 600`);
  }
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000)) throw new Error('--scales must be whole numbers of posts, e.g. 20,1000');

  const workDir = await mkdtemp(path.join(tmpdir(), 'pressroom-bench-http-'));
  const processes: Running[] = [];
  const rows: Measured[] = [];
  const stopAll = async () => {
    await Promise.all(processes.map(stop));
    processes.length = 0;
  };
  const onSignal = () => void stopAll().then(() => rm(workDir, { recursive: true, force: true })).then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    console.log(
      `autocannon: ${options.connections} connections, one case at a time; ${options.warmup} s warm-up, then ` +
        `${plural(rounds, 'round')} of ${options.duration} s per case, each baseline right before the cases compared with it.`,
    );
    const nginxReason = selection.skip.has('nginx') ? undefined : await nginxMissing();
    if (nginxReason) console.log(`nginx: skipped, ${nginxReason}`);
    for (const count of counts) {
      const dataDir = path.join(workDir, `data-${count}`);
      const feedLimit = Math.min(1000, count);
      const generated = await generatePosts({ count, out: dataDir, feedLimit });
      const cases = await casesFor({ count, feedLimit, drafts: generated.drafts }, dataDir, workDir, processes, selection);
      const measured: Measured[] = cases.map((test) => ({ ...test, samples: [] }));
      for (let round = 1; round <= rounds; round++) {
        for (const row of measured) {
          if (row.skipped) continue;
          process.stdout.write(`  ${count} posts, round ${round}: ${row.name} … `);
          const sample = await measureOnce(row, options, round === 1);
          row.samples.push(sample);
          console.log(`${fixed(sample.requestsPerSecond, 0)} req/s${sample.problems.length ? ` (${sample.problems.join('; ')})` : ''}`);
        }
      }
      rows.push(...measured);
      await stopAll();
    }
  } finally {
    await stopAll();
    await rm(workDir, { recursive: true, force: true });
  }
  console.log('');
  printTable(rows);
  printTargets(rows);
  const invalid = rows.filter((r) => r.samples.some((s) => s.problems.length));
  if (invalid.length) {
    console.error(`\n${plural(invalid.length, 'case')} measured errors, not speed: fix those first.`);
    process.exitCode = 1;
  }
}

const [mode, argument] = process.argv.slice(2);
if (mode === 'bare' && argument) await serveBare(argument);
else if (mode === 'node-http' && argument) await serveNodeHttp(argument);
else if (mode === 'naive' && argument) await serveNaive(argument);
else await main();
