import type { SafeContent } from '../feeds/safe-content.ts';
import { DataUnavailable, type DataSource } from '../http/app.ts';
import { bytesFrom, type MediaFiles } from '../http/media.ts';
import { renderedFromBytes, type Rendered } from '../http/serve.ts';
import { withIndex } from '../http/snapshot.ts';
import type { Asset, Dataset, Post } from '../posts/index.ts';
import {
  INDEX_FORMAT,
  POINTER_KEY,
  parseIndex,
  parsePointer,
  type IndexedPost,
  type PostOutline,
  type PublishedRender,
  type PublishedIndex,
  type PublishedScope,
} from '../posts/published-index.ts';
import { precomputedIndex } from './precomputed-index.ts';

/**
 * What the worker uses of an R2 binding: reads. Workers' `R2Bucket` has this shape; tests hand in a
 * map with the same.
 */
export interface DataBucket {
  get(key: string): Promise<{ text(): Promise<string>; arrayBuffer(): Promise<ArrayBuffer> } | null>;
}

/** How often an isolate asks R2 whether a newer index was published, by default. */
export const RECHECK_MS = 10_000;
/** How long a request waits on an index read another request started before it reads it itself. */
const STALLED_MS = 15_000;
/** Post bodies an isolate keeps between requests, by default: far more than any page shows. */
export const BODY_CACHE_LIMIT = 4_000;
/** Parts of the post fields an isolate keeps (100 posts each), by default. */
export const CHUNK_CACHE_LIMIT = 64;
/** R2 reads in flight at once while fetching a page's bodies. */
const FETCH_CONCURRENCY = 16;

export interface R2DataOptions {
  bucket: DataBucket;
  /** Milliseconds, injectable so tests move past the re-check interval without waiting. */
  now?: () => number;
  /** The pointer is read again at most this often; 0: before every request. */
  recheckMs?: number;
  bodyCacheLimit?: number;
  chunkCacheLimit?: number;
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
  /**
   * A feed or page `npm run publish` rendered for the index being served, by render key; undefined
   * when it rendered none for that key (another base URL, a scheduled post due since, another page).
   */
  renderedAtPublish(key: string): Promise<Rendered | undefined>;
  /** The media files, each read from R2 on its first request and kept while the index served names it. */
  media: MediaFiles;
}

/** The fields of a post that live in its part of the post fields, read when a render shows it. */
const DETAIL_FIELDS = ['title', 'id', 'summary', 'authors', 'categories', 'image', 'attachments', 'language', 'file'] as const;

/**
 * A post as the outline describes it: what lists, paging and scheduling need, held for every post;
 * the rest is read from its part of the post fields (`prepare`) only when a render shows it.
 */
class OutlinedPost {
  constructor(
    readonly slug: string,
    readonly published: Date,
    readonly updated: Date,
    readonly draft: boolean,
    /** From the oldest post: where its fields are. */
    readonly position: number,
    readonly fields: (position: number) => IndexedPost,
  ) {}

  /** The content is its body object, which the safe content reads. */
  get content(): string {
    return '';
  }
}
for (const field of DETAIL_FIELDS) {
  Object.defineProperty(OutlinedPost.prototype, field, {
    get(this: OutlinedPost) {
      return this.fields(this.position)[field];
    },
  });
}

const outlined = (post: Post): OutlinedPost => {
  if (!(post instanceof OutlinedPost)) throw new Error(`the post "${post.slug}" is not from the published index`);
  return post;
};

/**
 * Data published to R2 by `npm run publish` (src/posts/published-index.ts). Per data version an
 * isolate reads the small manifest, the outline (each post's slug, dates and draft flag) and the
 * scopes, and builds the index from them as they are; a post's other fields and its body are read only
 * when a render shows it (`prepare`, which the app awaits before rendering), then kept by object name,
 * so the next version reuses whatever did not change.
 */
export function r2Data(options: R2DataOptions): R2Data {
  const { bucket } = options;
  const now = options.now ?? (() => Date.now());
  const recheckMs = options.recheckMs ?? RECHECK_MS;
  let dataset: Dataset | undefined;
  let indexName: string | undefined;
  /** The served index's renders made at publish, by render key: their part and Last-Modified. */
  let rendered = new Map<string, PublishedRender>();
  let checkedAt = -Infinity;
  /** The first read of an index, which the requests arriving meanwhile wait for (see `refresh`). */
  let firstRead: Promise<void> | undefined;
  /** When the re-check under way started: the requests meanwhile serve the index read before. */
  let recheckingSince: number | undefined;
  /** Each media file's object, for the assets of the versions read. */
  const mediaObjects = new WeakMap<Asset, string>();
  /**
   * The media files read, by object name: those the index served names. Only bytes read to the end are
   * kept: a read one request started is never awaited by another, which the runtime may cancel.
   */
  const mediaBytes = new Map<string, Uint8Array>();
  /** The outline parts and scopes of the version served, parsed, by object name. */
  let previous = new Map<string, unknown>();
  const bodies = new LeastRecentlyUsed<string>(options.bodyCacheLimit ?? BODY_CACHE_LIMIT);
  const chunks = new LeastRecentlyUsed<IndexedPost[]>(options.chunkCacheLimit ?? CHUNK_CACHE_LIMIT);
  /**
   * Each shown post's fields, by part and place: as many as bodies, so a render never loses the fields
   * of a post it prepared to a small part cache (a category's page may show posts of 20 parts).
   */
  const postFields = new LeastRecentlyUsed<IndexedPost>(options.bodyCacheLimit ?? BODY_CACHE_LIMIT);
  const fieldsKey = (index: PublishedIndex, position: number) =>
    `${index.chunks[Math.floor(position / index.chunkPosts)] ?? ''}#${position % index.chunkPosts}`;
  /** Each loaded version's manifest, by the fields function its posts carry. */
  const manifests = new WeakMap<object, PublishedIndex>();

  /** An object the published index names, read `as` it says; a failed read or a missing object is `DataUnavailable`. */
  const readAs = async <T>(key: string, as: (object: { text(): Promise<string>; arrayBuffer(): Promise<ArrayBuffer> }) => Promise<T>): Promise<T> => {
    let object;
    try {
      object = await bucket.get(key);
      if (object) return await as(object);
    } catch (error) {
      throw new DataUnavailable(`reading ${key} from R2 failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    throw new DataUnavailable(`R2 has no ${key}, which the published index names`);
  };
  const read = (key: string): Promise<string> => readAs(key, (object) => object.text());
  const readBytes = async (key: string): Promise<Uint8Array> => new Uint8Array(await readAs(key, (object) => object.arrayBuffer()));
  const readAll = async <T>(keys: readonly string[], each: (key: string, text: string) => T): Promise<T[]> => {
    const results: T[] = [];
    for (let start = 0; start < keys.length; start += FETCH_CONCURRENCY) {
      const batch = keys.slice(start, start + FETCH_CONCURRENCY);
      const texts = await Promise.all(batch.map(read));
      batch.forEach((key, i) => results.push(each(key, texts[i] ?? '')));
    }
    return results;
  };

  const chunkKeyOf = (post: OutlinedPost): string => {
    const index = manifests.get(post.fields);
    const key = index?.chunks[Math.floor(post.position / index.chunkPosts)];
    if (key === undefined) throw new Error(`the post "${post.slug}" has no part in its published index`);
    return key;
  };

  const fieldsKeyOf = (post: OutlinedPost): string => {
    const index = manifests.get(post.fields);
    if (!index) throw new Error(`the post "${post.slug}" is not from a published index this isolate read`);
    return fieldsKey(index, post.position);
  };

  const load = async (): Promise<void> => {
    const pointerObject = await bucket.get(POINTER_KEY);
    if (!pointerObject) return;
    const pointer = parsePointer(await pointerObject.text());
    if (!pointer) throw new Error(`R2's ${POINTER_KEY} is not a pointer npm run publish wrote`);
    if (pointer.index === indexName) return;
    if (pointer.format !== INDEX_FORMAT) throw new Error(`R2 holds data published in layout ${pointer.format}, this worker reads ${INDEX_FORMAT}: run npm run publish`);
    const index = parseIndex(await read(pointer.index));
    // What the previous version shares with this one (same name, same bytes) is not read again.
    const kept = new Map<string, unknown>();
    const reuse = <T>(key: string, get: () => Promise<T>): Promise<T> =>
      (previous.has(key) ? Promise.resolve(previous.get(key) as T) : get()).then((value) => {
        kept.set(key, value);
        return value;
      });
    const [outlines, scopes] = await Promise.all([
      Promise.all(index.outlines.map((key) => reuse(key, async () => JSON.parse(await read(key)) as PostOutline))),
      reuse(index.scopes, async () => JSON.parse(await read(index.scopes)) as PublishedScope[]),
    ]);
    previous = kept;
    const fields = (position: number): IndexedPost => {
      const post = postFields.peek(fieldsKey(index, position));
      if (!post) throw new Error('a post reached a render before its fields were read from R2: the route did not prepare it');
      return post;
    };
    manifests.set(fields, index);
    // Newest first, as the loader sorts them: the outline is oldest first.
    const posts = new Array<Post>(index.count);
    let position = 0;
    for (const outline of outlines) {
      const drafts = new Set(outline.drafts);
      for (let i = 0; i < outline.slugs.length; i++, position++) {
        const post = new OutlinedPost(outline.slugs[i] ?? '', new Date(outline.published[i] ?? 0), new Date(outline.updated[i] ?? 0), drafts.has(i), position, fields);
        posts[index.count - 1 - position] = post as unknown as Post;
      }
    }
    if (position !== index.count) throw new Error(`the published index counts ${index.count} posts, its outline ${position}`);
    // Media files are read when first asked for (`media`), and kept while an index names them.
    const assets = new Map<string, Asset>();
    const named = new Set<string>();
    for (const { object, ...asset } of index.assets) {
      assets.set(`/${asset.path}`, asset);
      mediaObjects.set(asset, object);
      named.add(object);
    }
    for (const object of mediaBytes.keys()) if (!named.has(object)) mediaBytes.delete(object);
    const loaded: Dataset = {
      site: index.site,
      posts,
      assets,
      version: index.version,
      ...(index.modified !== undefined ? { modified: new Date(index.modified) } : {}),
      warnings: [],
    };
    const last = index.count - 1;
    withIndex(loaded, precomputedIndex(posts, scopes.map((scope) => ({ ...scope, members: scope.members.map((p) => last - p) }))));
    dataset = loaded;
    indexName = pointer.index;
    rendered = new Map(Object.entries(index.rendered ?? {}));
  };

  return {
    source: {
      current() {
        if (!dataset) throw new Error('nothing has been published to R2 yet');
        return dataset;
      },
      loaded: () => dataset !== undefined,
      async refresh() {
        if (dataset) {
          // One re-check at a time (unless one has taken so long that the request running it must
          // have ended: Workers cancel what a request started when it ends); the rest serve meanwhile.
          const at = now();
          if (at - checkedAt < recheckMs || (recheckingSince !== undefined && at - recheckingSince < STALLED_MS)) return;
          checkedAt = recheckingSince = at;
          try {
            await load();
          } catch (error) {
            // A failed read must not take the site down while an older index serves well.
            console.error('Reading the published index from R2 failed; serving the one read before:', error);
          } finally {
            if (recheckingSince === at) recheckingSince = undefined;
          }
          return;
        }
        // Nothing read yet: the requests of a cold isolate share one read (an index of 100,000 posts
        // takes some 40 MB while it is parsed). One that waits on another request's read stops waiting
        // after STALLED_MS and reads it itself: that request may have ended, and its read with it.
        if (!firstRead) {
          checkedAt = now();
          const reading = load().finally(() => {
            if (firstRead === reading) firstRead = undefined;
          });
          firstRead = reading;
          return reading;
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), STALLED_MS)));
        const outcome = await Promise.race([firstRead.then(() => 'read' as const), stalled]).finally(() => clearTimeout(timer));
        if (outcome === 'stalled' && !dataset) await load();
      },
      async prepare(shown) {
        const posts = shown.map(outlined);
        const missing = posts.filter((post) => !postFields.has(fieldsKeyOf(post)));
        const chunkKeys = [...new Set(missing.map(chunkKeyOf))];
        const read = new Map<string, IndexedPost[]>();
        for (const key of chunkKeys) {
          const cached = chunks.peek(key);
          if (cached) read.set(key, cached);
        }
        await readAll(chunkKeys.filter((key) => !read.has(key)), (key, text) => {
          const chunk = JSON.parse(text) as IndexedPost[];
          chunks.set(key, chunk);
          read.set(key, chunk);
        });
        // The posts about to be rendered become the most recently used: another request's arriving
        // meanwhile push older ones out, not these.
        for (const post of posts) {
          const key = fieldsKeyOf(post);
          const found = postFields.peek(key) ?? read.get(chunkKeyOf(post))?.[post.position % (manifests.get(post.fields)?.chunkPosts ?? 1)];
          if (!found) throw new Error(`R2's part ${chunkKeyOf(post)} has no post at ${post.position}`);
          postFields.set(key, found);
        }
        const bodyKeys = [...new Set(posts.map((post) => post.fields(post.position).body))];
        await readAll(bodyKeys.filter((key) => !bodies.has(key)), (key, html) => bodies.set(key, html));
        for (const key of bodyKeys) bodies.touch(key);
      },
    },
    async renderedAtPublish(key) {
      const render = rendered.get(key);
      if (render === undefined) return undefined;
      const stored = renderedFromBytes(await readBytes(render.object));
      return render.lastModified === undefined ? stored : { ...stored, lastModified: new Date(render.lastModified) };
    },
    media: bytesFrom(async (asset) => {
      const object = mediaObjects.get(asset);
      if (object === undefined) return undefined;
      let bytes = mediaBytes.get(object);
      if (!bytes) mediaBytes.set(object, (bytes = await readBytes(object)));
      return bytes;
    }),
    safeContent: function publishedBodyOf(post) {
      const fields = post instanceof OutlinedPost ? postFields.peek(fieldsKeyOf(post)) : undefined;
      const html = fields ? bodies.peek(fields.body) : undefined;
      if (html === undefined) {
        throw new Error('a post reached a feed before its body was read from R2: the route did not prepare it');
      }
      return html;
    },
  };
}

/** A bounded map whose least recently used entries go first when it is full. */
class LeastRecentlyUsed<V> {
  readonly #entries = new Map<string, V>();
  constructor(readonly limit: number) {}

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** The value, without marking it used. */
  peek(key: string): V | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.limit) break;
      this.#entries.delete(oldest);
    }
  }

  /** Marks the entry most recently used (Map iteration order is insertion order). */
  touch(key: string): void {
    const value = this.#entries.get(key);
    if (value !== undefined) this.set(key, value);
  }
}
