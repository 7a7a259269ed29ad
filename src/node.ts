import { watch } from 'node:fs';
import { serve } from '@hono/node-server';
import { loadDataDir } from './data-dir.ts';
import { createApp } from './http/app.ts';
import { nodeCompressors } from './node-compression.ts';
import { formatProblem, summarizeProblems, type Problem } from './posts/index.ts';
import { ReloadingSource } from './reloading-source.ts';

const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 3000);
const dataDir = process.env.DATA_DIR || './data';
const siteUrl = process.env.SITE_URL || undefined;
const watching = process.env.WATCH !== '0';

const report = (problems: readonly Problem[], postFiles: number) => {
  for (const problem of problems) console.error(formatProblem(problem));
  if (problems.length) console.error(summarizeProblems(problems, postFiles));
};

// Every link in every feed is built on it: a typo here would publish broken links, so refuse to start.
const isHttpUrl = (text: string) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
if (siteUrl !== undefined && !isHttpUrl(siteUrl)) {
  console.error(`SITE_URL: expected an absolute http(s) URL such as https://news.example.com, got ${JSON.stringify(siteUrl)}`);
  process.exit(1);
}

const load = () => loadDataDir(dataDir);
const first = await load();
report(first.problems, first.postFiles);
if (!first.ok) process.exit(1);

const source = new ReloadingSource(first.dataset, async () => {
  const result = await load();
  report(result.problems, result.postFiles);
  return result;
});
const reload = async (why: string) => {
  const outcome = await source.reload();
  if (outcome.swapped) console.log(`Reloaded ${dataDir} (${why}): version ${source.current().version}`);
  else if (source.health().status === 'degraded') console.error(`Still serving version ${source.current().version}: fix the problems above.`);
};

const app = createApp({
  source,
  options: { compressors: nodeCompressors, ...(siteUrl ? { siteUrl } : {}) },
});
const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
  const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  const count = first.dataset.posts.length;
  console.log(`Pressroom serves ${count} post${count === 1 ? '' : 's'} from ${dataDir} on http://${shownHost}:${info.port}`);
});

// Editors save in bursts (write, rename, touch): wait for the files to settle, then validate once.
const DEBOUNCE_MS = 150;
let timer: NodeJS.Timeout | undefined;
const scheduleReload = () => {
  clearTimeout(timer);
  timer = setTimeout(() => void reload('files changed'), DEBOUNCE_MS);
};
const watcher = watching ? watch(dataDir, { recursive: true }, scheduleReload) : undefined;
watcher?.on('error', (error) => console.error(`Watching ${dataDir} stopped (${error.message}); SIGHUP still reloads.`));

process.on('SIGHUP', () => void reload('SIGHUP'));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    watcher?.close();
    server.close(() => process.exit(0));
    // Keep-alive clients may hold the server open: give them a moment, then go anyway.
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
