import type { Asset, Dataset } from './load.ts';
import type { Post, Site } from './schema.ts';

/**
 * A validated dataset as `npm run publish` lays it out in an object store (R2), for a worker that
 * reads its data at run time instead of from its bundle:
 *
 * - `bodies/<hash>.html`: one post's content as feeds show it (sanitised), named by the hash of those
 *   bytes, so an unchanged post is never uploaded again and a body never changes once written;
 * - `media/<hash>`: one media file's bytes, named the same way;
 * - `indexes/<hash>.json`: everything but the bodies (the site, every post's other fields and the name
 *   of its body, the media files), which lists, paging, scopes and feeds' other fields need;
 * - `current`: a few bytes naming the index being served. Written last, after everything it names, so
 *   a reader sees the old data or the new, never half a publish.
 *
 * Nothing here knows R2 or a file system: the publish script and the worker bring those.
 */

export const INDEX_FORMAT = 1;
export const POINTER_KEY = 'current';
export const bodyKey = (hash: string): string => `bodies/${hash}.html`;
export const mediaKey = (hash: string): string => `media/${hash}`;
export const indexKey = (hash: string): string => `indexes/${hash}.json`;

/** A post without its content: the name of its body object stands in for it. */
export type IndexedPost = Omit<Post, 'published' | 'updated' | 'content'> & { published: string; updated: string; body: string };
/** A media file without its bytes: the name of the object holding them stands in for them. */
export type IndexedAsset = Omit<Asset, 'bytes'> & { object: string };

export interface PublishedIndex {
  format: typeof INDEX_FORMAT;
  site: Site;
  posts: IndexedPost[];
  assets: IndexedAsset[];
  /** The data version, as Node computes it from the same folder. */
  version: string;
  /** `Dataset.modified` as ISO 8601, when the data has one. */
  modified?: string;
}

/** What `current` holds. */
export interface CurrentPointer {
  format: typeof INDEX_FORMAT;
  /** The key of the index being served. */
  index: string;
  version: string;
  /** When it was published, ISO 8601: for a person reading the bucket, not for the worker. */
  publishedAt: string;
}

export interface IndexOptions {
  /** A post's content as feeds and pages show it (src/feeds/sanitize.ts). */
  safeContentOf: (post: Post) => string;
  /** The summary a post without one gets (src/feeds/plain-text.ts), stored as its summary, as in the bundle. */
  defaultSummary: (safeContent: string) => string;
  /** A content hash, as hex, of text or bytes: the object names. */
  hash: (content: string | Uint8Array) => string;
  /** A media file's bytes, where the dataset holds none (Node states media files, never reads them). */
  bytesOf?: (asset: Asset) => Uint8Array;
}

/** The index of a dataset, and every object it names with what goes in it. */
export interface IndexedDataset {
  index: PublishedIndex;
  /** The body objects, by key: sanitised HTML. */
  bodies: Map<string, string>;
  /** The media objects, by key, with their bytes. */
  media: Map<string, Asset & { bytes: Uint8Array }>;
}

export function indexDataset(dataset: Dataset, options: IndexOptions): IndexedDataset {
  const bodies = new Map<string, string>();
  const media = new Map<string, Asset & { bytes: Uint8Array }>();
  const posts = dataset.posts.map((post): IndexedPost => {
    const safeContent = options.safeContentOf(post);
    const key = bodyKey(options.hash(safeContent));
    bodies.set(key, safeContent);
    const summary = post.summary ?? options.defaultSummary(safeContent);
    const { content: _content, ...rest } = post;
    return { ...rest, summary, published: post.published.toISOString(), updated: post.updated.toISOString(), body: key };
  });
  const assets = Array.from(dataset.assets.values(), (asset): IndexedAsset => {
    const bytes = asset.bytes ?? options.bytesOf?.(asset);
    if (!bytes) throw new Error(`${asset.file}: no bytes to publish`);
    const key = mediaKey(options.hash(bytes));
    media.set(key, { ...asset, bytes });
    const { bytes: _bytes, stamp: _stamp, ...rest } = asset;
    return { ...rest, object: key };
  });
  return {
    index: {
      format: INDEX_FORMAT,
      site: dataset.site,
      posts,
      assets,
      version: dataset.version,
      ...(dataset.modified ? { modified: dataset.modified.toISOString() } : {}),
    },
    bodies,
    media,
  };
}

export interface FromIndexOptions {
  /** The bytes of each media object the index names. */
  media: ReadonlyMap<string, Uint8Array>;
  /** Receives each post with the key of its body object. */
  onPost: (post: Post, body: string) => void;
}

/**
 * The dataset an index describes. A post's `content` is empty: its body lives in its own object and
 * reaches feeds through the safe content the reader builds with `onPost`.
 */
export function datasetFromIndex(index: PublishedIndex, options: FromIndexOptions): Dataset {
  // An index written by another version of the publish script: say what to run, not fail on a missing field.
  if (index.format !== INDEX_FORMAT) throw new Error(`the published index has format ${String(index.format)}, this worker reads ${INDEX_FORMAT}: run npm run publish`);
  const assets = new Map<string, Asset>();
  for (const { object, ...asset } of index.assets) {
    const bytes = options.media.get(object);
    if (!bytes) throw new Error(`the published index names ${object}, which was not read`);
    assets.set(`/${asset.path}`, { ...asset, bytes });
  }
  return {
    site: index.site,
    posts: index.posts.map(({ body, ...indexed }) => {
      const post: Post = { ...indexed, content: '', published: new Date(indexed.published), updated: new Date(indexed.updated) };
      options.onPost(post, body);
      return post;
    }),
    assets,
    version: index.version,
    ...(index.modified !== undefined ? { modified: new Date(index.modified) } : {}),
    warnings: [],
  };
}

/** Reads `current`'s text; undefined when it is not a pointer this code wrote. */
export function parsePointer(text: string): CurrentPointer | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { format, index, version, publishedAt } = value as Record<string, unknown>;
  if (format !== INDEX_FORMAT || typeof index !== 'string' || typeof version !== 'string' || typeof publishedAt !== 'string') return undefined;
  return { format, index, version, publishedAt };
}
