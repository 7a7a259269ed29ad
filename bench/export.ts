/**
 * `npm run bench:export`: the static export of a large site beside the server answering the same
 * addresses, in the same run. Steps, one at a time:
 * 1. `npm run export` of N generated posts into an empty folder (the process, spawn to exit);
 * 2. the real server (`src/node/main.ts`) answering every address the export wrote, once each, one
 *    request at a time on one keep-alive connection, timed from the first request to the last answer
 *    (its start-up is not counted; the export's loading is);
 * 3. the same app in this process, as the export builds it (no compression: a static host compresses
 *    for itself), answering every address once through `app.request`: the export's floor, what it
 *    costs to render everything, without HTTP, crawling or writing;
 * 4. one post's title changed, `npm run export` again into the same folder: files rewritten, and time.
 * Prints the ratios export / server and export / floor. Options: --count 10000 --keep (leave the data and output folders).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureGeneratedPosts, generatedPost } from '../scripts/generate-posts.ts';
import { MANIFEST } from '../scripts/export.ts';
import { sanitizingOncePerPost } from '../src/feeds/sanitize.ts';
import { createApp } from '../src/http/app.ts';
import { loadDataDir } from '../src/node/data-folder.ts';
import { mediaFilesIn } from '../src/node/media-files.ts';
import { freePort } from './free-port.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const SITE_URL = 'https://news.example.com';

function runExport(dataDir: string, out: string): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/export.ts', '--data', dataDir, '--out', out, '--site-url', SITE_URL], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve({ ms: performance.now() - started, stdout: stdout.trim() }) : reject(new Error(`export exited with ${code}`))));
  });
}

/** The server on the same data, until it answers `/rss.xml`; its start-up is not part of the figure. */
async function startServer(dataDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort(HOST);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, HOST, PORT: String(port), WATCH: '0', SITE_URL },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://${HOST}:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then((res) => res.ok, () => false);
    if (ok) break;
    if (attempt > 1200) throw new Error('the server did not start within 120 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The addresses the export wrote: `posts/x/index.html` is `/posts/x/`; its own files are not the server's. */
async function addressesIn(out: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(path.join(out, MANIFEST), 'utf8')) as { files: Record<string, unknown> };
  return Object.keys(manifest.files)
    .filter((file) => !['_headers', '_redirects', '404.html'].includes(file))
    .map((file) => `/${file.replace(/(^|\/)index\.html$/, '$1')}`.split('/').map(encodeURIComponent).join('/'));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '10000' }, keep: { type: 'boolean', default: false } } });
  const count = Number(values.count);
  const dataDir = path.join(tmpdir(), `pressroom-bench-export-posts-${count}`);
  const generated = await ensureGeneratedPosts({ count, out: dataDir });
  const out = path.join(await mkdtemp(path.join(tmpdir(), 'pressroom-bench-export-')), 'site');
  console.log(`${count} posts in ${generated.dir}${generated.reused ? ' (reused)' : ''}; output ${out}`);

  const full = await runExport(dataDir, out);
  console.log(`export, empty folder: ${(full.ms / 1000).toFixed(1)} s  (${full.stdout})`);

  const addresses = await addressesIn(out);
  const server = await startServer(dataDir);
  let served = 0;
  let failed = 0;
  const started = performance.now();
  try {
    for (const address of addresses) {
      const res = await fetch(`${server.url}${address}`);
      await res.arrayBuffer();
      if (res.status === 200) served++;
      else failed++;
    }
  } finally {
    await server.stop();
  }
  const serverMs = performance.now() - started;
  console.log(`server, every address once: ${(serverMs / 1000).toFixed(1)} s  (${served} answered 200, ${failed} other)`);
  console.log(`ratio export / server: ${(full.ms / serverMs).toFixed(2)}`);

  const loadStarted = performance.now();
  const loaded = await loadDataDir(dataDir);
  if (!loaded.ok) throw new Error('the generated data should be valid');
  const app = createApp({ dataset: loaded.dataset, options: { safeContent: sanitizingOncePerPost(), siteUrl: SITE_URL, compressors: {}, media: mediaFilesIn(dataDir) } });
  const appStarted = performance.now();
  for (const address of addresses) await (await app.request(address)).arrayBuffer();
  const floorMs = performance.now() - appStarted;
  console.log(
    `the app in process, every address once, no compression: ${(floorMs / 1000).toFixed(1)} s (+${((appStarted - loadStarted) / 1000).toFixed(1)} s loading the data)`,
  );
  console.log(`ratio export / in-process app with its loading: ${(full.ms / (performance.now() - loadStarted)).toFixed(2)}`);

  // One post changes: the newest, so it is on the first page of the feeds and lists.
  const { name, record } = generatedPost(0);
  const file = path.join(dataDir, 'posts', `${name}.json`);
  const original = await readFile(file, 'utf8');
  await writeFile(file, `${JSON.stringify({ ...record, title: `${String(record.title)} (corrected)` }, null, 2)}\n`);
  try {
    const again = await runExport(dataDir, out);
    console.log(`export again after one post changed: ${(again.ms / 1000).toFixed(1)} s  (${again.stdout})`);
  } finally {
    await writeFile(file, original);
  }
  if (!values.keep) await import('node:fs/promises').then(({ rm }) => rm(path.dirname(out), { recursive: true, force: true }));
}

await main();
