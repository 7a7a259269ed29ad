/**
 * `npm run bench:scale`: how long the real server takes from spawn to its first 200 for `/rss.xml`, and its
 * peak resident memory, at 1,000 / 10,000 / 100,000 posts. Measured in the same run, for comparison:
 * - the floor: a plain node script that only reads and `JSON.parse`s the same files and keeps them;
 * - the fixed cost: the server with no posts at all (node, module loading, listening, one render).
 *
 * The server runs as `npm start` does, watching its folder (`--watch 0` turns that off): the watcher's
 * start counts wherever it falls. Besides the first 200 the run waits for the "Watching … for changes."
 * line, and reports the peak memory at both moments, so what the watcher costs after ready shows too.
 *
 * Data folders are generated once into the system's temporary folder and reused while the count matches.
 * Options: --counts 1000,10000,100000 --runs 2 --timeout 180 --watch 1
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { freePort } from './free-port.ts';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureGeneratedPosts } from '../scripts/generate-posts.ts';
import { plural } from '../src/posts/plural.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const TIME = '/usr/bin/time';
const POLL_MS = 20;
const FEED_LIMIT = 20;
/** Units of /proc/<pid>/stat's times. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100; // what Linux uses everywhere
  }
})();

/** The floor: read and parse every file the server reads, keep the results, report the peak resident set. */
const FLOOR_SCRIPT = `
const fs = require('node:fs'), path = require('node:path');
const dir = process.argv[1];
const started = performance.now();
const site = JSON.parse(fs.readFileSync(path.join(dir, 'site.json'), 'utf8'));
const names = fs.readdirSync(path.join(dir, 'posts')).filter((name) => name.endsWith('.json')).sort();
const posts = names.map((name) => JSON.parse(fs.readFileSync(path.join(dir, 'posts', name), 'utf8')));
const ms = performance.now() - started;
// VmHWM, not getrusage: Linux carries ru_maxrss across fork and exec, so it would start at the parent's size.
let hwm;
try { hwm = Number(/^VmHWM:\\s+(\\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]); } catch { hwm = undefined; }
const cpu = process.cpuUsage();
console.log(JSON.stringify({ posts: posts.length, site: Boolean(site), ms, maxRssKb: hwm ?? process.resourceUsage().maxRSS, cpuMs: (cpu.user + cpu.system) / 1000 }));
`;

interface ServerRun {
  /** Spawn to the first complete 200 of /rss.xml. */
  readyMs: number;
  /** Spawn to the "… on http://" line. */
  listeningMs: number;
  /** At the first 200. */
  peakKb: number;
  /** Spawn to the "Watching … for changes." line; NaN when not watching. */
  watchingMs: number;
  /** Once watching (the process's peak so far, so never below `peakKb`); NaN when not watching. */
  watchingPeakKb: number;
  /** Where the peak figure came from. */
  peakFrom: string;
  /** CPU time (user + system, all threads) spent by the first 200; NaN without /proc. */
  cpuMs: number;
}

interface FloorRun {
  /** Spawn to exit. */
  totalMs: number;
  /** Inside the script: readdir, readFile and JSON.parse only. */
  readParseMs: number;
  peakKb: number;
  /** CPU time (user + system, all threads) of the whole script. */
  cpuMs: number;
}

// ---------------------------------------------------------------------------------------------------------
// One start of the server

/** One GET; resolves with the status once the whole body is in, or undefined when nothing listens yet. */
function tryGet(url: string): Promise<{ status: number; bytes: number } | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: 120_000 }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes }));
      response.on('error', () => resolve(undefined));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** The peak resident set of a live process, from the kernel (kB), or undefined without /proc. */
function vmHwmKb(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) : undefined;
  } catch {
    return undefined; // no /proc on this system, or the process is gone: the caller has another source
  }
}

/** CPU time a live process has used so far, user and system, all threads (ms), or NaN without /proc. */
function cpuMsOf(pid: number): number {
  try {
    // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th of the line.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** The node process that `time` started: its only child. */
function childOf(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children[0] ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

async function startServerOnce(dataDir: string, timeoutMs: number, watch: boolean): Promise<ServerRun> {
  const port = await freePort(HOST);
  const withTime = existsSync(TIME);
  // What `npm start` runs: the bundle `npm run build:node` writes (built once, in main()).
  const nodeArgs = ['dist/node.mjs'];
  const started = performance.now();
  const child = spawn(withTime ? TIME : process.execPath, withTime ? ['-v', process.execPath, ...nodeArgs] : nodeArgs, {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, HOST, PORT: String(port), WATCH: watch ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let listeningMs = NaN;
  let watchingMs = NaN;
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (Number.isNaN(listeningMs) && / on http:\/\//.test(output)) listeningMs = performance.now() - started;
    if (Number.isNaN(watchingMs) && /^Watching .* for changes\.$/m.test(output)) watchingMs = performance.now() - started;
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stopServer = async (pid: number | undefined) => {
    if (exited(child)) return;
    const killer = setTimeout(() => {
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
      child.kill('SIGKILL');
    }, 10_000);
    // SIGTERM to node itself: `time` would die of it without reporting.
    if (pid !== undefined) process.kill(pid, 'SIGTERM');
    else child.kill('SIGTERM');
    await done;
    clearTimeout(killer);
  };

  let readyMs: number | undefined;
  try {
    const url = `http://${HOST}:${port}/rss.xml`;
    while (readyMs === undefined) {
      if (exited(child)) throw new Error(`the server exited before answering:\n${output}`);
      if (performance.now() - started > timeoutMs) throw new Error(`no 200 from /rss.xml within ${timeoutMs / 1000} s:\n${output}`);
      const answer = await tryGet(url);
      if (answer && (answer.status !== 200 || answer.bytes === 0)) {
        throw new Error(`/rss.xml answered ${answer.status} with ${answer.bytes} bytes:\n${output}`);
      }
      if (answer) readyMs = performance.now() - started;
      else await sleep(POLL_MS);
    }
  } catch (error) {
    await stopServer(withTime ? childOf(child.pid ?? -1) : child.pid);
    throw error;
  }

  const nodePid = withTime ? childOf(child.pid ?? -1) : child.pid;
  const hwm = nodePid === undefined ? undefined : vmHwmKb(nodePid);
  const cpuMs = nodePid === undefined ? NaN : cpuMsOf(nodePid);
  let watchingHwm: number | undefined;
  if (watch) {
    while (Number.isNaN(watchingMs) && !exited(child) && performance.now() - started < timeoutMs) await sleep(POLL_MS);
    if (!Number.isNaN(watchingMs) && nodePid !== undefined) watchingHwm = vmHwmKb(nodePid);
  }
  await stopServer(nodePid);
  const timed = /Maximum resident set size \(kbytes\): (\d+)/.exec(output)?.[1];
  // `time -v` sees the whole life, watcher included: the peak at the first 200 only without /proc.
  const fromTime = timed === undefined ? undefined : Number(timed);
  const peakKb = hwm ?? fromTime ?? 0;
  if (!peakKb) throw new Error('could not read the peak memory: neither /proc nor /usr/bin/time answered');
  const peakFrom = hwm !== undefined ? 'VmHWM' : 'time -v, whole run';
  const watchingPeakKb = watch && !Number.isNaN(watchingMs) ? Math.max(watchingHwm ?? 0, fromTime ?? 0) || NaN : NaN;
  return { readyMs, listeningMs, peakKb, peakFrom, watchingMs, watchingPeakKb, cpuMs };
}

function floorOnce(dataDir: string, timeoutMs: number): Promise<FloorRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', FLOOR_SCRIPT, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      const totalMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`the read+parse baseline exited with ${code}:\n${output}`));
      const result = JSON.parse(output) as { ms: number; maxRssKb: number; cpuMs: number };
      resolve({ totalMs, readParseMs: result.ms, peakKb: result.maxRssKb, cpuMs: result.cpuMs });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// The report

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const mb = (kb: number) => (kb / 1024).toFixed(0);
const thousands = (n: number) => n.toLocaleString('en-US');

interface Row {
  count: number;
  readyMs: number;
  listeningMs: number;
  peakKb: number;
  watchingMs: number;
  watchingPeakKb: number;
  cpuMs: number;
  floorCpuMs: number;
  floorMs: number;
  floorReadParseMs: number;
  floorKb: number;
}

function printTable(rows: Row[]): void {
  const header = [
    'posts', 'ready s', 'listening s', 'floor s', 'ready ÷ floor', 'peak MB', 'floor MB', 'peak ÷ floor', 'server MB per 1k posts',
    'watching s', 'peak watching MB', 'CPU s', 'floor CPU s', 'CPU ÷ floor',
  ];
  const empty = rows.find((r) => r.count === 0);
  const body = rows.map((r) => [
    thousands(r.count),
    seconds(r.readyMs),
    seconds(r.listeningMs),
    seconds(r.floorMs),
    `${(r.readyMs / r.floorMs).toFixed(1)}×`,
    mb(r.peakKb),
    mb(r.floorKb),
    `${(r.peakKb / r.floorKb).toFixed(1)}×`,
    empty && r.count > 0 ? ((r.peakKb - empty.peakKb) / 1024 / (r.count / 1000)).toFixed(1) : '',
    Number.isNaN(r.watchingMs) ? '–' : seconds(r.watchingMs),
    Number.isNaN(r.watchingPeakKb) ? '–' : mb(r.watchingPeakKb),
    Number.isNaN(r.cpuMs) ? '–' : seconds(r.cpuMs),
    seconds(r.floorCpuMs),
    Number.isNaN(r.cpuMs) ? '–' : `${(r.cpuMs / r.floorCpuMs).toFixed(1)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const cells of body) console.log(line(cells));
  console.log(
    '\nready: spawn to the first complete 200 of /rss.xml (polled every 20 ms); listening: spawn to the "on http://" line;\n' +
      'floor: spawn to exit of a plain node script that reads and JSON.parses the same files (readdirSync, readFileSync).\n' +
      'peak: the resident set high-water mark (VmHWM) once the first 200 was answered; the floor\'s at its end.\n' +
      'watching: spawn to the "Watching … for changes." line, and the high-water mark then (– when not watching).\n' +
      'CPU: user + system time of all threads, the server\'s by its first 200 (/proc), the floor\'s whole run: less\n' +
      'sensitive than wall time to other processes on a shared machine, but not what the targets are stated in.',
  );
}

function printSummary(rows: Row[]): void {
  console.log('');
  for (const r of rows) {
    if (r.count === 0) continue;
    console.log(
      `${thousands(r.count)} posts: ready in ${seconds(r.readyMs)} s (baseline read+parse ${seconds(r.floorMs)} s, ` +
        `${seconds(r.floorReadParseMs)} s of it reading and parsing), peak ${mb(r.peakKb)} MB (baseline ${mb(r.floorKb)} MB)`,
    );
  }
  console.log('\nTargets:');
  const at = (count: number) => rows.find((r) => r.count === count);
  const verdict = (ok: boolean) => (ok ? 'met' : 'missed');
  const ten = at(10_000);
  if (ten) {
    console.log(`  10,000 posts ready < 1 s: ${seconds(ten.readyMs)} s — ${verdict(ten.readyMs < 1000)}`);
    console.log(`  10,000 posts peak < 200 MB: ${mb(ten.peakKb)} MB — ${verdict(ten.peakKb < 200 * 1024)}`);
  }
  const hundred = at(100_000);
  if (hundred) console.log(`  100,000 posts ready < 10 s: ${seconds(hundred.readyMs)} s — ${verdict(hundred.readyMs < 10_000)}`);
  for (const r of rows) {
    if (r.count < 10_000) continue;
    const ratio = r.readyMs / r.floorMs;
    const cpu = Number.isNaN(r.cpuMs) ? '' : ` (CPU time ${(r.cpuMs / r.floorCpuMs).toFixed(2)}× the floor's)`;
    console.log(`  ${thousands(r.count)} posts ready within 2× the floor: ${ratio.toFixed(2)}× — ${verdict(ratio <= 2)}${cpu}`);
  }
  const sized = rows.filter((r) => r.count > 0).sort((a, b) => a.count - b.count);
  for (let i = 1; i < sized.length; i++) {
    const [a, b] = [sized[i - 1] as Row, sized[i] as Row];
    const slope = (b.peakKb - a.peakKb) / 1024 / ((b.count - a.count) / 1000);
    const floorSlope = (b.floorKb - a.floorKb) / 1024 / ((b.count - a.count) / 1000);
    console.log(
      `  memory from ${thousands(a.count)} to ${thousands(b.count)} posts: +${slope.toFixed(1)} MB per 1,000 posts ` +
        `(baseline +${floorSlope.toFixed(1)}, ${(slope / floorSlope).toFixed(1)}× it)`,
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      counts: { type: 'string', default: '1000,10000,100000' },
      runs: { type: 'string', default: '2' },
      timeout: { type: 'string', default: '180' },
      watch: { type: 'string', default: '1' },
    },
  });
  const counts = [0, ...values.counts.split(',').map(Number)];
  const runs = Number(values.runs);
  const timeoutMs = Number(values.timeout) * 1000;
  if (counts.some((n) => !Number.isInteger(n) || n < 0 || n > 1_000_000)) throw new Error('--counts must be whole numbers up to 1,000,000');
  if (!Number.isInteger(runs) || runs < 1 || runs > 10) throw new Error('--runs must be from 1 to 10');
  if (!(timeoutMs > 0 && timeoutMs <= 600_000)) throw new Error('--timeout must be from 1 to 600 seconds');
  if (values.watch !== '0' && values.watch !== '1') throw new Error('--watch must be 1 (as npm start) or 0');
  const watch = values.watch === '1';

  execFileSync('npm', ['run', 'build:node', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const dirs = new Map<number, string>();
  for (const count of counts) {
    const out = path.join(tmpdir(), `pressroom-bench-posts-${count}`);
    const started = performance.now();
    const generated = await ensureGeneratedPosts({ count, out, feedLimit: FEED_LIMIT });
    if (!generated.reused) console.log(`generated ${thousands(count)} posts in ${out} (${seconds(performance.now() - started)} s)`);
    dirs.set(count, out);
  }
  console.log(
    `${plural(runs, 'run')} of each, medians reported; peak memory from ${existsSync(TIME) ? `${TIME} -v and ` : ''}/proc VmHWM; ` +
      `the server ${watch ? 'watches its folder (WATCH=1, as npm start)' : 'does not watch (WATCH=0)'}.`,
  );

  // Both sides of a pair read the files from the page cache: the first to read a folder that other work
  // pushed out of memory paid the disk (a 100,000-post server once took 22 s where the next run took 8.5).
  for (const count of counts) await floorOnce(dirs.get(count) as string, timeoutMs);

  const server = new Map<number, ServerRun[]>();
  const floor = new Map<number, FloorRun[]>();
  // Runs alternate between sizes, so that a slow minute on a shared machine does not land on one size only.
  for (let run = 1; run <= runs; run++) {
    for (const count of counts) {
      const dir = dirs.get(count) as string;
      const s = await startServerOnce(dir, timeoutMs, watch);
      const f = await floorOnce(dir, timeoutMs);
      server.set(count, [...(server.get(count) ?? []), s]);
      floor.set(count, [...(floor.get(count) ?? []), f]);
      console.log(
        `  run ${run}, ${thousands(count)} posts: ready ${seconds(s.readyMs)} s, peak ${mb(s.peakKb)} MB (${s.peakFrom}); ` +
          `floor ${seconds(f.totalMs)} s, ${mb(f.peakKb)} MB` +
          (watch ? `; watching ${seconds(s.watchingMs)} s, peak then ${mb(s.watchingPeakKb)} MB` : '') +
          `; CPU ${seconds(s.cpuMs)} s, floor's ${seconds(f.cpuMs)} s`,
      );
    }
  }

  const rows: Row[] = counts.map((count) => {
    const s = server.get(count) ?? [];
    const f = floor.get(count) ?? [];
    return {
      count,
      readyMs: median(s.map((r) => r.readyMs)),
      listeningMs: median(s.map((r) => r.listeningMs)),
      peakKb: median(s.map((r) => r.peakKb)),
      watchingMs: median(s.map((r) => r.watchingMs)),
      watchingPeakKb: median(s.map((r) => r.watchingPeakKb)),
      cpuMs: median(s.map((r) => r.cpuMs)),
      floorCpuMs: median(f.map((r) => r.cpuMs)),
      floorMs: median(f.map((r) => r.totalMs)),
      floorReadParseMs: median(f.map((r) => r.readParseMs)),
      floorKb: median(f.map((r) => r.peakKb)),
    };
  });
  console.log('');
  printTable(rows);
  printSummary(rows);
}

await main();
