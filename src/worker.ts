import type { ExecutionContext } from 'hono';
import { bundle } from './generated/data.ts';
import { createApp } from './http/app.ts';
import { datasetFromBundle } from './posts/bundle.ts';

/** Cloudflare Workers: the same app, its data bundled at build time (`npm run build:data`). */
interface Env {
  SITE_URL?: string;
}

const dataset = datasetFromBundle(bundle);
let app: ReturnType<typeof createApp> | undefined;

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    // Vars arrive with the first request, not at start-up: build the app then, once per isolate.
    app ??= createApp({ dataset, options: env.SITE_URL ? { siteUrl: env.SITE_URL } : {} });
    return app.fetch(request, env, ctx);
  },
};
