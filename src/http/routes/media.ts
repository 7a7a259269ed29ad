import { Hono } from 'hono';
import { resource } from '../methods.ts';
import { textResponse } from '../respond.ts';
import type { RouteContext } from './context.ts';

/** The files under `data/media/`, at `/media/…`: the bytes as loaded, typed by the loader. */
export function mediaRoutes(context: RouteContext): Hono {
  const { snapshot, serve } = context;
  const app = new Hono();

  resource(app, '/media/*', {
    locate: function findAsset(c) {
      const { dataset } = snapshot(c);
      let path: string;
      try {
        path = decodeURIComponent(new URL(c.req.url).pathname);
      } catch {
        return textResponse('The path is not valid percent-encoding.', 400);
      }
      const asset = dataset.assets.get(path);
      if (!asset) return textResponse(`No file at ${path}.`, 404);
      return { version: dataset.version, path, asset };
    },
    serve: function media(c, { version, path, asset }) {
      // Keyed by the data version alone: a file's bytes do not change with the clock or the base URL.
      return serve(c.req.raw, `${version}:media:${path}`, async () => ({
        body: asset.bytes,
        contentType: asset.mediaType,
        headers: { 'Cache-Control': 'public, max-age=3600' },
      }));
    },
  });

  return app;
}
