import type { Dataset, Post, Site } from '../posts/index.ts';
import { newestFirst } from '../posts/order.ts';
import { PublishedPosts, type FeedScope } from './model.ts';
import { assignSlugs } from './slugs.ts';
import { dropNonXmlChars } from './xml-escape.ts';

export type ScopeKind = 'category' | 'author';

/** Where each kind lives below the base URL: `/categories/<slug>`, `/authors/<slug>`. */
export const SCOPE_FOLDERS: Record<ScopeKind, string> = { category: 'categories', author: 'authors' };

/** One category or author: its name as written, its slug, and its posts, published as time goes on. */
export interface NamedScope {
  kind: ScopeKind;
  name: string;
  slug: string;
  /** Below the base URL, percent-encoded: `/categories/company-news`, `/categories/%E5%8C%BB…`. */
  path: string;
  posts: PublishedPosts;
}

/** Every category and author of a dataset, by slug and by name: built once per data version. */
export interface Scopes {
  bySlug: Record<ScopeKind, ReadonlyMap<string, NamedScope>>;
  byName: Record<ScopeKind, ReadonlyMap<string, NamedScope>>;
}

/** A name as feeds and pages show it (control characters dropped), so look-ups by a shown name work. */
const shownName = (name: string) => dropNonXmlChars(name);

/** A post's authors are its own, or the site's when it names none (as its feeds say). */
const authorsOf = (post: Post, site: Site): string[] => (post.authors ?? site.authors).map((a) => shownName(a.name));
const categoriesOf = (post: Post): string[] => (post.categories ?? []).map(shownName);

/**
 * Groups the posts by category and by author. Drafts count for nothing (a draft's category must not
 * show up anywhere); scheduled posts do count for slugs, so a name's slug does not change on the day
 * its first post is due, and the scope answers 404 until then. Slugs are given in order of first use,
 * oldest post first (see `assignSlugs`).
 */
export function buildScopes(dataset: Pick<Dataset, 'site' | 'posts'>): Scopes {
  const { posts } = dataset;
  // The same few names in thousands of posts: each shown once.
  const shown = new Map<string, string>();
  const shownOnce = (name: string) => {
    let seen = shown.get(name);
    if (seen === undefined) shown.set(name, (seen = shownName(name)));
    return seen;
  };
  /** Files `post` under each of `names` (as written), a name given twice counting once, where it first comes. */
  const file = (postsByName: Map<string, Post[]>, post: Post, names: readonly string[]) => {
    for (let k = 0; k < names.length; k++) {
      const name = shownOnce(names[k]!);
      if (k > 0 && names.slice(0, k).some((earlier) => shownOnce(earlier) === name)) continue;
      const list = postsByName.get(name);
      if (list) list.push(post);
      else postsByName.set(name, [post]);
    }
  };
  const byCategory = new Map<string, Post[]>();
  const byAuthor = new Map<string, Post[]>();
  // Most posts name no author of their own: the site's, for all of them.
  const siteAuthors = dataset.site.authors.map((a) => a.name);
  // Posts are newest first: walking them backwards meets each name at its first use. One walk for
  // both kinds: at 100,000 posts, visiting a post costs more than what is done with it.
  for (let i = posts.length - 1; i >= 0; i--) {
    const post = posts[i]!;
    if (post.draft) continue;
    if (post.categories) file(byCategory, post, post.categories);
    file(byAuthor, post, post.authors ? post.authors.map((a) => a.name) : siteAuthors);
  }
  const named = (kind: ScopeKind, postsByName: Map<string, Post[]>) => {
    const { slugOf } = assignSlugs(postsByName.keys());
    const bySlug = new Map<string, NamedScope>();
    const byName = new Map<string, NamedScope>();
    for (const [name, posts] of postsByName) {
      const slug = slugOf.get(name)!;
      const scope: NamedScope = {
        kind,
        name,
        slug,
        path: scopePath(kind, slug),
        posts: PublishedPosts.ofCandidates(posts.reverse()),
      };
      bySlug.set(slug, scope);
      byName.set(name, scope);
    }
    return { bySlug, byName };
  };
  const categories = named('category', byCategory);
  const authors = named('author', byAuthor);
  return {
    bySlug: { category: categories.bySlug, author: authors.bySlug },
    byName: { category: categories.byName, author: authors.byName },
  };
}

/** What changed between two versions of the posts: the posts of the old one that are gone, and the new ones. */
export interface PostChanges {
  removed: readonly Post[];
  added: readonly Post[];
}

/**
 * What `buildScopes` gives for the changed data, from the scopes before the change: only the names the
 * changed posts carry get new post lists; the order of first use and the slugs are worked out again
 * over the names alone (a sort of the names by their oldest post), so they come out as a full build
 * gives them, and every scope whose slug and posts stay is the same object as before.
 * @param site - the same site as before: a post naming no author counts as the site's authors
 */
export function deriveScopes(before: Scopes, site: Site, changes: PostChanges): Scopes {
  const derive = (kind: ScopeKind, namesOf: (post: Post) => string[]) => {
    const removedBy = new Map<string, Post[]>();
    const addedBy = new Map<string, Post[]>();
    const note = (into: Map<string, Post[]>, post: Post) => {
      if (post.draft) return;
      for (const name of new Set(namesOf(post))) {
        const list = into.get(name);
        if (list) list.push(post);
        else into.set(name, [post]);
      }
    };
    for (const post of changes.removed) note(removedBy, post);
    for (const post of changes.added) note(addedBy, post);
    const postsOf = new Map<string, PublishedPosts>();
    for (const [name, scope] of before.byName[kind]) postsOf.set(name, scope.posts);
    for (const name of new Set([...removedBy.keys(), ...addedBy.keys()])) {
      const previous = postsOf.get(name) ?? new PublishedPosts({ posts: [] });
      const next = previous.changed(removedBy.get(name) ?? [], addedBy.get(name) ?? []);
      if (next.candidates.length) postsOf.set(name, next);
      else postsOf.delete(name);
    }
    // Order of first use: by each name's oldest post, oldest first; names first used by the same post
    // in the order that post lists them.
    const firstUse = new Map<string, { post: Post; at: number }>();
    for (const [name, posts] of postsOf) {
      const oldest = posts.candidates[posts.candidates.length - 1]!;
      firstUse.set(name, { post: oldest, at: [...new Set(namesOf(oldest))].indexOf(name) });
    }
    const ordered = [...postsOf.keys()].sort((a, b) => {
      const x = firstUse.get(a)!;
      const y = firstUse.get(b)!;
      return x.post === y.post ? x.at - y.at : newestFirst(y.post, x.post);
    });
    const { slugOf } = assignSlugs(ordered);
    const bySlug = new Map<string, NamedScope>();
    const byName = new Map<string, NamedScope>();
    for (const name of ordered) {
      const slug = slugOf.get(name)!;
      const posts = postsOf.get(name)!;
      const old = before.byName[kind].get(name);
      const scope: NamedScope = old && old.slug === slug && old.posts === posts ? old : { kind, name, slug, path: scopePath(kind, slug), posts };
      bySlug.set(slug, scope);
      byName.set(name, scope);
    }
    return { bySlug, byName };
  };
  const categories = derive('category', categoriesOf);
  const authors = derive('author', (post) => authorsOf(post, site));
  return {
    bySlug: { category: categories.bySlug, author: authors.bySlug },
    byName: { category: categories.byName, author: authors.byName },
  };
}

export const scopePath = (kind: ScopeKind, slug: string): string => `/${SCOPE_FOLDERS[kind]}/${encodeURIComponent(slug)}`;

/** What a feed is called: the site's title, or for a filtered one `WEGO Group News: Company News`. */
export const feedTitleOf = (site: Pick<Site, 'title'>, scope?: Pick<NamedScope, 'name'>): string =>
  scope ? `${site.title}: ${scope.name}` : site.title;

/** A category's or author's feed: `WEGO Group News: Company News`, `Posts by Anna Berg from …`. */
export function namedFeedScope(site: Site, scope: NamedScope, posts: readonly Post[]): FeedScope {
  return {
    title: feedTitleOf(site, scope),
    description:
      scope.kind === 'category' ? `Posts in “${scope.name}” from ${site.title}.` : `Posts by ${scope.name} from ${site.title}.`,
    path: scope.path,
    posts,
  };
}
