import { builtAt, bundle, problems, scopes } from '../generated/data.ts';
import { bundledData } from './bundled-data.ts';
import { dataProblemsWorker } from './data-problems.ts';
import { duePostsNotifier } from './due-posts-notify.ts';
import { RENDERED_AHEAD_PATHS, createWorker, type Env } from './edge-cache.ts';
import { warmUpBundled } from './warm-up.ts';

/**
 * Cloudflare Workers: the same app, its data bundled, validated and sanitised at build time
 * (`npm run build:data`), with its categories and authors worked out there too; each post's sanitised
 * HTML is its safe content. Without a bundle (invalid data under `npm run dev:worker`), every request
 * is told what is wrong. A Cron Trigger tells the WebSub hub of scheduled posts as they become due.
 */
const data = bundle && bundledData(bundle, scopes);
const worker = data && createWorker(data);

if (worker) {
  // Cloudflare bounds a script's start-up apart from its requests' CPU. First the code of a first
  // request runs once (warm-up.ts); then, where the vars can be read at start-up, the most polled
  // feeds and pages are rendered, so that their first request only compresses and stores them.
  await warmUpBundled().catch((error: unknown) => console.error('The start-up warm-up failed; first requests will be slower:', error));
  const { env } = await import('cloudflare:workers').catch(() => ({ env: undefined }));
  if (env) {
    await worker
      .renderAhead(env as Env, new Date(builtAt), RENDERED_AHEAD_PATHS)
      .catch((error: unknown) => console.error('Rendering the feeds at start-up failed; their first requests will render them:', error));
  }
}

export default data && worker
  ? { fetch: worker.fetch, scheduled: duePostsNotifier({ current: async () => data.dataset }) }
  : dataProblemsWorker(problems);
