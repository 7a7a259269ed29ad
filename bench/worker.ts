/**
 * `npm run bench:worker`: the two budgets of the Workers deployment, measured inside workerd.
 *
 * - Bundle size: `wrangler deploy --dry-run --outdir` of the real worker, gzipped, with a near-empty
 *   dataset (the code alone), with data/ and with 1,000 generated posts. Target: code under 300 KB.
 * - CPU time of an isolate's first `/rss.xml` with 1,000 posts, in each mode: for each sample a fresh
 *   `wrangler dev` on a fresh copy, waited for on its port so that nothing runs the worker before the
 *   measured request; the CPU time of every workerd thread (/proc/<pid>/task/<tid>/schedstat,
 *   nanoseconds: CPU, not wall time, so other processes on the machine do not inflate it) around that
 *   first GET, less the same around an identical GET after it (which the isolate's render cache
 *   answers: what wrangler's proxying costs both). Each case with and without the Cache API.
 *   Counted: everything the first request pays inside workerd: the index (bundled: parsed at
 *   start-up, its order and scopes precomputed by build:data; R2: pointer, manifest, outline and scopes
 *   read and parsed), then the feed: rendered ahead (bundled: at start-up; R2: by npm run publish, read
 *   with its gzip) or else rendered (the page's part of the post fields and its bodies read, in R2),
 *   gzip, the ETag's hash, the Cache API's match and put, garbage collection.
 *   Not counted: evaluating the worker's module, which workerd does at start-up (Cloudflare bounds that
 *   apart from requests' CPU): the warm-up (src/worker/warm-up.ts), the app built from the env, and in
 *   the bundled mode the feeds rendered ahead.
 *   Locally, the Cache API and R2 are simulated by workers of wrangler's own in the same workerd
 *   processes, so their CPU is in that figure too; deployed, they are network calls. Three figures
 *   separate that out:
 *   1. "as it comes": the above, all of it (what earlier versions of this benchmark reported).
 *   2. "after the warm-up": the same, but the worker's entry is wrapped with a scheduled handler that
 *      runs none of the worker's code and is triggered (/cdn-cgi/handler/scheduled) before the measured
 *      GET: a Cache API match, put and hit and two R2 reads, through wrangler's proxy and miniflare's
 *      entry worker. The simulators' and proxies' first-use costs are then paid; their per-call costs
 *      are not. The worker's code, index and render are still cold.
 *   3. The floor: a worker of a few lines answering as many bytes, measured both ways, with the same
 *      Cache API calls in the same order and of the same shape (see `floorCpu`), and for R2 also
 *      reading what the R2 worker's first request reads (pointer, manifest, outline, scopes, then the
 *      feed publish rendered, or where there is none the newest posts' part of the post fields and
 *      their bodies), once. After the warm-up, the floor is the
 *      simulators' per-call CPU; the worker's figure less the floor making the same calls is the CPU of
 *      the worker's isolate: the estimate to set against the deployed budget. The floor's isolate makes
 *      the same calls, so its side of each call (building the request, receiving the bytes) is taken
 *      off with the simulators': the estimate leaves out what the worker's isolate pays for its own
 *      calls, which it pays deployed too. Each sample of the worker is followed by one of its floor,
 *      so that both see the same load; the estimate is given as the difference of the two medians and
 *      as the median of each sample less the floor after it.
 *   Why not a CPU profile of the isolate alone (the DevTools inspector wrangler exposes): tried; its
 *   samples are timed by the wall clock, and on a shared machine the isolate's thread is often off
 *   the CPU, so single samples were credited with 20–70 ms, more than the whole process's CPU.
 *   Target: under 10 ms, the free plan's CPU limit per request. Linux only (it reads /proc).
 * Options: --runs 3 (fresh starts per case) --count 1000 --modes bundled,r2 --feed-limits 20 --skip-sizes --path /rss.xml
 * --only node|workerd --warm-up both|on|off
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { makeDataDir, postRecord, removeDir, run } from '../test/fixtures.ts';
import { publishLocally } from '../test/workerd/publish-locally.ts';
import { QUIET_WRANGLER, R2_BUCKET, WRANGLER, freePort, prepareWorkerCopy, startWorker } from '../test/workerd/start-worker.ts';
import { generatePosts } from '../scripts/generate-posts.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    count: { type: 'string', default: '1000' },
    modes: { type: 'string', default: 'bundled,r2' },
    'feed-limits': { type: 'string', default: '20' },
    'skip-sizes': { type: 'boolean', default: false },
    /** What the first request asks for: /healthz, say, for what the app costs before any render. */
    path: { type: 'string', default: '/rss.xml' },
    /** `node` or `workerd`: one of the CPU measures only. */
    only: { type: 'string', default: '' },
    /** `off`, `on` or `both`: each workerd sample as it comes, after the local platform's warm-up, or each way. */
    'warm-up': { type: 'string', default: 'both' },
  },
});
const RUNS = Number(values.runs);
const COUNT = Number(values.count);
const MODES = values.modes.split(',') as ('bundled' | 'r2')[];
const FEED_LIMITS = values['feed-limits'].split(',').map(Number);
const BUNDLE_TARGET_KB = 300;
/** The worker's SITE_URL, and the base URL `npm run publish` renders the feeds for. */
const SITE_URL = 'https://news.example.com';
const CPU_TARGET_MS = 10;
/** The posts the R2 floor reads the bodies of: the generated data's feedLimit, the first of --feed-limits. */
const FLOOR_FEED_LIMIT = FEED_LIMITS[0] ?? 20;
/** What the floor puts in the Cache API: about what ours puts, the gzip of a feed of 20 generated posts (17.5–18.7 KB). */
const FLOOR_STORED_BYTES = 18_000;
const WARM_UPS = values['warm-up'] === 'both' ? [false, true] : [values['warm-up'] === 'on'];

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] ?? NaN;

async function bundleSize(dataDir: string): Promise<{ raw: number; gzip: number; data: number }> {
  const dir = await prepareWorkerCopy(dataDir);
  try {
    const out = path.join(dir, 'out');
    const built = await run(WRANGLER, ['deploy', '--dry-run', '--outdir', out, '--config', path.join(dir, 'wrangler.toml')], {
      env: QUIET_WRANGLER,
    });
    if (built.code !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${built.stdout}${built.stderr}`);
    // Named after the entry (main.js), whatever wrangler's version called it before.
    const name = (await readdir(out)).find((file) => file.endsWith('.js'));
    if (!name) throw new Error(`wrangler deploy --dry-run wrote no script into ${out}`);
    const script = await readFile(path.join(out, name));
    const data = await readFile(path.join(dir, 'src', 'generated', 'data.ts'));
    return { raw: script.byteLength, gzip: gzipSync(script, { level: 9 }).byteLength, data: gzipSync(data, { level: 9 }).byteLength };
  } finally {
    await removeDir(dir);
  }
}

/** The process group's workerd processes, and their threads' CPU time so far, in nanoseconds. */
async function workerdCpuNs(groupLeader: number): Promise<number> {
  let total = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Fields after the command name: state, ppid, pgrp, …
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    if (pgrp !== groupLeader) continue;
    const exe = await readlink(`/proc/${pid}/exe`).catch(() => '');
    if (!exe.endsWith('/workerd')) continue;
    for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
      const schedstat = await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').catch(() => '0');
      total += Number(schedstat.split(' ')[0]);
    }
  }
  return total;
}

interface FirstRender {
  /** CPU of workerd around the isolate's first request, a GET /rss.xml. */
  firstMs: number;
  /** The same around the identical request after it, which the isolate's render cache answers. */
  secondMs: number;
  /** first − second: the first request's own work, the proxying both pay taken out. */
  renderMs: number;
  bytes: number;
}

/**
 * One sample: a fresh `wrangler dev` (a new workerd, a new isolate) whose first request is the
 * measured GET /rss.xml: nothing runs the worker before it (wrangler is waited for on its port, not
 * with a request), so the sample holds all the first request pays: building the app, the index (the
 * bundle's parsed at start-up; R2's read: pointer, manifest, outline, scopes, then the page's part of
 * the post fields and its bodies), rendering, gzip, the ETag's hash, the Cache API's match and put.
 */
async function firstRenderCpu(dataDir: string, edgeCache = true, mode: 'bundled' | 'r2' = 'bundled', warmUp = false): Promise<FirstRender> {
  const entry = path.join('src', 'worker', 'bench-warm-up.js');
  const worker = await startWorker({
    dataDir,
    vars: { SITE_URL },
    edgeCache,
    dataSource: mode === 'r2' ? 'r2' : 'bundle',
    timeoutMs: 180_000,
    ready: 'port',
    ...(warmUp ? { main: entry } : {}),
    beforeStart: async (dir: string) => {
      if (warmUp) await writeFile(path.join(dir, entry), warmUpEntry(mode === 'r2' ? './r2-main.ts' : './main.ts'));
      if (mode !== 'r2') return;
      // Into the bucket wrangler dev will serve, before it starts.
      const published = await publishLocally(dataDir, path.join(dir, 'state'), ['--site-url', SITE_URL]);
      if (published.code !== 0) throw new Error(`npm run publish failed:\n${published.stdout}${published.stderr}`);
    },
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let start-up work settle
    if (warmUp) await triggerWarmUp(worker.url);
    const first = await timedGet(`${worker.url}${values.path}`, worker.pid);
    const second = await timedGet(`${worker.url}${values.path}`, worker.pid);
    return { firstMs: first.ms, secondMs: second.ms, renderMs: first.ms - second.ms, bytes: first.bytes };
  } finally {
    await worker.stop();
  }
}

/**
 * The floor of the method: a worker of a few lines answering the same number of bytes (and, with the
 * Cache API, doing a match and a put as ours does, its repeat answered from the isolate's memory as
 * ours is: a repeat that matched again would take a cache hit off the floor that ours never pays),
 * measured exactly so. What it costs is workerd's and the local simulators' own first-request work, not ours.
 *
 * Its calls are ours in order and in shape, for the simulators' costs differ with both: in R2 mode the
 * index reads, then the match, then the page's reads, then the put; a key as long as ours (the URL with
 * the key's JSON as a parameter); and a put like ours, `FLOOR_STORED_BYTES` of bytes that do not
 * compress (ours stores the feed's gzip) with our headers' shape, one of them the answer's headers as
 * JSON. With the match and put before the reads and a small key and body, the floor of the R2 mode
 * was 15.8 ms against 28.1 ms like this (5 samples each), and the R2 worker's isolate estimate 16.0 ms
 * against 0.3 ms: that difference was the simulators', not the isolate's. The method is good to some
 * ±5 ms (README.md#cloudflare-workers).
 */
async function floorCpu(bytes: number, edgeCache: boolean, warmUp = false, r2DataDir?: string): Promise<FirstRender> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pressroom-bench-floor-'));
  // Once, as the worker reads once: its repeat is answered from memory.
  const indexReads = r2DataDir ? `const index = unread ? await ${R2_INDEX_READS}(env.PRESSROOM_DATA) : undefined;` : '';
  const pageReads = r2DataDir ? `if (unread) { unread = false; await ${R2_PAGE_READS}(env.PRESSROOM_DATA, index); }` : '';
  // As the worker does: a match and a put the first time; a repeat answered from the isolate's memory.
  const cache = edgeCache
    ? `if (put) return new Response(body, { headers: { 'Content-Type': 'text/plain' } });
       ${indexReads}
       const key = request.url + '?pressroom-cache=' + encodeURIComponent(JSON.stringify([crypto.randomUUID(), 'f'.repeat(16) + ':' + Date.now() + ':1000:https://news.example.com/', 'gzip', 'application/rss+xml']));
       const hit = await caches.default.match(key); if (hit) return new Response(await hit.arrayBuffer());
       ${pageReads}
       const stored = new Uint8Array(${FLOOR_STORED_BYTES}); for (let i = 0; i < stored.length; i++) stored[i] = (i * 2654435761) >>> 24;
       const headers = encodeURIComponent(JSON.stringify(Array.from({ length: 14 }, (_, i) => ['X-Header-' + i, 'value '.repeat(10) + i])));
       ctx.waitUntil(caches.default.put(key, new Response(stored, { headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'public, max-age=86400', 'X-Pressroom-Stored-Headers': headers } })));
       put = true;`
    : `${indexReads} ${pageReads}`;
  await writeFile(
    path.join(dir, 'worker.js'),
    `const body = 'x'.repeat(${bytes});\nlet unread = true;\nlet put = false;\nexport default { async fetch(request, env, ctx) { ${cache} return new Response(body, { headers: { 'Content-Type': 'text/plain' } }); }, ${WARM_UP_HANDLER} };\n`,
  );
  const toml = await readFile(path.resolve('wrangler.toml'), 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? '2026-04-01';
  const bucket = r2DataDir ? `[[r2_buckets]]\nbinding = "PRESSROOM_DATA"\nbucket_name = "${R2_BUCKET}"\n` : '';
  await writeFile(path.join(dir, 'wrangler.toml'), `name = "floor"\nmain = "worker.js"\ncompatibility_date = "${date}"\n${bucket}`);
  if (r2DataDir) {
    const published = await publishLocally(r2DataDir, path.join(dir, 'state'), ['--site-url', SITE_URL]);
    if (published.code !== 0) throw new Error(`npm run publish failed:\n${published.stdout}${published.stderr}`);
  }
  const port = await freePort();
  const child = spawn(WRANGLER, ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', path.join(dir, 'state'), '--show-interactive-dev-session=false'], {
    cwd: dir,
    env: { ...process.env, ...QUIET_WRANGLER },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const deadline = Date.now() + 120_000;
    while (!/Ready on http/.test(output)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`wrangler dev did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (warmUp) await triggerWarmUp(`http://127.0.0.1:${port}`);
    const first = await timedGet(`http://127.0.0.1:${port}/rss.xml`, child.pid ?? 0);
    const second = await timedGet(`http://127.0.0.1:${port}/rss.xml`, child.pid ?? 0);
    return { firstMs: first.ms, secondMs: second.ms, renderMs: first.ms - second.ms, bytes: first.bytes };
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await removeDir(dir);
  }
}

interface NodeSample {
  startupMs: number;
  firstMs: number;
  repeatMs: number;
  bytes: number;
}

/**
 * The same first request under Node, in fresh processes (bench/worker-in-node.ts): the bundle wrangler
 * would upload, timed with process.cpuUsage() inside the process, with a Cache API and a bucket in
 * memory. The worker's own CPU, without workerd's and the local simulators'.
 */
async function nodeSamples(dataDir: string, mode: 'bundled' | 'r2', runs: number): Promise<NodeSample[]> {
  const dir = await prepareWorkerCopy(dataDir, mode === 'r2' ? { dataSource: 'r2' } : {});
  try {
    const out = path.join(dir, 'out');
    const built = await run(WRANGLER, ['deploy', '--dry-run', '--outdir', out, '--config', path.join(dir, 'wrangler.toml')], { env: QUIET_WRANGLER });
    if (built.code !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${built.stdout}${built.stderr}`);
    const script = (await readdir(out)).find((name) => name.endsWith('.js'));
    if (!script) throw new Error(`wrangler deploy --dry-run wrote no script into ${out}`);
    const samples: NodeSample[] = [];
    for (let i = 0; i < runs; i++) {
      const sample = await run(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/worker-in-node.ts', path.join(out, script), mode, dataDir]);
      if (sample.code !== 0) throw new Error(`bench/worker-in-node.ts failed:\n${sample.stderr}`);
      samples.push(JSON.parse(sample.stdout.trim().split('\n').at(-1) ?? '{}') as NodeSample);
    }
    return samples;
  } finally {
    await removeDir(dir);
  }
}

/**
 * A scheduled handler that does, once, what the local platform does the first time and a deployment
 * does elsewhere: a Cache API match, put and hit (wrangler's cache simulator, a worker of its own in
 * the same workerd), an R2 read of the pointer and of a missing key (the R2 simulator, likewise), and
 * the request through wrangler's proxy and miniflare's entry worker that triggers it. It runs in the
 * measured worker's isolate but calls none of its code, so the measured request still finds all of
 * that cold: the app, its modules' functions, the index, the render, gzip.
 */
const WARM_UP_HANDLER = `async scheduled(controller, env) {
    const key = 'https://warm-up.invalid/';
    await caches.default.match(key);
    await caches.default.put(key, new Response('x'.repeat(84000), { headers: { 'Cache-Control': 'public, max-age=60' } }));
    await (await caches.default.match(key))?.arrayBuffer();
    if (env.PRESSROOM_DATA) {
      await (await env.PRESSROOM_DATA.get('current'))?.text();
      await env.PRESSROOM_DATA.get('warm-up/missing');
    }
  }`;

/**
 * What the R2 worker's first /rss.xml reads, read as it reads it and no more: the pointer, the
 * manifest, the outline and the scopes, then the feed `npm run publish` rendered (its render
 * key names the feed, page 1, for a reader), or where none was, the newest posts' part of the post
 * fields and their bodies, 16 at a time; only the JSON that names the next keys is parsed.
 */
const R2_INDEX_READS = `(async (bucket) => {
    const text = async (key) => (await bucket.get(key)).text();
    const index = JSON.parse(await text(JSON.parse(await text('current')).index));
    await Promise.all([...index.outlines.map(text), text(index.scopes)]);
    return index;
  })`;
const R2_PAGE_READS = `(async (bucket, index) => {
    const text = async (key) => (await bucket.get(key)).text();
    const rendered = Object.entries(index.rendered ?? {}).find(([key]) => key.includes(':feed:rss::1::reader:'));
    if (rendered) return (await bucket.get(rendered[1].object)).arrayBuffer();
    const newest = [];
    for (let part = index.chunks.length - 1; part >= 0 && newest.length < ${FLOOR_FEED_LIMIT}; part--) newest.unshift(...JSON.parse(await text(index.chunks[part])));
    const bodies = newest.slice(-${FLOOR_FEED_LIMIT}).map((post) => post.body);
    for (let i = 0; i < bodies.length; i += 16) await Promise.all(bodies.slice(i, i + 16).map(text));
  })`;

/** The worker's own entry, its fetch handler as it is, beside the warm-up. */
const warmUpEntry = (main: string) =>
  `import worker from '${main}';\nexport default { fetch: (request, env, ctx) => worker.fetch(request, env, ctx), ${WARM_UP_HANDLER} };\n`;

/** Runs the warm-up (wrangler dev serves /cdn-cgi/handler/scheduled), and lets what it left settle. */
async function triggerWarmUp(origin: string): Promise<void> {
  const response = await fetch(`${origin}/cdn-cgi/handler/scheduled`);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`the warm-up answered ${response.status}`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

/** workerd's CPU time around one GET, the Cache API's put (after the response) included. */
async function timedGet(url: string, pid: number): Promise<{ ms: number; bytes: number }> {
  const before = await workerdCpuNs(pid);
  const response = await fetch(url, { headers: { 'Accept-Encoding': 'gzip' } });
  const bytes = (await response.arrayBuffer()).byteLength;
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { ms: ((await workerdCpuNs(pid)) - before) / 1e6, bytes };
}

if (process.platform !== 'linux') {
  console.error('bench:worker reads CPU time from /proc: run it on Linux.');
  process.exit(1);
}

const scratch = await mkdtemp(path.join(tmpdir(), 'pressroom-bench-worker-'));
try {
  const tiny = await makeDataDir({ posts: { only: postRecord() } });
  const feedLimits = FEED_LIMITS;
  const generated = await Promise.all(
    feedLimits.map((feedLimit) => generatePosts({ count: COUNT, out: path.join(scratch, `posts-${feedLimit}`), feedLimit })),
  );

  if (!values['skip-sizes']) {
    console.log('Bundle (wrangler deploy --dry-run, worker.js gzipped at level 9):');
    const rows: [string, string][] = [
      ['code, 1 tiny post', tiny],
      ['data/', path.resolve('data')],
      [`${COUNT} posts`, generated[0]?.dir ?? ''],
    ];
    let codeGzip = 0;
    for (const [name, dir] of rows) {
      const size = await bundleSize(dir);
      if (name.startsWith('code')) codeGzip = size.gzip;
      console.log(`  ${name.padEnd(20)} ${kb(size.raw).padStart(10)} raw  ${kb(size.gzip).padStart(10)} gzip  (data module alone ${kb(size.data)} gzip)`);
    }
    console.log(`  code ${kb(codeGzip)} gzip: ${codeGzip / 1024 < BUNDLE_TARGET_KB ? 'within' : 'OVER'} the ${BUNDLE_TARGET_KB} KB target`);
  }
  await removeDir(tiny);

  const measures = values.only ? [values.only] : ['node', 'workerd'];
  for (const mode of measures.includes('node') ? MODES : []) {
    const samples = await nodeSamples(generated[0]?.dir ?? '', mode, RUNS);
    const first = median(samples.map((s) => s.firstMs));
    console.log(
      `\nUnder Node, inside the process (process.cpuUsage), the worker's bundle, data ${mode === 'r2' ? 'in an R2 bucket' : 'bundled'} and a Cache API in memory, ` +
        `${COUNT} posts, feedLimit ${feedLimits[0]}, ${RUNS} fresh processes (load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}):\n` +
        `  first /rss.xml ${first.toFixed(1)} ms (median; samples ${samples.map((s) => s.firstMs.toFixed(1)).join(', ')}), ` +
        `a repeat ${median(samples.map((s) => s.repeatMs)).toFixed(1)} ms, loading the module (tsx's reading of it included) ${median(samples.map((s) => s.startupMs)).toFixed(1)} ms: ` +
        `${first < CPU_TARGET_MS ? 'within' : 'OVER'} the ${CPU_TARGET_MS} ms target`,
    );
  }

  const listed = (samples: FirstRender[]) => `median; samples ${samples.map((s) => s.renderMs.toFixed(1)).join(', ')}`;
  for (const mode of measures.includes('workerd') ? MODES : []) {
    console.log(
      `\nCPU time of an isolate's first request, GET ${values.path} (Accept-Encoding: gzip), ${COUNT} posts, data ${mode === 'r2' ? 'in local R2' : 'bundled'}, ` +
        `in workerd, a fresh wrangler dev for each of ${RUNS} samples, each followed by one of the floor making the same calls ` +
        `(a worker of a few lines answering 82 KB${mode === 'r2' ? ', reading what the R2 worker reads' : ''}; load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}):`,
    );
    for (const [index, feedLimit] of feedLimits.entries()) {
      for (const [warmUp, edgeCache] of WARM_UPS.flatMap((warm) => [[warm, true], [warm, false]] as const)) {
        // Each sample of the worker next to one of its floor, so that both see the same load.
        const samples: FirstRender[] = [];
        const floors: FirstRender[] = [];
        for (let i = 0; i < RUNS; i++) {
          samples.push(await firstRenderCpu(generated[index]?.dir ?? '', edgeCache, mode, warmUp));
          if (index === 0) floors.push(await floorCpu(84_000, edgeCache, warmUp, mode === 'r2' ? generated[0]?.dir : undefined));
        }
        const render = median(samples.map((s) => s.renderMs));
        const how = `${edgeCache ? 'with the Cache API   ' : 'without the Cache API'} ${warmUp ? 'after the warm-up' : 'as it comes      '}`;
        console.log(
          `  feedLimit ${String(feedLimit).padEnd(5)} ${how} first request ${render.toFixed(1)} ms (${listed(samples)}; ` +
            `as measured ${median(samples.map((s) => s.firstMs)).toFixed(1)} ms less a repeat's ${median(samples.map((s) => s.secondMs)).toFixed(1)} ms; ` +
            // fetch() decodes the gzip it gets: the length is the body's, not what crossed the wire.
            `a body of ${kb(samples[0]?.bytes ?? 0)}, gzipped in transit): ${render < CPU_TARGET_MS ? 'within' : 'OVER'} the ${CPU_TARGET_MS} ms target`,
        );
        if (!floors.length) continue;
        const floor = median(floors.map((s) => s.renderMs));
        console.log(`${' '.repeat(16)}the floor ${how} first request ${floor.toFixed(1)} ms (${listed(floors)})`);
        // After the warm-up, what is left of the floor is the simulators' work per call: set against
        // the floor that makes the same calls, the rest is the worker's isolate's.
        if (!warmUp) continue;
        const own = render - floor;
        const paired = median(samples.map((s, i) => s.renderMs - (floors[i]?.renderMs ?? NaN)));
        console.log(
          `${' '.repeat(16)}the worker's isolate (less the floor): ${own.toFixed(1)} ms (the median of each sample less the floor after it: ${paired.toFixed(1)} ms): ` +
            `${Math.max(own, paired) < CPU_TARGET_MS ? 'within' : 'OVER'} the ${CPU_TARGET_MS} ms target`,
        );
      }
    }
  }
} finally {
  await removeDir(scratch);
}
