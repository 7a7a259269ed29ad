import { PublishedPosts } from '../feeds/model.ts';
import { buildScopes, scopePath, type NamedScope, type ScopeKind } from '../feeds/scopes.ts';
import { PostsBySlug, type DatasetIndex } from '../http/snapshot.ts';
import type { Dataset, Post } from '../posts/index.ts';

/**
 * A category or author as `npm run build:data` and `npm run publish` work it out once, on Node: its
 * name, its slug and its posts, as positions in the dataset's posts (newest first). The worker builds
 * its index from these, so an isolate neither groups every post by name nor slugifies every name.
 */
export interface ScopeParts {
  kind: ScopeKind;
  name: string;
  slug: string;
  /** Positions in `Dataset.posts`, newest first: drafts left out, scheduled posts kept. */
  members: number[];
}

/** Later than any post can be dated: every candidate of a scope is due then. */
const END_OF_TIME = new Date(8.64e15);
const KINDS: readonly ScopeKind[] = ['category', 'author'];

/** The dataset's scopes as `buildScopes` makes them, in its order (the sitemap and the OPML list them so). */
export function scopeParts(dataset: Pick<Dataset, 'site' | 'posts'>): ScopeParts[] {
  const scopes = buildScopes(dataset);
  const positions = new Map(dataset.posts.map((post, i) => [post, i]));
  const parts: ScopeParts[] = [];
  for (const kind of KINDS) {
    for (const scope of scopes.bySlug[kind].values()) {
      parts.push({ kind, name: scope.name, slug: scope.slug, members: scope.posts.at(END_OF_TIME).map((post) => positions.get(post) ?? -1) });
    }
  }
  return parts;
}

/**
 * The index `indexOf` would build over `posts` (newest first, as the loader sorts them), from scopes
 * worked out beforehand: what is left is a pass over the posts for drafts and slugs.
 */
export function precomputedIndex(posts: readonly Post[], scopes: readonly ScopeParts[]): DatasetIndex {
  const bySlug = new Map<string, Post>();
  for (const post of posts) if (!post.draft) bySlug.set(post.slug, post);
  const named = { category: new Map<string, NamedScope>(), author: new Map<string, NamedScope>() };
  const byName = { category: new Map<string, NamedScope>(), author: new Map<string, NamedScope>() };
  for (const { kind, name, slug, members } of scopes) {
    const scopePosts = members.map((i) => {
      const post = posts[i];
      if (!post) throw new Error(`the scope ${kind} "${name}" names post ${i} of ${posts.length}: the data and its index disagree`);
      return post;
    });
    const scope: NamedScope = { kind, name, slug, path: scopePath(kind, slug), posts: new PublishedPosts({ posts: scopePosts }) };
    named[kind].set(slug, scope);
    byName[kind].set(name, scope);
  }
  return { published: new PublishedPosts({ posts }), bySlug: new PostsBySlug(bySlug), scopes: { bySlug: named, byName } };
}
