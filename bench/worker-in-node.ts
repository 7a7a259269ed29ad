/**
 * One sample of `npm run bench:worker`'s Node measure, in a process of its own: the worker as wrangler
 * would upload it (`wrangler deploy --dry-run`'s bundle), its first request's CPU time taken inside
 * the process with `process.cpuUsage()`. What workerd has built in and Node loads lazily (Request,
 * streams, CompressionStream, WebCrypto) is used once beforehand, so the figure is the worker's own:
 * its code run cold, as in a new isolate, with a Cache API and an R2 bucket in memory whose match, put
 * and reads cost next to nothing (deployed, those are the platform's, not the isolate's). The vars the
 * worker reads at start-up from `cloudflare:workers` come from bench/cloudflare-workers-env.ts, which
 * a resolve hook puts in that specifier's place; the R2 data is published for the same SITE_URL.
 *
 * Usage: node --expose-gc --import tsx bench/worker-in-node.ts BUNDLE.js bundled|r2 [DATA_DIR] → one line of JSON.
 */
import { register } from 'node:module';
import { loadDataDir } from '../src/node/data-folder.ts';
import { env as startUpEnv } from './cloudflare-workers-env.ts';
import { publishDataset } from '../scripts/publish.ts';
import { MemoryBucket } from '../test/worker/r2-bucket.ts';

const [bundlePath, mode, dataDir] = process.argv.slice(2);
const SITE_URL = 'https://news.example.com';
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

// Node's own lazily loaded web platform, which workerd has built in.
{
  const request = new Request('https://warm.example/a?b', { headers: { 'Accept-Encoding': 'gzip' } });
  new Headers(request.headers).set('x', 'y');
  const stream = new Blob(['warm '.repeat(2000)]).stream().pipeThrough(new CompressionStream('gzip'));
  await new Response(stream).arrayBuffer();
  await crypto.subtle.digest('SHA-256', new TextEncoder().encode('warm'));
  new URL('https://warm.example/a').searchParams.append('k', 'v');
}

/** A Cache API in memory: what the worker's match and put cost on its side. */
const stored = new Map<string, { body: ArrayBuffer; headers: [string, string][] }>();
const cache = {
  async match(key: string) {
    const found = stored.get(key);
    return found ? new Response(found.body.slice(0), { headers: found.headers }) : undefined;
  },
  async put(key: string, response: Response) {
    stored.set(key, { body: await response.arrayBuffer(), headers: [...response.headers] });
  },
};
Object.defineProperty(globalThis, 'caches', { value: { default: cache }, configurable: true });

const bucket = new MemoryBucket();
if (mode === 'r2') {
  const loaded = await loadDataDir(dataDir ?? '');
  if (!loaded.ok) throw new Error(`${dataDir}: the data has errors`);
  await publishDataset(loaded.dataset, bucket, { siteUrl: SITE_URL });
}
const env = { SITE_URL, CF_VERSION_METADATA: { id: 'bench' }, PRESSROOM_DATA: bucket };
// The worker reads its vars at start-up from cloudflare:workers, which Node does not have: that
// specifier is resolved to a module holding this env.
Object.assign(startUpEnv, env);
const hooks = `export async function resolve(specifier, context, next) {
  return specifier === 'cloudflare:workers' ? { url: ${JSON.stringify(new URL('./cloudflare-workers-env.ts', import.meta.url).href)}, shortCircuit: true } : next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
const pending: Promise<unknown>[] = [];
const ctx = { waitUntil: (promise: Promise<unknown>) => pending.push(promise), passThroughOnException() {}, props: {} };

const request = async (worker: { fetch: (r: Request, e: unknown, c: unknown) => Promise<Response> }) => {
  const response = await worker.fetch(new Request('https://news.example.com/rss.xml', { headers: { 'Accept-Encoding': 'gzip' } }), env, ctx);
  const bytes = (await response.arrayBuffer()).byteLength;
  await Promise.all(pending.splice(0));
  if (response.status !== 200) throw new Error(`/rss.xml answered ${response.status}`);
  return bytes;
};

const start = cpuMs();
const { default: worker } = (await import(bundlePath ?? '')) as { default: { fetch: (r: Request, e: unknown, c: unknown) => Promise<Response> } };
// The garbage of loading the module (tsx reads and scans every imported file, here a 4 MB bundle) is
// this harness's, not the worker's: collected before the clock starts, when node runs with --expose-gc.
(globalThis as { gc?: () => void }).gc?.();
const loadedAt = cpuMs();
const bytes = await request(worker);
const firstAt = cpuMs();
await request(worker);
const repeatAt = cpuMs();
console.log(JSON.stringify({ startupMs: loadedAt - start, firstMs: firstAt - loadedAt, repeatMs: repeatAt - firstAt, bytes }));
