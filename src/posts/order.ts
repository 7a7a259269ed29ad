import type { Post } from './schema.ts';

/**
 * The order posts are served in: newest `published` first, then by slug. A module of its own, so that
 * what keeps lists in this order (the feeds' indexes, in the worker too) does not bring the loader in.
 */
export const newestFirst = (a: Post, b: Post): number =>
  b.published.getTime() - a.published.getTime() || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);
