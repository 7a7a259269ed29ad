import type { SafeContent } from '../feeds/safe-content.ts';
import type { DataSource } from '../http/app.ts';
import type { Dataset, Post } from '../posts/index.ts';
import { POINTER_KEY, datasetFromIndex, parsePointer, type PublishedIndex } from '../posts/published-index.ts';

/**
 * What the worker uses of an R2 binding: reads. Workers' `R2Bucket` has this shape; tests hand in a
 * map with the same.
 */
export interface DataBucket {
  get(key: string): Promise<{ text(): Promise<string>; arrayBuffer(): Promise<ArrayBuffer> } | null>;
}

/** How often an isolate asks R2 whether a newer index was published, by default. */
export const RECHECK_MS = 10_000;
/** Post bodies an isolate keeps between requests, by default: far more than any page shows. */
export const BODY_CACHE_LIMIT = 4_000;
/** R2 reads in flight at once while fetching a page's bodies. */
const FETCH_CONCURRENCY = 16;

export interface R2DataOptions {
  bucket: DataBucket;
  /** Milliseconds, injectable so tests move past the re-check interval without waiting. */
  now?: () => number;
  /** The pointer is read again at most this often; 0: before every request. */
  recheckMs?: number;
  bodyCacheLimit?: number;
}

/** The data source of a worker serving from R2, and the safe content that reads what it fetched. */
export interface R2Data {
  source: DataSource & {
    /**
     * Reads the pointer when the last read is older than the re-check interval, and loads the index
     * it names when that changed. Until the new index is read, the old one is served.
     */
    refresh(): Promise<void>;
    /** Whether an index has been loaded: false until something was published. */
    loaded(): boolean;
    prepare(posts: readonly Post[]): Promise<void>;
  };
  safeContent: SafeContent;
}

/**
 * Data published to R2 by `npm run publish` (src/posts/published-index.ts): the index is read once
 * per data version and kept in the isolate; the bodies of posts are read only for the posts a render
 * shows (`prepare`, which the app awaits before rendering), then kept, by content hash, so the
 * next version reuses every unchanged post's body.
 */
export function r2Data(options: R2DataOptions): R2Data {
  const { bucket } = options;
  const now = options.now ?? (() => Date.now());
  const recheckMs = options.recheckMs ?? RECHECK_MS;
  const limit = options.bodyCacheLimit ?? BODY_CACHE_LIMIT;
  let dataset: Dataset | undefined;
  let indexName: string | undefined;
  let checkedAt = -Infinity;
  let refreshing: Promise<void> | undefined;
  // By the post object: the safe content is handed the post, and each index version has posts of its own.
  const bodyOf = new WeakMap<object, string>();
  /** By object key; in order of last use, oldest first, so the first ones go when it is full. */
  const bodies = new Map<string, string>();

  const read = async (key: string): Promise<string> => {
    const object = await bucket.get(key);
    if (!object) throw new Error(`R2 has no ${key}, which the published index names`);
    return object.text();
  };

  const load = async (): Promise<void> => {
    const pointerObject = await bucket.get(POINTER_KEY);
    if (!pointerObject) return;
    const pointer = parsePointer(await pointerObject.text());
    if (!pointer) throw new Error(`R2's ${POINTER_KEY} is not a pointer npm run publish wrote`);
    if (pointer.index === indexName) return;
    const index = JSON.parse(await read(pointer.index)) as PublishedIndex;
    // Media are few and small beside the posts, and the routes serve them from memory: read them all now.
    const media = new Map<string, Uint8Array>();
    await Promise.all(
      index.assets.map(async ({ object }) => {
        const found = await bucket.get(object);
        if (!found) throw new Error(`R2 has no ${object}, which the published index names`);
        media.set(object, new Uint8Array(await found.arrayBuffer()));
      }),
    );
    dataset = datasetFromIndex(index, { media, onPost: (post, body) => bodyOf.set(post, body) });
    indexName = pointer.index;
  };

  const remember = (key: string, html: string) => {
    bodies.delete(key);
    bodies.set(key, html);
    for (const oldest of bodies.keys()) {
      if (bodies.size <= limit) break;
      bodies.delete(oldest);
    }
  };

  const keyOf = (post: Post): string => {
    const key = bodyOf.get(post);
    if (key === undefined) throw new Error(`the post "${post.slug}" is not from the published index`);
    return key;
  };

  return {
    source: {
      current() {
        if (!dataset) throw new Error('nothing has been published to R2 yet');
        return dataset;
      },
      loaded: () => dataset !== undefined,
      async refresh() {
        if (refreshing) return refreshing;
        if (dataset && now() - checkedAt < recheckMs) return;
        checkedAt = now();
        refreshing = load()
          .catch((error: unknown) => {
            // A failed read must not take the site down while an older index serves well.
            if (!dataset) throw error;
            console.error('Reading the published index from R2 failed; serving the one read before:', error);
          })
          .finally(() => (refreshing = undefined));
        return refreshing;
      },
      async prepare(posts) {
        const missing = [...new Set(posts.map(keyOf))].filter((key) => !bodies.has(key));
        for (let start = 0; start < missing.length; start += FETCH_CONCURRENCY) {
          const batch = missing.slice(start, start + FETCH_CONCURRENCY);
          const texts = await Promise.all(batch.map(read));
          batch.forEach((key, i) => remember(key, texts[i] ?? ''));
        }
        // The posts about to be rendered become the most recently used: another request's bodies
        // arriving meanwhile push older ones out, not these.
        for (const post of posts) {
          const key = keyOf(post);
          const html = bodies.get(key);
          if (html !== undefined) remember(key, html);
        }
      },
    },
    safeContent: function publishedBodyOf(post) {
      const key = bodyOf.get(post);
      const html = key === undefined ? undefined : bodies.get(key);
      if (html === undefined) {
        throw new Error('a post reached a feed before its body was read from R2: the route did not prepare it');
      }
      return html;
    },
  };
}
