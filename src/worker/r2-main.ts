import type { ExecutionContext } from 'hono';
import { textResponse } from '../http/respond.ts';
import { duePostsNotifier } from './due-posts-notify.ts';
import { createWorker, type Env } from './edge-cache.ts';
import { RECHECK_MS, r2Data, type DataBucket, type R2Data } from './r2-data.ts';
import { warmUpR2 } from './warm-up.ts';

/** wrangler.toml's `[env.r2]`: the R2 binding, and how often to look for a new publish. */
export interface R2Env extends Env {
  /** `[[env.r2.r2_buckets]]`: the bucket `npm run publish` writes. */
  PRESSROOM_DATA?: DataBucket;
  /** Seconds between two reads of the `current` pointer; default 10. */
  DATA_RECHECK_SECONDS?: string;
}

/**
 * Cloudflare Workers with the data in R2 (`wrangler dev --env r2`, `wrangler deploy --env r2`): the
 * same app, its data published by `npm run publish` instead of bundled, so a site is not bounded by
 * the script size limit and a new post needs no deployment. An entry of its own, not a branch in
 * main.ts: the bundle would otherwise sit in the script, parsed at start-up, in the mode made to
 * avoid it. The source is built once per isolate from the bindings: at start-up where the runtime
 * offers them there (`cloudflare:workers`), else with the first request.
 */
let data: R2Data | undefined;
let worker: ReturnType<typeof createWorker> | undefined;

/** What is wrong with the bindings: the line logged, and the one a reader is answered. */
interface Misconfigured {
  log: string;
  answer: string;
}

/** The isolate's data source, made from the bindings once. */
function dataFor(env: R2Env): R2Data | Misconfigured {
  if (!env.PRESSROOM_DATA) {
    return { log: 'The PRESSROOM_DATA R2 binding is missing: see [env.r2] in wrangler.toml', answer: 'its data bucket is not bound' };
  }
  if (data) return data;
  const seconds = Number(env.DATA_RECHECK_SECONDS ?? RECHECK_MS / 1000);
  if (!Number.isFinite(seconds) || seconds < 0) {
    return {
      log: `DATA_RECHECK_SECONDS: expected a number of seconds, got ${JSON.stringify(env.DATA_RECHECK_SECONDS)}`,
      answer: 'DATA_RECHECK_SECONDS is not a number of seconds',
    };
  }
  data = r2Data({ bucket: env.PRESSROOM_DATA, recheckMs: seconds * 1000 });
  worker = createWorker({ source: data.source, safeContent: data.safeContent, media: data.media, renderedAtPublish: data.renderedAtPublish });
  return data;
}

// Cloudflare bounds a script's start-up apart from its requests' CPU. First the code of a first request
// runs once (warm-up.ts); then, where the bindings can be read at start-up, the app is built. Nothing is
// read from R2 here (start-up forbids I/O): the index, and the feeds npm run publish rendered, are read
// by the first request.
await warmUpR2().catch((error: unknown) => console.error('The start-up warm-up failed; first requests will be slower:', error));
const startUp = await import('cloudflare:workers').catch(() => undefined);
if (startUp?.env.PRESSROOM_DATA) {
  const env = startUp.env as R2Env;
  if (!('log' in dataFor(env))) worker?.start(env);
}

export default {
  async fetch(request: Request, env: R2Env, ctx: ExecutionContext): Promise<Response> {
    const data = dataFor(env);
    if ('log' in data) {
      console.error(data.log);
      return textResponse(`The site is misconfigured: ${data.answer}.`, 500);
    }
    try {
      await data.source.refresh();
    } catch (error) {
      // Only before anything was read: once an index is loaded, a failed re-check keeps serving it.
      console.error('Reading the published data from R2 failed:', error);
      return textResponse('The site cannot read its data right now; try again shortly.', 503, { 'Retry-After': '10' });
    }
    if (!worker || !data.source.loaded()) {
      return textResponse('Nothing has been published yet: run npm run publish.', 503, { 'Retry-After': '60' });
    }
    return worker.fetch(request, env, ctx);
  },

  /** A Cron Trigger: tells the WebSub hub of scheduled posts as they become due (src/worker/due-posts-notify.ts). */
  scheduled: duePostsNotifier<R2Env>({
    async current(env) {
      const data = dataFor(env);
      if ('log' in data) {
        console.error(data.log);
        return undefined;
      }
      await data.source.refresh();
      return data.source.loaded() ? data.source.current() : undefined;
    },
  }),
};
