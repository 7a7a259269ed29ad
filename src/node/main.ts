import { getConnInfo } from '@hono/node-server/conninfo';
import { sanitizingOncePerPost } from '../feeds/sanitize.ts';
import { createApp } from '../http/app.ts';
import { PreparedPolls } from '../http/poll.ts';
import { indexOf, prepareIndex } from '../http/snapshot.ts';
import { plural, problemReport, type Problem } from '../posts/index.ts';
import { listenFailure } from './client-errors.ts';
import { nodeCompressors } from './compression.ts';
import { readConfig } from './config.ts';
import { DataFolder } from './data-folder.ts';
import { PublishHook } from './publish-hook.ts';
import { mediaFilesIn } from './media-files.ts';
import { ReloadingSource } from './reloading-source.ts';
import { RequestsInFlight } from './requests-in-flight.ts';
import { createNodeServer } from './server.ts';
import { keepFresh } from './watcher.ts';

/** A publisher's mistake in the settings: its lines and exit 1, never a stack trace. */
function refuseToStart(...lines: string[]): never {
  for (const line of lines) console.error(line);
  process.exit(1);
}

const settings = readConfig(process.env);
if (!settings.ok) refuseToStart(...settings.problems);
const { config } = settings;
const { host, port, dataDir } = config;

const report = (problems: readonly Problem[], postFiles: number) => {
  for (const line of problemReport(problems, postFiles)) console.error(line);
};

/**
 * After listening, the load that judges the local links waits until no render has been in flight
 * for this long (a browser asks for a page's feeds and styles within a few milliseconds of the page)…
 */
const STARTED_QUIET_MS = 50;
/** …or this long at most, however busy the server is: then it gives way slice by slice, as any load. */
const STARTED_WAIT_MS = 1000;

// Incremental: each load re-reads only what changed since the last (see data-folder.ts). The local-link
// warnings wait for the load after listening, which prints every problem. A load while serving gives
// way between its slices to the app's renders in flight (the polls answered before routing are not
// counted: see requests-in-flight.ts).
const inFlight = new RequestsInFlight();
const folder = new DataFolder(dataDir, { limits: config.dataLimits, linksLater: true, readAheadEarly: true, giveWay: () => inFlight.idle() });
// Folder watches, a periodic stat-only scan for lost events, and SIGHUP (see watcher.ts). Started
// before the first load: a change during it is a hint for the next, and no full scan is needed to
// find it afterwards. Reloads wait until the server serves.
let reloadWhenServing: ((why: string) => Promise<void>) | undefined;
const freshness = keepFresh(dataDir, {
  folder,
  reload: async (why) => reloadWhenServing?.(why),
  watch: config.watch,
  beforeFirstLoad: true,
});
const load = () => folder.load();
/**
 * Serves once the first load is done, and settles once the load after listening has run. A function,
 * not top-level await: the bundle `npm start` runs is CommonJS, whose compiled code V8 can cache (see
 * code-cache.ts).
 */
async function serve(): Promise<void> {
  const first = await load();
  // Valid: its problems, warnings all, are printed by the load after listening, with the links' own.
  if (!first.ok || !first.linksLeftOut) report(first.problems, first.postFiles);
  if (!first.ok) process.exit(1);

  // Built now rather than by the first request; each new version's is derived from it before the swap.
  indexOf(first.dataset);
  const source = new ReloadingSource(
    first.dataset,
    async () => {
      const result = await load();
      report(result.problems, result.postFiles);
      return result;
    },
    { prepare: prepareIndex },
  );
  const reload = async (why: string) => {
    const wasDegraded = source.health().status === 'degraded';
    const outcome = await source.reload();
    const version = source.current().version;
    if (outcome.swapped) console.log(`Reloaded ${dataDir} (${why}): version ${version}`);
    else if (source.health().status === 'degraded') console.error(`Still serving version ${version}: fix the problems above.`);
    else if (wasDegraded) console.log(`The data in ${dataDir} is valid again (${why}): version ${version}`);
    // In the background, after the swap: the hub hears of the feeds whose first page changed.
    if (outcome.swapped) void publishing.changed(why);
  };

  const safeContent = sanitizingOncePerPost();
  // WebSub: the hub in site.json hears of each feed a reload or a due post changes.
  const publishing = new PublishHook({ current: () => source.current(), safeContent, siteUrl: config.siteUrl });
  void publishing.start();

  const polls = new PreparedPolls();
  const app = createApp({
    source,
    options: {
      polls,
      safeContent,
      compressors: nodeCompressors,
      media: mediaFilesIn(dataDir),
      // Node's HTTP parser already answers 431 above 16 KB of headers (see ./client-errors.ts).
      guards: { maxHeaderBytes: Infinity },
      ...(config.siteUrl ? { siteUrl: config.siteUrl } : {}),
      ...(config.preview ? { preview: true } : {}),
      // Behind a reverse proxy every client has the proxy's address: limit there instead.
      ...(config.rateLimit ? { rateLimit: { ...config.rateLimit, clientKey: (c) => getConnInfo(c).remote.address } } : {}),
    },
  });

  const server = createNodeServer({ fetch: inFlight.tracking(app.fetch) }, config, polls);
  server.once('error', (error: NodeJS.ErrnoException) => refuseToStart(listenFailure(error, host, port)));
  server.listen(port, host, () => {
    const info = server.address();
    if (info === null || typeof info === 'string') return;
    const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    if (config.preview) console.log('Preview: drafts and scheduled posts are shown on the pages, never in the feeds.');
    console.log(`Pressroom serves ${plural(first.dataset.posts.length, 'post')} from ${dataDir} on http://${shownHost}:${info.port}`);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      void freshness?.close();
      publishing.close();
      server.close(() => process.exit(0));
      // Keep-alive clients may hold the server open: give them a moment, then go anyway.
      setTimeout(() => process.exit(0), 3000).unref();
    });
  }

  // Serving now: a change from here on reloads at once. What changed during the first load is loaded,
  // and the local links judged, once the first requests are answered (see STARTED_QUIET_MS): the
  // readers who came first do not wait for that.
  reloadWhenServing = reload;
  await inFlight.quiet(STARTED_QUIET_MS, STARTED_WAIT_MS);
  await reload('changed while starting');
}

export const started = serve();
