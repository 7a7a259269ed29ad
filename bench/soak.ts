/**
 * `npm run soak`: the real server (`src/node/main.ts`) under a steady mix of feeds, pages, 304s and bad
 * requests for a minute, while its data folder changes every few seconds: edits in place and by atomic
 * save, new and deleted posts, a broken file that is fixed again, and batches of posts added (a folder of
 * them written file by file, or a ready folder moved in) and removed again. Then: requests served, errors
 * (5xx or dropped connections; goal 0), the server's resident memory at the start and the end (goal:
 * growth within the render cache's bound), and whether what `/healthz` counts once the folder is quiet
 * is what the folder holds (goal: nothing missed).
 *
 * Talks to 127.0.0.1 only, and stops by itself. Options: --duration 60 (seconds) --connections 8
 * --posts 200 --change-every 3 (seconds) --batch 100 (posts per batch)
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
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
    batch: { type: 'string', default: '100' },
  },
});
const durationSeconds = Number(args.duration);
const connections = Number(args.connections);
const postCount = Number(args.posts);
const changeEveryMs = Number(args['change-every']) * 1000;
const batchSize = Number(args.batch);

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
    for (const target of ['/', '/rss.xml', '/atom.xml', '/feed.json', ...slugs.map((s) => `/posts/${s}/`)]) await fetch(`${url}${target}`);
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
    const KINDS = ['new post', 'edit', 'atomic save', 'broken file', 'fix and delete', 'batch written', 'batch removed', 'folder moved in', 'folder removed'] as const;
    const done = new Map<string, number>(KINDS.map((kind) => [kind, 0]));
    let changes = 0;
    const batches: { kind: string; ms: number; missed: boolean }[] = [];
    const postFile = (folder: string, i: number) => {
      const { name, record } = generatedPost(i);
      return writeFile(path.join(folder, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
    };
    const changer = (async () => {
      let next = postCount;
      while (running) {
        await sleep(changeEveryMs);
        if (!running) break;
        const kind = KINDS[changes++ % KINDS.length]!;
        done.set(kind, done.get(kind)! + 1);
        if (kind === 'new post') {
          await postFile(postsDir, next++);
        } else if (kind === 'edit' || kind === 'atomic save') {
          const { name, record } = generatedPost(changes % postCount);
          const updated = { ...record, title: `${String(record.title)} (edit ${changes})`, updated: new Date().toISOString() };
          const file = path.join(postsDir, `${name}.json`);
          const text = `${JSON.stringify(updated, null, 2)}\n`;
          // An editor's atomic save: a temporary file beside the post, renamed over it.
          if (kind === 'atomic save') await writeFile(`${file}.tmp~`, text).then(() => rename(`${file}.tmp~`, file));
          else await writeFile(file, text);
        } else if (kind === 'broken file') {
          await writeFile(path.join(postsDir, 'zz-broken.json'), '{ "title": "half a file", ');
        } else if (kind === 'fix and delete') {
          await rm(path.join(postsDir, 'zz-broken.json'), { force: true });
          await rm(path.join(postsDir, `${generatedPost(next - 1).name}.json`), { force: true });
        } else if (kind === 'batch written') {
          const folder = path.join(postsDir, 'batch');
          await mkdir(folder, { recursive: true });
          for (let i = 0; i < batchSize; i++) await postFile(folder, next++);
        } else if (kind === 'folder moved in') {
          // A folder prepared elsewhere and moved in whole: one rename brings every post at once.
          const staging = await mkdtemp(path.join(dir, 'staging-'));
          for (let i = 0; i < batchSize; i++) await postFile(staging, next++);
          await rename(staging, path.join(postsDir, 'moved-in'));
        } else {
          await rm(path.join(postsDir, kind === 'batch removed' ? 'batch' : 'moved-in'), { recursive: true, force: true });
        }
        if (kind.startsWith('batch') || kind.startsWith('folder')) {
          // A batch is served whole: the count on /healthz reaches what the folder holds.
          const onDisk = (await readdir(postsDir, { recursive: true })).filter((name) => name.endsWith('.json')).length;
          const { served, ms } = await waitForCount(url, onDisk, 15_000);
          batches.push({ kind, ms, missed: served !== onDisk });
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
      ...slugs.slice(0, 5).map((s) => ({ path: `/posts/${s}/`, headers: { 'accept-encoding': 'br' } })),
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
    // Nothing missed: once the folder is quiet, what is served counts every post file the folder holds.
    const onDisk = (await readdir(postsDir, { recursive: true })).filter((name) => name.endsWith('.json')).length;
    const settled = await waitForCount(url, onDisk, 20_000);

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
    line('  by kind', [...done].map(([kind, n]) => `${kind}: ${n}`).join(', '));
    line('batches served within', `${Math.max(0, ...batches.map((b) => b.ms))} ms (worst of ${batches.length}; ${batches.filter((b) => b.missed).length} not served within 15 s)`);
    line('served once quiet', `${settled.served} posts in ${settled.ms} ms; ${onDisk} post files on disk`);
    line('latency p50 / p99', `${result.latency.p50} ms / ${result.latency.p99} ms`);
    line('resident memory start', `${startMb.toFixed(1)} MB`);
    line('resident memory end', `${endMb.toFixed(1)} MB (peak ${peak.mb.toFixed(1)} MB)`);
    line('growth', `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB (bound: the render cache, ${CACHE_BOUND_MB} MB)`);
    const missed = settled.served !== onDisk || batches.some((b) => b.missed);
    const ok = fiveXx === 0 && dropped === 0 && growth <= CACHE_BOUND_MB && served > 0 && !missed;
    console.log(
      `\n${ok ? 'PASS' : 'FAIL'}: ${fiveXx + dropped} errors, memory growth ${growth.toFixed(1)} MB, ` +
        `${missed ? `${settled.served} posts served for ${onDisk} files` : 'every post file served'}`,
    );
    if (!ok) {
      console.log(`\nServer output (last 40 lines):\n${log.split('\n').slice(-40).join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    stopServer();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Polls `/healthz` until it counts `expected` posts (published, scheduled and drafts), or time runs out. */
async function waitForCount(url: string, expected: number, timeoutMs: number): Promise<{ served: number; ms: number }> {
  const started = performance.now();
  let served = -1;
  while (performance.now() - started < timeoutMs) {
    const health = (await (await fetch(`${url}/healthz`)).json()) as { posts: number; scheduled: number; drafts: number };
    served = health.posts + health.scheduled + health.drafts;
    if (served === expected) break;
    await sleep(100);
  }
  return { served, ms: Math.round(performance.now() - started) };
}

/** The file names of the first `count` generated posts, which are their slugs. */
function generatedPostsNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => generatedPost(i).name);
}

await main();
