import { serve } from '@hono/node-server';
import { loadDataDir } from './data-dir.ts';
import { createApp } from './http/app.ts';
import { nodeCompressors } from './node-compression.ts';
import { formatProblem, summarizeProblems } from './posts/index.ts';

const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 3000);
const dataDir = process.env.DATA_DIR || './data';
const siteUrl = process.env.SITE_URL || undefined;

const result = await loadDataDir(dataDir);
for (const problem of result.problems) console.error(formatProblem(problem));
if (!result.ok) {
  console.error(summarizeProblems(result.problems, result.postFiles));
  process.exit(1);
}
if (result.problems.length) console.error(summarizeProblems(result.problems, result.postFiles));

const app = createApp({
  dataset: result.dataset,
  options: { compressors: nodeCompressors, ...(siteUrl ? { siteUrl } : {}) },
});
const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
  const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  const count = result.dataset.posts.length;
  console.log(`Pressroom serves ${count} post${count === 1 ? '' : 's'} from ${dataDir} on http://${shownHost}:${info.port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
