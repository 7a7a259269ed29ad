import { Hono } from 'hono';
import type { Problem } from '../../posts/index.ts';
import { resource } from '../methods.ts';
import { SECURITY_HEADERS } from '../respond.ts';
import type { RouteContext } from './context.ts';

/** Whether the files on disk are what is served; `degraded` while an edit fails validation. */
export type Health = () => { status: 'ok' | 'degraded'; problems: readonly Problem[] };

/** `/healthz`: what is served now, counted, and while degraded what keeps the new data out. Never cached. */
export function healthRoutes(context: Pick<RouteContext, 'snapshot'>, health: Health): Hono {
  const { snapshot } = context;
  const app = new Hono();

  resource(app, '/healthz', {
    locate: snapshot,
    serve: function healthz(c, { dataset, index, at }) {
      const published = index.published.countAt(at);
      const drafts = dataset.posts.filter((p) => p.draft).length;
      const { status, problems } = health();
      c.header('Cache-Control', 'no-store');
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
      return c.json({
        status,
        posts: published,
        scheduled: dataset.posts.length - drafts - published,
        drafts,
        version: dataset.version,
        // While degraded, the last good version is served; these say what keeps the new one out. The
        // file as the loader names it, and the message alone: formatProblem would repeat both.
        ...(problems.length ? { problems: problems.map((p) => ({ file: p.file, path: p.path, message: p.message })) } : {}),
      });
    },
  });

  return app;
}
