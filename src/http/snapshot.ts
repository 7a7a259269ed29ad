import { PublishedPosts, normalizeBaseUrl } from '../feeds/model.ts';
import { buildScopes, deriveScopes, type PostChanges, type Scopes } from '../feeds/scopes.ts';
import type { Dataset, Post } from '../posts/index.ts';
import { newestFirst } from '../posts/order.ts';
import { targetStart } from './guards.ts';

/**
 * What one request sees of the data, taken once and handed down so every step sees the same, and the
 * render key that names it. The worker's edge cache keys its shared copies on the same key: one
 * definition, so a dimension added here reaches both caches.
 */

/** Posts by slug: a map, or an earlier one with the changes since laid over it. */
export class PostsBySlug {
  readonly #base: ReadonlyMap<string, Post>;
  /** Slugs changed since `#base` was built: the post now, or null where none has it any more. */
  readonly #changes: ReadonlyMap<string, Post | null>;

  constructor(base: ReadonlyMap<string, Post>, changes: ReadonlyMap<string, Post | null> = new Map()) {
    this.#base = base;
    this.#changes = changes;
  }

  get(slug: string): Post | undefined {
    const changed = this.#changes.get(slug);
    return changed === undefined ? this.#base.get(slug) : (changed ?? undefined);
  }

  /** With `removed` gone and `added` (drafts left out) in: O(changes), and a full map again once they pile up. */
  changed({ removed, added }: PostChanges): PostsBySlug {
    const changes = new Map(this.#changes);
    for (const post of removed) if (this.get(post.slug) === post) changes.set(post.slug, null);
    for (const post of added) if (!post.draft) changes.set(post.slug, post);
    if (changes.size <= Math.max(MAX_LAID_OVER, this.#base.size / 8)) return new PostsBySlug(this.#base, changes);
    const flat = new Map(this.#base);
    for (const [slug, post] of changes) {
      if (post) flat.set(slug, post);
      else flat.delete(slug);
    }
    return new PostsBySlug(flat);
  }
}

/** Changes laid over a slug map before it is rebuilt whole. */
const MAX_LAID_OVER = 1024;

/** What one dataset gives every request: the published-post index, slug look-up and scopes, built once. */
export interface DatasetIndex {
  published: PublishedPosts;
  /** Every post but drafts, scheduled ones included: a post's page checks its time itself. */
  bySlug: PostsBySlug;
  scopes: Scopes;
}

const indexes = new WeakMap<Dataset, DatasetIndex>();

/**
 * The dataset's index, built on its first request and kept while the dataset lives. Given the version
 * it replaces, whose index was built, it is derived from that one and the posts that changed (see
 * `deriveIndex`): what a server that swaps versions calls before the swap, so no request waits for it.
 */
export function indexOf(dataset: Dataset, previous?: Dataset): DatasetIndex {
  let index = indexes.get(dataset);
  if (!index) {
    const before = previous && indexes.get(previous);
    index = before && previous ? deriveIndex(before, previous, dataset) : buildIndex(dataset);
    indexes.set(dataset, index);
  }
  return index;
}

/** The index of a dataset, from nothing. */
export function buildIndex(dataset: Dataset): DatasetIndex {
  const published = new PublishedPosts(dataset);
  const slugs = new Map<string, Post>();
  for (const post of published.candidates) slugs.set(post.slug, post);
  const bySlug = new PostsBySlug(slugs);
  return { published, bySlug, scopes: buildScopes(dataset) };
}

/**
 * The index of `next`, from the index of `previous`: one pass comparing the two post lists (both newest
 * first, unchanged posts the same objects), then work in proportion to what changed. Equal to
 * `buildIndex(next)`; a changed site, or a change to most posts, builds from nothing.
 */
export function deriveIndex(before: DatasetIndex, previous: Dataset, next: Dataset): DatasetIndex {
  const steps = derivation(before, previous, next);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Makes `next`'s index from the served `previous`'s, giving the event loop a turn every few
 * milliseconds of it, so requests are answered meanwhile: what a server calls before it swaps.
 * @example
 * await prepareIndex(loaded, source.current());
 */
export async function prepareIndex(next: Dataset, previous: Dataset): Promise<void> {
  if (indexes.has(next)) return;
  const before = indexes.get(previous);
  if (!before) {
    indexes.set(next, buildIndex(next));
    return;
  }
  const steps = derivation(before, previous, next);
  for (;;) {
    const step = steps.next();
    if (step.done) {
      indexes.set(next, step.value);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** `deriveIndex` in steps: it yields where a server may let requests in. */
function* derivation(before: DatasetIndex, previous: Dataset, next: Dataset): Generator<void, DatasetIndex> {
  if (previous.site !== next.site) return buildIndex(next);
  const changes = yield* postChangesIn(previous.posts, next.posts);
  if (changes === undefined) return buildIndex(next);
  if (!changes.removed.length && !changes.added.length) return before;
  const published = before.published.changed(changes.removed, changes.added);
  yield;
  const bySlug = before.bySlug.changed(changes);
  yield;
  return { published, bySlug, scopes: deriveScopes(before.scopes, next.site, changes) };
}

/**
 * The posts only one list has, by a merge of the two (both newest first); undefined when they are
 * too many for deriving to pay.
 */
export function postChanges(before: readonly Post[], after: readonly Post[]): PostChanges | undefined {
  const steps = postChangesIn(before, after);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Posts compared between two yields. */
const COMPARED_PER_STEP = 16_384;

function* postChangesIn(before: readonly Post[], after: readonly Post[]): Generator<void, PostChanges | undefined> {
  const removed: Post[] = [];
  const added: Post[] = [];
  const most = Math.max(MAX_LAID_OVER, after.length / 4);
  let i = 0;
  let j = 0;
  let compared = 0;
  while (i < before.length || j < after.length) {
    if (++compared % COMPARED_PER_STEP === 0) yield;
    const old = before[i];
    const now = after[j];
    if (old === now) {
      i++;
      j++;
      continue;
    }
    const order = old === undefined ? 1 : now === undefined ? -1 : newestFirst(old, now);
    if (order <= 0) removed.push(before[i++]!);
    if (order >= 0) added.push(after[j++]!);
    if (removed.length + added.length > most) return undefined;
  }
  return { removed, added };
}

/**
 * Gives a dataset an index made elsewhere, so `indexOf` returns it instead of building one: the worker's,
 * whose order and scopes `npm run build:data` or `npm run publish` worked out already. The caller
 * answers for it describing exactly this dataset.
 */
export function withIndex<D extends Dataset>(dataset: D, index: DatasetIndex): D {
  indexes.set(dataset, index);
  return dataset;
}

/** Everything a request needs about "now": the data, the time, the base URL. */
export interface Snapshot {
  dataset: Dataset;
  index: DatasetIndex;
  at: Date;
  baseUrl: string;
  /**
   * What every render of this request depends on besides its URL and Accept: the data's version and
   * when it changed (Last-Modified), the posts published by `at`, the base URL every link is built on.
   */
  key: string;
}

export interface SnapshotOptions {
  /** The data as it is now: fixed, or swapped by a watcher when the files change. */
  current: () => Dataset;
  now: () => Date;
  /** The public base URL; overrides `site.url`. With neither, each request's own origin is used. */
  siteUrl?: string | undefined;
  /**
   * A local preview: `site.url` is ignored, so links, the stylesheet and images come from the server
   * being previewed, not from the production address site.json names.
   */
  preview?: boolean | undefined;
}

/** Base URLs remembered: past this many Host headers, forget them all rather than grow. */
const BASE_URLS_LIMIT = 64;

/**
 * The snapshot of a request, by its URL (whose origin is the base when nothing else names one).
 * @example
 * const snapshotOf = snapshots({ current: () => dataset, now: () => new Date() });
 * const { key } = snapshotOf(request.url);
 */
export function snapshots(options: SnapshotOptions): (requestUrl: string) => Snapshot {
  const { current, now, siteUrl, preview } = options;
  // The same one or two base URLs come with every request: parse each once.
  const baseUrls = new Map<string, string>();
  const baseUrlOf = (url: string) => {
    let normalized = baseUrls.get(url);
    if (normalized === undefined) {
      if (baseUrls.size >= BASE_URLS_LIMIT) baseUrls.clear();
      baseUrls.set(url, (normalized = normalizeBaseUrl(url)));
    }
    return normalized;
  };
  // The key stays the same until the data changes or the next scheduled post is due: the last one is
  // kept with the span of time it holds for, so a poll builds no string.
  let last: { dataset: Dataset; baseUrl: string; from: number; until: number; key: string } | undefined;
  return function snapshotOf(requestUrl) {
    const dataset = current();
    const at = now();
    const index = indexOf(dataset);
    const baseUrl = baseUrlOf(siteUrl ?? (preview ? undefined : dataset.site.url) ?? requestUrl.slice(0, targetStart(requestUrl)));
    const time = at.getTime();
    if (last && last.dataset === dataset && last.baseUrl === baseUrl && last.from <= time && time < last.until) {
      return { dataset, index, at, baseUrl, key: last.key };
    }
    // A scheduled post that becomes due changes the count, hence the key: everything re-renders.
    const key = `${dataset.version}:${dataset.modified?.getTime() ?? ''}:${index.published.countAt(at)}:${baseUrl}`;
    last = { dataset, baseUrl, from: time, until: index.published.nextDueAfter(at)?.getTime() ?? Infinity, key };
    return { dataset, index, at, baseUrl, key };
  };
}
