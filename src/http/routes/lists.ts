import { Hono, type Context } from 'hono';
import { feedItem, feedUrlsAt, lastModifiedOf, listPageUrl, postUrl } from '../../feeds/model.ts';
import { pageSlice } from '../../feeds/paging.ts';
import { SCOPE_FOLDERS, feedTitleOf, namedFeedScope, type NamedScope, type ScopeKind } from '../../feeds/scopes.ts';
import type { Dataset, Post, Site } from '../../posts/index.ts';
import { resource } from '../methods.ts';
import {
  indexPage,
  notFoundPage,
  postPage,
  scopePage,
  type ListPaging,
  type PageContext,
  type PageItem,
  type ScopeLink,
} from '../pages.ts';
import { STYLESHEET } from '../stylesheet.ts';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS, movedPermanently } from '../respond.ts';
import { indexOf, type Snapshot } from '../snapshot.ts';
import { cacheControlOf, findScope, pageAt, pageSegment, type FoundScope, type NotFound, type RouteContext } from './context.ts';

const HTML = 'text/html; charset=utf-8';

export interface ListRoutesOptions {
  /** Drafts and scheduled posts on the pages, marked: see `AppOptions.preview`. */
  preview?: boolean;
}

/** What the pages of one request show: its snapshot, and the real time, which a preview's `at` is not. */
interface Shown {
  snap: Snapshot;
  now: Date;
  /** The posts a preview shows that readers do not see yet, and why. */
  unpublished: (post: Post) => PageItem['unpublished'];
}

/** Later than any post can be dated (the year 9999 at most): in a preview every post is due. */
const END_OF_TIME = new Date(8.64e15);

/**
 * The dataset as a preview shows it: every draft as if published (a copy, remembered, so it can be
 * marked). Kept while the dataset lives, so its index and rendered pages are made once per version.
 */
const previews = new WeakMap<Dataset, { dataset: Dataset; drafts: WeakSet<Post> }>();
function previewOf(dataset: Dataset): { dataset: Dataset; drafts: WeakSet<Post> } {
  let found = previews.get(dataset);
  if (!found) {
    const drafts = new WeakSet<Post>();
    const posts = dataset.posts.map((post) => {
      if (!post.draft) return post;
      const shown = { ...post, draft: false };
      drafts.add(shown);
      return shown;
    });
    previews.set(dataset, (found = { dataset: { ...dataset, posts }, drafts }));
  }
  return found;
}

const published = (): PageItem['unpublished'] => undefined;

function shownFor(snap: Snapshot, preview: boolean): Shown {
  if (!preview) return { snap, now: snap.at, unpublished: published };
  const { dataset, drafts } = previewOf(snap.dataset);
  const now = snap.at;
  return {
    // The key still counts the posts due now, so a scheduled post loses its mark when its time comes.
    snap: { ...snap, dataset, index: indexOf(dataset), at: END_OF_TIME, key: `${snap.key}:preview` },
    now,
    unpublished: (post) => (drafts.has(post) ? 'draft' : post.published.getTime() > now.getTime() ? 'scheduled' : undefined),
  };
}

/**
 * A 404 as a page in the site's style, for a person who followed a link: the reason in one sentence,
 * the way home. Not cached: it names the path asked for.
 */
export function notFoundPageResponse(snap: Snapshot, reason: string, headers: Record<string, string> = {}): Response {
  return new Response(notFoundPage(pageContext(snap), reason), {
    status: 404,
    headers: {
      ...SECURITY_HEADERS,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Content-Type': HTML,
      'Cache-Control': 'no-store',
      ...headers,
    },
  });
}

/**
 * The 404 page of a static copy of the site (`404.html`), which a host shows for any path it lacks:
 * the server's own 404 page, with a reason that names no path (a file cannot know it).
 */
export function staticNotFoundPage(site: Site, baseUrl: string): string {
  const context: PageContext = {
    site,
    baseUrl,
    feeds: feedUrlsAt(baseUrl, ''),
    feedTitle: feedTitleOf(site),
    // The 404 page names no category or author.
    categoryUrl: () => undefined,
    authorUrl: () => undefined,
  };
  return notFoundPage(context, STATIC_NOT_FOUND);
}

/** What a static host's 404 page says: the server's says `Nothing is at /the/path.` */
export const STATIC_NOT_FOUND = 'Nothing is at this address.';

/** What every page needs to link: the site, the feeds it advertises, the pages of categories and authors. */
function pageContext(snap: Snapshot, scope?: NamedScope): PageContext {
  const { dataset, baseUrl, index } = snap;
  const pageOf = (kind: ScopeKind) => (name: string) => {
    const found = index.scopes.byName[kind].get(name);
    return found ? listPageUrl(baseUrl, found.path) : undefined;
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
      .map((scope) => ({ name: scope.name, url: listPageUrl(baseUrl, scope.path), count: scope.posts.countAt(at) }))
      .filter((link) => link.count > 0)
      // Code-point order, not localeCompare: the same bytes on every runtime.
      .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  );
}

/** The HTML pages: the home page, each category's and author's page, each post's page, and their stylesheet. */
export function listRoutes(context: RouteContext, options: ListRoutesOptions = {}): Hono {
  const { snapshot, serve, safeContent, prepare } = context;
  const preview = options.preview ?? false;
  const app = new Hono();
  const cacheControl = (dataset: Dataset) => ({ 'Cache-Control': cacheControlOf(dataset.site) });
  const shown = (c: Context) => shownFor(snapshot(c), preview);
  const notFound =
    (snap: Snapshot): NotFound =>
    (reason, headers) =>
      notFoundPageResponse(snap, reason, headers);
  const itemOf = (view: Shown, post: Post) => {
    const item: PageItem<ReturnType<typeof feedItem>> = feedItem(post, view.snap.baseUrl, safeContent);
    const unpublished = view.unpublished(post);
    return unpublished ? { ...item, unpublished } : item;
  };

  /** How the pages of a list are counted and addressed: `/categories/x/`, `/categories/x/page/2/`. */
  const listPaging = (view: Shown, named: FoundScope | undefined) => ({
    count: named ? named.count : view.snap.index.published.countAt(view.snap.at),
    what: 'list' as const,
    takesLimit: false,
    pageUrl: (n: number) => listPageUrl(view.snap.baseUrl, named?.scope.path ?? '', n),
    notFound: notFound(view.snap),
  });

  /**
   * A list's page asked for without its final slash (`/categories/x`, `/categories/x?page=2`, the
   * addresses of older links): moved in one step to the page it names, `/categories/x/page/2/`.
   */
  const moveToSlash = (c: Context, view: Shown, named: FoundScope | undefined) => {
    const found = pageAt(c, view.snap.dataset.site, listPaging(view, named));
    if (found instanceof Response) return found;
    const location = listPageUrl(view.snap.baseUrl, named?.scope.path ?? '', found.page);
    return movedPermanently(location, { 'Cache-Control': cacheControlOf(view.snap.dataset.site) });
  };

  /**
   * One page of an HTML list of posts: the home page, or a category's or author's page. Paged like
   * the feeds, `feedLimit` posts a page, so HTML page N shows what feed page N holds and a page never
   * grows with the archive. A page takes no `?limit`.
   */
  const servePostList = (c: Context, view: Shown, named: FoundScope | undefined) => {
    const { snap } = view;
    const { dataset, baseUrl, key, index, at } = snap;
    const site = dataset.site;
    const path = named?.scope.path ?? '';
    const url = listPageUrl(baseUrl, path);
    const found = pageAt(c, site, listPaging(view, named));
    if (found instanceof Response) return found;
    const { page, pages, perPage } = found;
    return serve(c.req.raw, `${key}:page:${named ? named.scope.path : '/'}:${page}`, async () => {
      const paging: ListPaging = { page, pages, urlOf: (n) => listPageUrl(baseUrl, path, n) };
      const posts = named ? named.scope.posts.at(at) : index.published.at(at);
      const shown = pageSlice(posts, page, perPage);
      if (prepare) await prepare(shown);
      const items = shown.map((post) => itemOf(view, post));
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
    locate: shown,
    serve: function index(c, view) {
      return servePostList(c, view, undefined);
    },
  });
  resource(app, '/page/:page/', {
    locate: shown,
    serve: function olderIndex(c, view) {
      return servePostList(c, view, undefined);
    },
  });
  resource(app, '/page/:page', {
    locate: shown,
    serve: function indexWithoutSlash(c, view) {
      return moveToSlash(c, view, undefined);
    },
  });

  for (const kind of ['category', 'author'] as const) {
    const locateScope = (c: Context, rest: string) => {
      const view = shown(c);
      const found = findScope(c, view.snap, kind, rest, {}, notFound(view.snap));
      return found instanceof Response ? found : { view, found };
    };
    for (const paged of ['', '/page/:page'] as const) {
      resource(app, `/${SCOPE_FOLDERS[kind]}/:slug${paged}/`, {
        locate: (c) => locateScope(c, `${pageSegment(c)}/`),
        serve: function scopeIndex(c, { view, found }) {
          return servePostList(c, view, found);
        },
      });
      resource(app, `/${SCOPE_FOLDERS[kind]}/:slug${paged}`, {
        locate: (c) => locateScope(c, `${pageSegment(c)}/`),
        serve: function scopeIndexWithoutSlash(c, { view, found }) {
          return moveToSlash(c, view, found);
        },
      });
    }
  }

  const findPost = (c: Context) => {
    const view = shown(c);
    const { snap } = view;
    const slug = c.req.param('slug') ?? '';
    const post = snap.index.bySlug.get(slug);
    // A scheduled post's page stays hidden until it is due, exactly like its feed item (a preview's
    // `at` is the end of time: there, every post is due).
    if (!post || post.published.getTime() > snap.at.getTime()) {
      return notFoundPageResponse(snap, `No published post is called "${slug}".`);
    }
    return { view, post };
  };

  resource(app, '/posts/:slug/', {
    locate: findPost,
    serve: function post(c, { view, post: found }) {
      const { snap } = view;
      const { dataset, key } = snap;
      return serve(c.req.raw, `${key}:page:/posts/${found.slug}`, async () => {
        if (prepare) await prepare([found]);
        return {
          body: String(await postPage(pageContext(snap), itemOf(view, found))),
          contentType: HTML,
          lastModified: lastModifiedOf(dataset, [found]),
          headers: cacheControl(dataset),
        };
      });
    },
  });
  // The address posts had before their pages became folders, and the one links in posts still use.
  resource(app, '/posts/:slug', {
    locate: findPost,
    serve: function postWithoutSlash(c, { view, post: found }) {
      const location = `${postUrl(view.snap.baseUrl, found.slug)}${new URL(c.req.url).search}`;
      return movedPermanently(location, cacheControl(view.snap.dataset));
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
