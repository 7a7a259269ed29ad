import { Hono, type Context } from 'hono';
import { renderAtom } from '../../feeds/atom.ts';
import { renderJsonFeed } from '../../feeds/json-feed.ts';
import {
  FEED_FILES,
  FEED_FORMATS,
  FEED_MEDIA_TYPES,
  buildFeedModel,
  feedUrlsAt,
  lastModifiedOf,
  siteScope,
  type FeedFormat,
  type FeedModel,
} from '../../feeds/model.ts';
import { limitQuery, pagePath, pageSlice, type PageRelation } from '../../feeds/paging.ts';
import { renderRss } from '../../feeds/rss.ts';
import { SCOPE_FOLDERS, namedFeedScope } from '../../feeds/scopes.ts';
import { ALLOWED_METHODS } from '../guards.ts';
import { chooseFeedFormat, wantsBrowserView } from '../feed-negotiation.ts';
import { feedStylesheet } from '../feed-stylesheet.ts';
import { resource } from '../methods.ts';
import { CONTENT_SECURITY_POLICY, mergeVary, textResponse } from '../respond.ts';
import type { Snapshot } from '../snapshot.ts';
import { cacheControlOf, findScope, pageAt, pageSegment, type FoundScope, type RouteContext } from './context.ts';

const RENDERERS: Record<FeedFormat, (model: FeedModel) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJsonFeed,
};

/** XSLT's registered type (RFC 7303 §9.1 names the +xml family; XSLT 3.0 Appendix C registers it). */
const XSLT = 'application/xslt+xml; charset=utf-8';

/** Web-based readers fetch feeds from the browser: let them, and let them see our validators. */
const FEED_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, Link',
} as const;
/** The preflight's answer for a feed: what a reader may send to poll it (RFC 9110 §13 validators). */
const FEED_PREFLIGHT = {
  ...FEED_CORS,
  'Access-Control-Allow-Methods': ALLOWED_METHODS,
  'Access-Control-Allow-Headers': 'If-None-Match, If-Modified-Since, Cache-Control',
  'Access-Control-Max-Age': '86400',
} as const;

/**
 * RFC 8288 links to this feed page, its siblings, the other pages (RFC 5005) and the WebSub hub, for
 * clients that read headers only: the links the feed itself carries.
 */
function feedLinks(model: FeedModel, format: FeedFormat): string {
  const links = FEED_FORMATS.map(
    (f) => `<${model.feedUrls[f]}>; rel="${f === format ? 'self' : 'alternate'}"; type="${FEED_MEDIA_TYPES[f]}"`,
  );
  for (const [rel, urls] of Object.entries(model.paging ?? {}) as [PageRelation, Record<FeedFormat, string>][]) {
    links.push(`<${urls[format]}>; rel="${rel}"; type="${FEED_MEDIA_TYPES[format]}"`);
  }
  if (model.hubUrl) links.push(`<${model.hubUrl}>; rel="hub"`);
  return links.join(', ');
}

/** Page sizes readers commonly ask for; any other `?limit` renders behind them (see `RenderQueue`). */
const commonLimits = (site: { feedLimit: number; maxLimit: number }) => new Set([site.feedLimit, site.maxLimit, 10, 20, 25, 50, 100]);

/**
 * The feeds: the main ones, each category's and author's, `/feed` by Accept, and the stylesheet that
 * shows RSS and Atom in a browser.
 */
export function feedRoutes(context: RouteContext): Hono {
  const { snapshot, serve, safeContent, prepare } = context;
  const app = new Hono();

  /**
   * One feed page in one format: the main feed, or a category's or author's. Every answer carries
   * CORS, refusals and moves too, so a web reader can read why or follow.
   * @param name - the feed's last path segment (`rss.xml`, `feed`), which every page's URL ends with
   */
  const serveFeed = (c: Context, snap: Snapshot, format: FeedFormat, named: FoundScope | undefined, name: string, negotiated = false) => {
    const { dataset, baseUrl, key, index, at } = snap;
    const site = dataset.site;
    const path = named?.scope.path ?? '';
    const found = pageAt(c, site, {
      count: named ? named.count : index.published.countAt(at),
      what: 'feed',
      takesLimit: true,
      pageUrl: (n, limit) => `${baseUrl}${path}${pagePath(n)}/${name}${limitQuery(limit)}`,
      headers: FEED_CORS,
    });
    if (found instanceof Response) return found;
    const { page, limit, perPage } = found;
    const xml = format !== 'json';
    const browserView = xml && wantsBrowserView(c.req.header('Accept'), format);
    const stylesheetUrl = `${baseUrl}/feed.xsl`;
    const renderKey = `${key}:feed:${format}:${path}:${page}:${limit ?? ''}:${browserView ? 'browser' : 'reader'}:${negotiated ? name : ''}`;
    return serve(c.req.raw, renderKey, async () => {
      const posts = named ? named.scope.posts.at(at) : index.published.at(at);
      if (prepare) await prepare(pageSlice(posts, page, perPage));
      const scope = named ? namedFeedScope(site, named.scope, posts) : siteScope(site, posts);
      const model = buildFeedModel(site, scope, {
        baseUrl,
        page,
        safeContent,
        ...(limit !== undefined ? { limit } : {}),
        ...(xml ? { stylesheetUrl } : {}),
      });
      return {
        body: RENDERERS[format](model),
        // The same bytes either way; only a browser needs an XML type to apply the stylesheet.
        contentType: `${browserView ? 'application/xml' : FEED_MEDIA_TYPES[format]}; charset=utf-8`,
        lastModified: lastModifiedOf(dataset, posts, { page, perPage }),
        headers: {
          'Cache-Control': cacheControlOf(site),
          Link: feedLinks(model, format),
          // Chromium loads an XSLT stylesheet as a script (script-src-elem) and holds the page it makes to
          // this policy: that one stylesheet may load, and the page may use our CSS; nothing else runs.
          'Content-Security-Policy': xml ? `${CONTENT_SECURITY_POLICY}; script-src ${stylesheetUrl}` : CONTENT_SECURITY_POLICY,
          ...FEED_CORS,
          // RFC 9110 §8.7: the negotiated answer names the URL of the format it chose.
          ...(negotiated ? { 'Content-Location': feedUrlsAt(baseUrl, path, page, limit)[format] } : {}),
        },
        // RSS and Atom are typed for a browser when Accept asks (same bytes); /feed picks by Accept.
        vary: xml || negotiated ? ['Accept'] : [],
        tagSuffix: browserView ? '.xml' : '',
      };
    }, { uncommon: limit !== undefined && !commonLimits(site).has(limit) });
  };

  // Each feed at its own URL and at each older page's, `/page/N/` before the file name.
  for (const paged of ['', '/page/:page'] as const) {
    for (const format of FEED_FORMATS) {
      const file = FEED_FILES[format];
      resource(app, `${paged}/${file}`, {
        locate: snapshot,
        serve: function feed(c, snap) {
          return serveFeed(c, snap, format, undefined, file);
        },
        preflight: FEED_PREFLIGHT,
      });
      for (const kind of ['category', 'author'] as const) {
        resource(app, `/${SCOPE_FOLDERS[kind]}/:slug${paged}/${file}`, {
          locate: (c) => findScope(c, snapshot(c), kind, `${pageSegment(c)}/${file}`, FEED_CORS),
          serve: function scopedFeed(c, found) {
            return serveFeed(c, found.snap, format, found, file);
          },
          preflight: FEED_PREFLIGHT,
        });
      }
    }

    // One address for readers that negotiate (RFC 9110 §12.5.1): RSS unless Accept prefers another.
    resource(app, `${paged}/feed`, {
      locate: snapshot,
      serve: async function negotiatedFeed(c, snap) {
        const format = chooseFeedFormat(c.req.header('Accept'));
        if (!format) {
          const offered = FEED_FORMATS.map((f) => FEED_MEDIA_TYPES[f]).join(', ');
          return textResponse(`None of the feed types is acceptable; /feed offers ${offered}.`, 406, { Vary: 'Accept', ...FEED_CORS });
        }
        const response = await serveFeed(c, snap, format, undefined, 'feed', true);
        // Refusals and moves made before a representation (400, 404, 301) were chosen by Accept too.
        if (response.status !== 200 && response.status !== 304) {
          response.headers.set('Vary', mergeVary(response.headers.get('Vary'), 'Accept'));
        }
        return response;
      },
      preflight: FEED_PREFLIGHT,
    });
  }

  resource(app, '/feed.xsl', {
    locate: snapshot,
    serve: function feedXsl(c, { dataset, baseUrl, key }) {
      return serve(c.req.raw, `${key}:feed.xsl`, async () => ({
        body: feedStylesheet(baseUrl, dataset.site.title),
        contentType: XSLT,
        headers: { 'Cache-Control': cacheControlOf(dataset.site) },
      }));
    },
  });

  return app;
}
