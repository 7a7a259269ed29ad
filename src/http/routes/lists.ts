import { Hono, type Context } from 'hono';
import { feedItem, feedUrlsAt, lastModifiedOf } from '../../feeds/model.ts';
import { pageQuery, pageSlice } from '../../feeds/paging.ts';
import { SCOPE_FOLDERS, feedTitleOf, namedFeedScope, type NamedScope, type ScopeKind } from '../../feeds/scopes.ts';
import type { Dataset } from '../../posts/index.ts';
import { resource } from '../methods.ts';
import { STYLESHEET, indexPage, postPage, scopePage, type ListPaging, type PageContext, type ScopeLink } from '../pages.ts';
import { textResponse } from '../respond.ts';
import type { Snapshot } from '../snapshot.ts';
import { cacheControlOf, findScope, pageAt, type FoundScope, type RouteContext } from './context.ts';

const HTML = 'text/html; charset=utf-8';

/** The URL of a list of posts, its page 1: the home page, or a category's or author's page. */
const listUrlOf = (baseUrl: string, scope: NamedScope | undefined) => (scope ? `${baseUrl}${scope.path}` : `${baseUrl}/`);

/** What every page needs to link: the site, the feeds it advertises, the pages of categories and authors. */
function pageContext(snap: Snapshot, scope?: NamedScope): PageContext {
  const { dataset, baseUrl, index } = snap;
  const pageOf = (kind: ScopeKind) => (name: string) => {
    const found = index.scopes.byName[kind].get(name);
    return found ? `${baseUrl}${found.path}` : undefined;
  };
  return {
    site: dataset.site,
    baseUrl,
    feeds: feedUrlsAt(baseUrl, scope?.path ?? ''),
    feedTitle: feedTitleOf(dataset.site, scope),
    categoryUrl: pageOf('category'),
    authorUrl: pageOf('author'),
  };
}

/** The categories or authors the home page lists: most posts first, then by name in code-point order. */
function browse(snap: Snapshot, kind: ScopeKind): ScopeLink[] {
  const { baseUrl, index, at } = snap;
  return (
    [...index.scopes.bySlug[kind].values()]
      .map((scope) => ({ name: scope.name, url: `${baseUrl}${scope.path}`, count: scope.posts.countAt(at) }))
      .filter((link) => link.count > 0)
      // Code-point order, not localeCompare: the same bytes on every runtime.
      .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  );
}

/** The HTML pages: the home page, each category's and author's page, each post's page, and their stylesheet. */
export function listRoutes(context: RouteContext): Hono {
  const { snapshot, serve, safeContent, prepare } = context;
  const app = new Hono();
  const cacheControl = (dataset: Dataset) => ({ 'Cache-Control': cacheControlOf(dataset.site) });

  /**
   * One page of an HTML list of posts: the home page, or a category's or author's page. Paged like
   * the feeds, `feedLimit` posts a page, so HTML page N shows what feed page N holds and a page never
   * grows with the archive. A page takes no `?limit`.
   */
  const servePostList = (c: Context, snap: Snapshot, named: FoundScope | undefined) => {
    const { dataset, baseUrl, key, index, at } = snap;
    const site = dataset.site;
    const url = listUrlOf(baseUrl, named?.scope);
    const found = pageAt(c, site, {
      count: named ? named.count : index.published.countAt(at),
      what: 'list',
      takesLimit: false,
      firstPageUrl: () => url,
    });
    if (found instanceof Response) return found;
    const { page, pages, perPage } = found;
    return serve(c.req.raw, `${key}:page:${named ? named.scope.path : '/'}:${page}`, async () => {
      const paging: ListPaging = { page, pages, urlOf: (n) => `${url}${pageQuery(n, undefined)}` };
      const posts = named ? named.scope.posts.at(at) : index.published.at(at);
      const shown = pageSlice(posts, page, perPage);
      if (prepare) await prepare(shown);
      const items = shown.map((post) => feedItem(post, baseUrl, safeContent));
      if (named) {
        const { scope } = named;
        const description = namedFeedScope(site, scope, posts).description;
        return {
          body: String(await scopePage(pageContext(snap, scope), { kind: scope.kind, name: scope.name, url, description }, items, paging)),
          contentType: HTML,
          lastModified: lastModifiedOf(dataset, posts, { page, perPage }),
          headers: cacheControl(dataset),
        };
      }
      const lists = { categories: browse(snap, 'category'), authors: browse(snap, 'author') };
      return {
        body: String(await indexPage(pageContext(snap), items, lists, paging)),
        contentType: HTML,
        // The category and author counts on every page come from every post.
        lastModified: lastModifiedOf(dataset, posts),
        headers: cacheControl(dataset),
      };
    });
  };

  resource(app, '/', {
    locate: snapshot,
    serve: function index(c, snap) {
      return servePostList(c, snap, undefined);
    },
  });

  for (const kind of ['category', 'author'] as const) {
    resource(app, `/${SCOPE_FOLDERS[kind]}/:slug`, {
      locate: (c) => findScope(c, snapshot(c), kind, ''),
      serve: function scopeIndex(c, found) {
        return servePostList(c, found.snap, found);
      },
    });
  }

  resource(app, '/posts/:slug', {
    locate: function findPost(c) {
      const snap = snapshot(c);
      const slug = c.req.param('slug') ?? '';
      const post = snap.index.bySlug.get(slug);
      // A scheduled post's page stays hidden until it is due, exactly like its feed item.
      if (!post || post.published.getTime() > snap.at.getTime()) {
        return textResponse(`No published post is called "${slug}".`, 404);
      }
      return { snap, post };
    },
    serve: function post(c, { snap, post: found }) {
      const { dataset, baseUrl, key } = snap;
      return serve(c.req.raw, `${key}:page:/posts/${found.slug}`, async () => {
        if (prepare) await prepare([found]);
        return {
          body: String(await postPage(pageContext(snap), feedItem(found, baseUrl, safeContent))),
          contentType: HTML,
          lastModified: lastModifiedOf(dataset, [found]),
          headers: cacheControl(dataset),
        };
      });
    },
  });

  resource(app, '/style.css', {
    locate: () => STYLESHEET,
    serve: function stylesheet(c) {
      return serve(c.req.raw, 'static:/style.css', async () => ({
        body: STYLESHEET,
        contentType: 'text/css; charset=utf-8',
        headers: { 'Cache-Control': 'public, max-age=3600' },
      }));
    },
  });

  return app;
}
