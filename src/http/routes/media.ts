import { Hono } from 'hono';
import { mediaResponse, type MediaFiles } from '../media.ts';
import { resource } from '../methods.ts';
import { textResponse } from '../respond.ts';
import type { RouteContext } from './context.ts';

export interface MediaRouteOptions {
  /** Where the bytes are: disk on Node (src/node/media-files.ts), the bundle on Workers. */
  files: MediaFiles;
  now: () => Date;
}

/**
 * The files under `data/media/`, at `/media/…`, typed by the loader and read as they are served: never
 * held whole in memory on Node, never in the render cache.
 */
export function mediaRoutes(context: RouteContext, options: MediaRouteOptions): Hono {
  const { snapshot } = context;
  const { files, now } = options;
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
      return { path, asset };
    },
    serve: async function media(c, { path, asset }) {
      const opened = await files.open(asset);
      // Removed since the data was loaded: the watcher's reload will drop it from the feeds too.
      if (!opened) return textResponse(`No file at ${path}.`, 404);
      return mediaResponse(c.req.raw, opened, { contentType: asset.mediaType, now });
    },
  });

  return app;
}
