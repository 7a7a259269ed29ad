/**
 * `npm run bench:reload`: what a change to the data folder costs the real, running server, beside the
 * cost of a full load (its start-up) measured in the same run.
 *
 * 1. N generated posts (default 100,000): the server's start-up (spawn to the first 200 of /rss.xml) and
 *    its steady resident memory; then atomic saves of one post (write a hidden file, rename it over the
 *    post): the time until /posts/<slug>/ shows the new title, the worst latency of a steady, sequential
 *    poll of /rss.xml meanwhile, and the resident memory (VmRSS) meanwhile against steady; then 20 atomic
 *    saves in a row, each waited for, counted as served within 2 s or not.
 * 2. 1,000 posts, then 5,000 new post files copied into its posts/ by `cp`: the worst /healthz latency
 *    meanwhile and the time until /healthz counts all 6,000; beside that folder's own start-up.
 *
 * The edited post gets its original bytes back at the end, so the generated folder can be reused.
 * Each row says its target and whether it is met; the load average is printed with them, since a
 * busy machine stretches every figure.
 * Options: --count 100000 --edits 3 --timeout 600 --dir <generated folder>
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { freePort } from './free-port.ts';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { ensureGeneratedPosts, generatedPost } from '../scripts/generate-posts.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const POLL_MS = 20;
const COPIED = 5000;
const COPY_BASE = 1000;
const SAVES_IN_A_ROW = 20;
const SERVED_WITHIN_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
const thousands = (n: number) => n.toLocaleString('en-US');

/** One GET on a fresh connection: status, body, ETag and latency; undefined when nothing listens. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; etag?: string; ms: number } | undefined> {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: 120_000, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      const etag = response.headers.etag;
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          ...(etag ? { etag } : {}),
          ms: performance.now() - started,
        }),
      );
      response.on('error', () => resolve(undefined));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

function vmKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] ? Number(match[1]) : NaN;
}

interface Server {
  url: string;
  child: ChildProcess;
  output: () => string;
  startupMs: number;
  stop: () => Promise<void>;
}

/** Starts `dist/node.mjs` on the folder and waits for the first 200 of /rss.xml and for the watcher. */
async function startServer(dataDir: string, timeoutMs: number): Promise<Server> {
  const port = await freePort(HOST);
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/node.mjs'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, HOST, PORT: String(port), WATCH: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(killer);
  };
  const url = `http://${HOST}:${port}`;
  const deadline = started + timeoutMs;
  try {
    let startupMs: number | undefined;
    while (startupMs === undefined) {
      if (child.exitCode !== null) throw new Error(`the server exited:\n${output}`);
      if (performance.now() > deadline) throw new Error(`no 200 from /rss.xml within ${timeoutMs / 1000} s:\n${output}`);
      const answer = await get(`${url}/rss.xml`);
      if (answer?.status === 200) startupMs = performance.now() - started;
      else await sleep(POLL_MS);
    }
    while (!output.includes('Watching ')) {
      if (performance.now() > deadline) throw new Error(`the watcher never started:\n${output}`);
      await sleep(POLL_MS);
    }
    return { url, child, output: () => output, startupMs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Sequential GETs of `url` until stopped, each conditional on the last ETag, as a feed reader polls
 * (`conditional`): the worst latency and how many were answered.
 */
function steadyPoll(url: string, conditional = false): { stop: () => Promise<{ worstMs: number; requests: number }> } {
  let running = true;
  let worstMs = 0;
  let requests = 0;
  let etag: string | undefined;
  const loop = (async () => {
    while (running) {
      const answer = await get(url, conditional && etag ? { 'If-None-Match': etag } : {});
      if (!answer) throw new Error(`${url} did not answer`);
      if (answer.etag) etag = answer.etag;
      worstMs = Math.max(worstMs, answer.ms);
      requests++;
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { worstMs, requests };
    },
  };
}

/** VmRSS of `pid` every 50 ms until stopped: the highest. */
function sampleMemory(pid: number): { stop: () => number } {
  let peak = vmKb(pid, 'VmRSS');
  const timer = setInterval(() => (peak = Math.max(peak, vmKb(pid, 'VmRSS'))), 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, vmKb(pid, 'VmRSS'));
    },
  };
}

async function atomicSave(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** Saves the post under a new title and waits until its page shows it: milliseconds, or Infinity. */
async function saveAndWait(server: Server, file: string, slug: string, original: string, title: string, timeoutMs: number): Promise<number> {
  const record = JSON.parse(original) as Record<string, unknown>;
  await atomicSave(file, `${JSON.stringify({ ...record, title }, null, 2)}\n`);
  const saved = performance.now();
  const expected = `<h1>${title}</h1>`;
  while (performance.now() - saved < timeoutMs) {
    const answer = await get(`${server.url}/posts/${slug}/`);
    if (answer?.body.includes(expected)) return performance.now() - saved;
    await sleep(POLL_MS);
  }
  return Infinity;
}

interface Row {
  what: string;
  value: string;
  against: string;
  /** The goal, and whether the measure meets it. */
  target: string;
  met: boolean;
}

async function editsCase(count: number, edits: number, timeoutMs: number, dir = path.join(tmpdir(), `pressroom-reload-bench-${count}`)): Promise<Row[]> {
  const generated = await ensureGeneratedPosts({ count, out: dir });
  if (!generated.reused) console.log(`generated ${thousands(count)} posts in ${dir}`);
  const { name } = generatedPost(Math.floor(count / 2));
  const file = path.join(dir, 'posts', `${name}.json`);
  const original = readFileSync(file, 'utf8');
  const slug = name;
  const server = await startServer(dir, timeoutMs);
  const pid = server.child.pid as number;
  try {
    console.log(`${thousands(count)} posts: started in ${seconds(server.startupMs)}`);
    await sleep(2000); // let start-up garbage go before calling memory steady
    const steadyKb = vmKb(pid, 'VmRSS');
    const idleWorstMs: number[] = [];
    const servedMs: number[] = [];
    const worstPollMs: number[] = [];
    const peakKb: number[] = [];
    for (let i = 1; i <= edits; i++) {
      // The same poll with nothing changing, before each edit: what the machine and the collector cost
      // a poll anyway (a busy machine, the periodic scan), beside what a reload adds.
      const idle = steadyPoll(`${server.url}/rss.xml`, true);
      await sleep(3000);
      const idlePoll = await idle.stop();
      idleWorstMs.push(idlePoll.worstMs);
      console.log(`  before edit ${i}, no change: worst /rss.xml ${Math.round(idlePoll.worstMs)} ms over ${idlePoll.requests} polls`);
      const memory = sampleMemory(pid);
      const poll = steadyPoll(`${server.url}/rss.xml`, true);
      const ms = await saveAndWait(server, file, slug, original, `Edited for the benchmark, round ${i}`, timeoutMs);
      await sleep(500); // the reload's tail (indexes, garbage) lands after the first answer
      const polled = await poll.stop();
      peakKb.push(memory.stop());
      servedMs.push(ms);
      worstPollMs.push(polled.worstMs);
      console.log(`  edit ${i}: served after ${seconds(ms)}, worst /rss.xml ${Math.round(polled.worstMs)} ms over ${polled.requests} polls`);
    }
    const inARow: number[] = [];
    for (let i = 1; i <= SAVES_IN_A_ROW; i++) {
      inARow.push(await saveAndWait(server, file, slug, original, `Saved again, ${i} of ${SAVES_IN_A_ROW}`, Math.max(SERVED_WITHIN_MS * 5, 10_000)));
    }
    const within = inARow.filter((ms) => ms <= SERVED_WITHIN_MS).length;
    const sorted = [...servedMs].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
    const slowest = sorted.at(-1) ?? NaN;
    const worstPoll = Math.max(...worstPollMs);
    const peak = Math.max(...peakKb);
    const startup = seconds(server.startupMs);
    return [
      {
        what: `${thousands(count)} posts: one atomic save to served (slowest of ${edits})`,
        value: seconds(slowest),
        against: `median ${seconds(median)}; start-up ${startup} (${(server.startupMs / slowest).toFixed(0)}×)`,
        target: '≤ 1 s',
        met: slowest <= 1000,
      },
      {
        what: `${thousands(count)} posts: worst conditional /rss.xml poll during a reload`,
        value: `${Math.round(worstPoll)} ms`,
        against: `${Math.round(Math.max(...idleWorstMs))} ms in 3 s with no change before each`,
        target: '≤ 100 ms',
        met: worstPoll <= 100,
      },
      {
        what: `${thousands(count)} posts: peak VmRSS during a reload`,
        value: mb(peak),
        against: `steady ${mb(steadyKb)} (${(peak / steadyKb).toFixed(2)}×)`,
        target: '≤ 1.2× steady',
        met: peak <= 1.2 * steadyKb,
      },
      {
        what: `${thousands(count)} posts: ${SAVES_IN_A_ROW} atomic saves in a row served within ${SERVED_WITHIN_MS / 1000} s`,
        value: `${within} of ${SAVES_IN_A_ROW}`,
        against: `slowest ${seconds(Math.max(...inARow))}`,
        target: `${SAVES_IN_A_ROW} of ${SAVES_IN_A_ROW}`,
        met: within === SAVES_IN_A_ROW,
      },
    ];
  } finally {
    await server.stop();
    await atomicSave(file, original);
  }
}

async function copyCase(timeoutMs: number): Promise<Row[]> {
  const dir = path.join(tmpdir(), `pressroom-reload-bench-copy-${process.pid}`);
  const staging = path.join(tmpdir(), `pressroom-reload-bench-staging-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await rm(staging, { recursive: true, force: true });
  try {
    await ensureGeneratedPosts({ count: COPY_BASE, out: dir });
    await mkdir(staging, { recursive: true });
    for (let i = COPY_BASE; i < COPY_BASE + COPIED; i++) {
      const { name, record } = generatedPost(i);
      await writeFile(path.join(staging, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
    }
    const server = await startServer(dir, timeoutMs);
    try {
      const poll = steadyPoll(`${server.url}/healthz`);
      const started = performance.now();
      const files = (await readdir(staging)).map((name) => path.join(staging, name));
      // Asynchronously: a synchronous cp would stall this process's own poller and be blamed on the server.
      await promisify(execFile)('cp', [...files, path.join(dir, 'posts')]);
      const copiedMs = performance.now() - started;
      const allMs = await waitForCount(server, started, timeoutMs);
      const polled = await poll.stop();
      console.log(`copy: ${thousands(COPIED)} files copied in ${seconds(copiedMs)}, all served after ${seconds(allMs)}`);
      return [
        {
          what: `${thousands(COPY_BASE)} posts + ${thousands(COPIED)} copied in: worst /healthz latency`,
          value: `${Math.round(polled.worstMs)} ms`,
          against: `start-up ${seconds(server.startupMs)}`,
          target: '≤ 1 s',
          met: polled.worstMs <= 1000,
        },
        {
          what: `${thousands(COPY_BASE)} posts + ${thousands(COPIED)} copied in: until all are served`,
          value: seconds(allMs),
          against: `cp took ${seconds(copiedMs)}`,
          target: '≤ 15 s',
          met: allMs <= 15_000,
        },
      ];
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(staging, { recursive: true, force: true });
  }
}

/** Waits until /healthz counts every post (published, scheduled and drafts): milliseconds since `started`. */
async function waitForCount(server: Server, started: number, timeoutMs: number): Promise<number> {
  let last = -1;
  let lastChange = performance.now();
  while (performance.now() - started < timeoutMs) {
    const health = JSON.parse((await get(`${server.url}/healthz`))?.body ?? '{}') as { posts?: number; drafts?: number; scheduled?: number };
    const total = (health.posts ?? 0) + (health.drafts ?? 0) + (health.scheduled ?? 0);
    if (total === COPY_BASE + COPIED) return performance.now() - started;
    if (total !== last) {
      last = total;
      lastChange = performance.now();
    }
    if (performance.now() - lastChange > 30_000) throw new Error(`/healthz stuck at ${total} posts:\n${server.output()}`);
    await sleep(POLL_MS);
  }
  return Infinity;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      count: { type: 'string', default: '100000' },
      edits: { type: 'string', default: '3' },
      timeout: { type: 'string', default: '600' },
      /** The generated folder to use (made when missing): another run's folder is not edited under it. */
      dir: { type: 'string' },
    },
  });
  const count = Number(values.count);
  const edits = Number(values.edits);
  const timeoutMs = Number(values.timeout) * 1000;
  if (!Number.isInteger(count) || count < 10 || count > 1_000_000) throw new Error('--count must be a whole number from 10 to 1,000,000');
  if (!Number.isInteger(edits) || edits < 1 || edits > 20) throw new Error('--edits must be from 1 to 20');
  if (!(timeoutMs > 0 && timeoutMs <= 3_600_000)) throw new Error('--timeout must be from 1 to 3600 seconds');

  execFileSync('npm', ['run', 'build:node', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const load = () => loadavg().map((n) => n.toFixed(2)).join(', ');
  const loadBefore = load();
  const rows = [...(await editsCase(count, edits, timeoutMs, values.dir ? path.resolve(values.dir) : undefined)), ...(await copyCase(timeoutMs))];
  const cells = rows.map((r) => [r.what, r.value, r.target, r.met ? 'yes' : 'NO', r.against]);
  const header = ['case', 'measured', 'target', 'met', 'against'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 || i === 4 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  console.log('');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells) console.log(line(row));
  console.log(`\nload average (1, 5, 15 min): ${loadBefore} at the start, ${load()} at the end; ${rows.filter((r) => r.met).length} of ${rows.length} targets met.`);
  console.log(
    '\nstart-up: spawn to the first 200 of /rss.xml, a full load; served: the atomic save to the first /posts/<slug>/ (polled every 20 ms) ' +
      'showing it; latencies: sequential GETs on fresh connections (/rss.xml with If-None-Match, as a reader polls); ' +
      'memory: VmRSS sampled every 50 ms, steady taken 2 s after start-up.',
  );
}

await main();
