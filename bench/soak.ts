/**
 * `npm run soak`: the real server (`src/node/main.ts`) under a steady mix of feeds, pages, 304s and bad
 * requests for a minute, while its data folder changes every few seconds (edits, new and deleted posts,
 * and a broken file that is fixed again). Then: requests served, errors (5xx or dropped connections;
 * goal 0), and the server's resident memory at the start and the end (goal: growth within the render
 * cache's bound).
 *
 * Talks to 127.0.0.1 only, and stops by itself. Options: --duration 60 (seconds) --connections 8
 * --posts 200 --change-every 3 (seconds)
 */
import { spawn } from 'node:child_process';
import { readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { generatePosts, generatedPost } from '../scripts/generate-posts.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The render cache's default memory bound (src/http/render-cache.ts): growth beyond it is a leak. */
const CACHE_BOUND_MB = 64;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '8' },
    posts: { type: 'string', default: '200' },
    'change-every': { type: 'string', default: '3' },
  },
});
const durationSeconds = Number(args.duration);
const connections = Number(args.connections);
const postCount = Number(args.posts);
const changeEveryMs = Number(args['change-every']) * 1000;

const residentMb = async (pid: number): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pressroom-soak-'));
  await generatePosts({ count: postCount, out: dir });
  const postsDir = path.join(dir, 'posts');

  const server = spawn(process.execPath, ['--import', 'tsx', 'src/node/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DATA_DIR: dir, WATCH: '1', RATE_LIMIT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  server.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  server.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const stopServer = () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
  };
  process.on('exit', stopServer);

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start:\n${log}`)), 30_000);
      const check = () => {
        const found = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1];
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      server.stdout.on('data', check);
      server.once('exit', (code) => reject(new Error(`the server exited with ${code}:\n${log}`)));
    });
    const pid = server.pid!;
    const slugs = (generatedPostsNames(postCount)).slice(0, 20);

    // Warm up every path once, then take the starting memory.
    for (const target of ['/', '/rss.xml', '/atom.xml', '/feed.json', ...slugs.map((s) => `/posts/${s}`)]) await fetch(`${url}${target}`);
    const startMb = await residentMb(pid);

    // The ETags pollers would send: refreshed each second, so some 304s stay 304s across data changes.
    const etags = new Map<string, string>();
    const refreshEtags = async () => {
      for (const feed of ['/rss.xml', '/atom.xml', '/feed.json']) {
        const res = await fetch(`${url}${feed}`, { headers: { 'Accept-Encoding': 'gzip' } });
        await res.arrayBuffer();
        const etag = res.headers.get('etag');
        if (etag) etags.set(feed, etag);
      }
    };
    await refreshEtags();

    let running = true;
    const peak = { mb: startMb };
    const sampler = (async () => {
      while (running) {
        peak.mb = Math.max(peak.mb, await residentMb(pid));
        await refreshEtags().catch(() => undefined);
        await sleep(1000);
      }
    })();

    // The publisher at work: one change every few seconds, cycling through the kinds of change.
    let changes = 0;
    const changer = (async () => {
      let next = postCount;
      while (running) {
        await sleep(changeEveryMs);
        if (!running) break;
        const kind = changes++ % 4;
        if (kind === 0) {
          const { name, record } = generatedPost(next++);
          await writeFile(path.join(postsDir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
        } else if (kind === 1) {
          const { name, record } = generatedPost(changes % postCount);
          const updated = { ...record, title: `${String(record.title)} (edit ${changes})`, updated: new Date().toISOString() };
          await writeFile(path.join(postsDir, `${name}.json`), `${JSON.stringify(updated, null, 2)}\n`);
        } else if (kind === 2) {
          await writeFile(path.join(postsDir, 'zz-broken.json'), '{ "title": "half a file", ');
        } else {
          await rm(path.join(postsDir, 'zz-broken.json'), { force: true });
          const { name } = generatedPost(next - 1);
          await rm(path.join(postsDir, `${name}.json`), { force: true });
        }
      }
    })();

    const feeds = ['/rss.xml', '/atom.xml', '/feed.json'];
    const requests: autocannon.Request[] = [
      ...feeds.map((p) => ({ path: p, headers: { 'accept-encoding': 'br, gzip' } })),
      ...feeds.map((p) => ({ path: p, headers: { 'accept-encoding': 'gzip' } })),
      ...feeds.map((p) => ({
        path: p,
        headers: { 'accept-encoding': 'gzip' },
        // A poller with the tag of its last fetch: 304 while the data stands still.
        setupRequest: (request: autocannon.Request) => ({
          ...request,
          headers: { ...request.headers, 'if-none-match': etags.get(p) ?? '"none"' },
        }),
      })),
      { path: '/', headers: { 'accept-encoding': 'gzip' } },
      ...slugs.slice(0, 5).map((s) => ({ path: `/posts/${s}`, headers: { 'accept-encoding': 'br' } })),
      { path: '/healthz' },
      { path: '/media/..%2fsite.json' },
      { path: '/posts/%E0%A4%A' },
      { path: `/posts/${'a'.repeat(3000)}` },
      { path: '/no-such-page' },
      { method: 'DELETE', path: '/rss.xml' },
      { path: '/rss.xml?limit=%zz' },
    ];

    const result = await autocannon({
      url,
      connections,
      duration: durationSeconds,
      requests,
      timeout: 10,
    });
    running = false;
    await Promise.all([sampler, changer]);
    await sleep(1500); // let the last change settle before the final reading
    const endMb = await residentMb(pid);

    const byStatus = Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [Number(code), stats.count ?? 0] as const);
    const count = (test: (code: number) => boolean) => byStatus.filter(([code]) => test(code)).reduce((sum, [, n]) => sum + n, 0);
    const served = byStatus.reduce((sum, [, n]) => sum + n, 0);
    const fiveXx = count((code) => code >= 500);
    const dropped = result.errors + result.timeouts + result.resets;
    const reloads = log.split('\n').filter((line) => line.startsWith('Reloaded ')).length;
    const degraded = log.split('\n').filter((line) => line.startsWith('Still serving version')).length;
    const growth = endMb - startMb;

    const line = (label: string, value: string) => console.log(`${label.padEnd(28)}${value}`);
    console.log(`\nSoak: ${durationSeconds} s, ${connections} connections, ${postCount} posts, a data change every ${changeEveryMs / 1000} s\n`);
    line('requests served', `${served} (${Math.round(served / durationSeconds)}/s)`);
    line('  by status', byStatus.map(([code, n]) => `${code}: ${n}`).join(', '));
    line('  304 Not Modified', String(count((code) => code === 304)));
    line('  4xx (bad requests)', String(count((code) => code >= 400 && code < 500)));
    line('errors: 5xx', String(fiveXx));
    line('errors: dropped/timeouts', `${result.errors} errors, ${result.timeouts} timeouts, ${result.resets} resets`);
    line('data changes', `${changes} (${reloads} reloads swapped in, ${degraded} refused while broken)`);
    line('latency p50 / p99', `${result.latency.p50} ms / ${result.latency.p99} ms`);
    line('resident memory start', `${startMb.toFixed(1)} MB`);
    line('resident memory end', `${endMb.toFixed(1)} MB (peak ${peak.mb.toFixed(1)} MB)`);
    line('growth', `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB (bound: the render cache, ${CACHE_BOUND_MB} MB)`);
    const ok = fiveXx === 0 && dropped === 0 && growth <= CACHE_BOUND_MB && served > 0;
    console.log(`\n${ok ? 'PASS' : 'FAIL'}: ${fiveXx + dropped} errors, memory growth ${growth.toFixed(1)} MB`);
    if (!ok) {
      console.log(`\nServer output (last 40 lines):\n${log.split('\n').slice(-40).join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    stopServer();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The file names of the first `count` generated posts, which are their slugs. */
function generatedPostsNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => generatedPost(i).name);
}

await main();
