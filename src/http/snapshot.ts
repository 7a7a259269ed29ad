import { PublishedPosts, normalizeBaseUrl } from '../feeds/model.ts';
import { buildScopes, type Scopes } from '../feeds/scopes.ts';
import type { Dataset, Post } from '../posts/index.ts';
import { targetStart } from './guards.ts';

/**
 * What one request sees of the data, taken once and handed down so every step sees the same, and the
 * render key that names it. The worker's edge cache keys its shared copies on the same key: one
 * definition, so a dimension added here reaches both caches.
 */

/** What one dataset gives every request: the published-post index, slug look-up and scopes, built once. */
export interface DatasetIndex {
  published: PublishedPosts;
  /** Every post but drafts, scheduled ones included: a post's page checks its time itself. */
  bySlug: ReadonlyMap<string, Post>;
  scopes: Scopes;
}

const indexes = new WeakMap<Dataset, DatasetIndex>();

/** The dataset's index, built on its first request and kept while the dataset lives. */
export function indexOf(dataset: Dataset): DatasetIndex {
  let index = indexes.get(dataset);
  if (!index) {
    const published = new PublishedPosts(dataset);
    const bySlug = new Map(dataset.posts.filter((post) => !post.draft).map((post) => [post.slug, post]));
    indexes.set(dataset, (index = { published, bySlug, scopes: buildScopes(dataset) }));
  }
  return index;
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
  return function snapshotOf(requestUrl) {
    const dataset = current();
    const at = now();
    const index = indexOf(dataset);
    const baseUrl = baseUrlOf(siteUrl ?? (preview ? undefined : dataset.site.url) ?? requestUrl.slice(0, targetStart(requestUrl)));
    // A scheduled post that becomes due changes the count, hence the key: everything re-renders.
    const key = `${dataset.version}:${dataset.modified?.getTime() ?? ''}:${index.published.countAt(at)}:${baseUrl}`;
    return { dataset, index, at, baseUrl, key };
  };
}
