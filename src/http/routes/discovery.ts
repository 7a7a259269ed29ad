import { Hono } from 'hono';
import { lastModifiedOf } from '../../feeds/model.ts';
import { renderOpml } from '../../feeds/opml.ts';
import { renderRobotsTxt } from '../../feeds/robots.ts';
import {
  SITEMAP_PATH,
  buildSitemapModel,
  renderSitemap,
  renderSitemapPart,
  sitemapPartCount,
  type SitemapLimits,
  type SitemapModel,
} from '../../feeds/sitemap.ts';
import { plural } from '../../posts/plural.ts';
import { resource } from '../methods.ts';
import { textResponse } from '../respond.ts';
import type { Snapshot } from '../snapshot.ts';
import { cacheControlOf, type RouteContext } from './context.ts';

/** sitemaps.org names no media type; `application/xml` is what crawlers expect and RFC 7303 registers. */
const SITEMAP_TYPE = 'application/xml; charset=utf-8';
/** OPML has no registered type; `text/x-opml` is the one readers' import dialogs recognise. */
const OPML_TYPE = 'text/x-opml; charset=utf-8';
const ROBOTS_TYPE = 'text/plain; charset=utf-8';

export interface DiscoveryOptions {
  /** How large one sitemap file may grow before it is split; default: sitemaps.org's limits. */
  sitemapLimits?: SitemapLimits;
}

/**
 * What crawlers and readers look for before any feed: `/sitemap.xml` (and its parts once it is split),
 * `/robots.txt` that names it, and `/feeds.opml`, every feed as one subscription list. Rendered once
 * per render key through the same pipeline as the feeds.
 */
export function discoveryRoutes(context: Pick<RouteContext, 'snapshot' | 'serve'>, options: DiscoveryOptions = {}): Hono {
  const { snapshot, serve } = context;
  const limits = options.sitemapLimits ?? {};
  const app = new Hono();

  // A part's 404 needs the number of parts, hence the model, before anything is rendered: one model per key.
  let memo: { key: string; model: SitemapModel } | undefined;
  const sitemapOf = (snap: Snapshot): SitemapModel => {
    if (memo?.key !== snap.key) {
      const { baseUrl, index, at } = snap;
      memo = { key: snap.key, model: buildSitemapModel({ baseUrl, posts: index.published.at(at), scopes: index.scopes, at }, limits) };
    }
    return memo.model;
  };

  /** Everything here shows every published post, or names each one's page: it changed when the newest did. */
  const headersOf = (snap: Snapshot) => ({ 'Cache-Control': cacheControlOf(snap.dataset.site) });
  const newestChange = (snap: Snapshot) => lastModifiedOf(snap.dataset, snap.index.published.at(snap.at));

  resource(app, SITEMAP_PATH, {
    locate: snapshot,
    serve: function sitemap(c, snap) {
      return serve(c.req.raw, `${snap.key}:sitemap`, async () => ({
        body: renderSitemap(sitemapOf(snap)),
        contentType: SITEMAP_TYPE,
        lastModified: newestChange(snap),
        headers: headersOf(snap),
      }));
    },
  });

  resource(app, '/:file{sitemap-[1-9][0-9]*\\.xml}', {
    locate: function findSitemapPart(c) {
      const snap = snapshot(c);
      const n = Number(/\d+/.exec(c.req.param('file') ?? '')?.[0]);
      const parts = sitemapPartCount(sitemapOf(snap));
      if (n > parts) {
        const has = parts ? `the sitemap has ${plural(parts, 'part')}` : `the sitemap is one file, ${SITEMAP_PATH}`;
        return textResponse(`No sitemap part ${n}: ${has}.`, 404);
      }
      return { snap, n };
    },
    serve: function sitemapPart(c, { snap, n }) {
      return serve(c.req.raw, `${snap.key}:sitemap:${n}`, async () => ({
        // Located above: the part exists for this key.
        body: renderSitemapPart(sitemapOf(snap), n) ?? '',
        contentType: SITEMAP_TYPE,
        lastModified: newestChange(snap),
        headers: headersOf(snap),
      }));
    },
  });

  resource(app, '/robots.txt', {
    locate: snapshot,
    serve: function robots(c, snap) {
      return serve(c.req.raw, `${snap.key}:robots.txt`, async () => ({
        body: renderRobotsTxt({ baseUrl: snap.baseUrl }),
        contentType: ROBOTS_TYPE,
        headers: headersOf(snap),
      }));
    },
  });

  resource(app, '/feeds.opml', {
    locate: snapshot,
    serve: function feedsOpml(c, snap) {
      const { dataset, baseUrl, index, at } = snap;
      return serve(c.req.raw, `${snap.key}:feeds.opml`, async () => ({
        body: renderOpml({ site: dataset.site, baseUrl, scopes: index.scopes, at }),
        contentType: OPML_TYPE,
        lastModified: newestChange(snap),
        headers: headersOf(snap),
      }));
    },
  });

  return app;
}
