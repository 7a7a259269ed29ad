import { bundle, problems, scopes } from '../generated/data.ts';
import { bundledData } from './bundled-data.ts';
import { dataProblemsWorker } from './data-problems.ts';
import { duePostsNotifier } from './due-posts-notify.ts';
import { createWorker } from './edge-cache.ts';
import { warmUpBundled } from './warm-up.ts';

// The code of a first request, run once while the isolate starts, outside any request's CPU (warm-up.ts).
if (bundle) await warmUpBundled().catch((error: unknown) => console.error('The start-up warm-up failed; first requests will be slower:', error));

/**
 * Cloudflare Workers: the same app, its data bundled, validated and sanitised at build time
 * (`npm run build:data`), with its categories and authors worked out there too; each post's sanitised
 * HTML is its safe content. Without a bundle (invalid data under `npm run dev:worker`), every request
 * is told what is wrong. A Cron Trigger tells the WebSub hub of scheduled posts as they become due.
 */
const data = bundle && bundledData(bundle, scopes);
export default data
  ? { ...createWorker(data), scheduled: duePostsNotifier({ current: async () => data.dataset }) }
  : dataProblemsWorker(problems);
