import type { Post } from './schema.ts';

/**
 * The order posts are served in: newest `published` first, then by slug. A module of its own, so that
 * what keeps lists in this order (the feeds' indexes, in the worker too) does not bring the loader in.
 */
export const newestFirst = (a: Post, b: Post): number => b.published.getTime() - a.published.getTime() || bySlug(a, b);

const bySlug = (a: Post, b: Post): number => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);

/**
 * `posts` sorted in place by `newestFirst`, stable, as `sort` with it sorts them, in a fraction of the
 * time at 100,000 posts: the times are read once and ordered by the engine's own numeric sort, and the
 * slugs decide only among posts of one time (a day's, for dates without a time).
 */
export function sortNewestFirst(posts: Post[]): Post[] {
  const n = posts.length;
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = posts[i]!.published.getTime();
  const ascending = times.slice().sort();
  // An invalid date (never in validated data) compares as nothing does: the comparison decides, as ever.
  if (n && Number.isNaN(ascending[n - 1]!)) return posts.sort(newestFirst);
  // Each distinct time, newest first, and every post's place among them.
  const distinct: number[] = [];
  for (let i = n - 1; i >= 0; i--) if (distinct[distinct.length - 1] !== ascending[i]) distinct.push(ascending[i]!);
  const rank = new Uint32Array(n);
  const starts = new Uint32Array(distinct.length + 1);
  for (let i = 0; i < n; i++) {
    const time = times[i]!;
    let low = 0;
    let high = distinct.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (distinct[middle]! > time) low = middle + 1;
      else high = middle;
    }
    rank[i] = low;
    starts[low + 1]!++;
  }
  for (let r = 0; r < distinct.length; r++) starts[r + 1]! += starts[r]!;
  // Placed by time in the order given (so stable), then each time's posts by slug.
  const before = posts.slice();
  const next = starts.slice(0, distinct.length);
  for (let i = 0; i < n; i++) posts[next[rank[i]!]!++] = before[i]!;
  for (let r = 0; r < distinct.length; r++) {
    const [from, to] = [starts[r]!, starts[r + 1]!];
    if (to - from < 2) continue;
    const group = posts.slice(from, to).sort(bySlug);
    for (let j = 0; j < group.length; j++) posts[from + j] = group[j]!;
  }
  return posts;
}
