import type { Asset, Dataset } from './load.ts';
import type { Post, Site } from './schema.ts';

/**
 * A validated dataset as `npm run publish` lays it out in an object store (R2), for a worker that
 * reads its data at run time instead of from its bundle, and reads of it only what a request needs:
 *
 * - `bodies/<hash>.html`: one post's content as feeds show it (sanitised);
 * - `media/<hash>`: one media file's bytes;
 * - `posts/<hash>.json`: the posts' other fields (title, summary, authors, the name of the body…),
 *   `CHUNK_POSTS` posts a part, oldest first, so a feed page reads one or two parts and a new post
 *   changes only the newest part;
 * - `outlines/<hash>.json`: each post's slug, dates and draft flag, `OUTLINE_POSTS` a part, oldest
 *   first: what lists, paging, counts and scheduled posts need of every post, and nothing more;
 * - `scopes/<hash>.json`: every category and author, its slug and its posts (as positions);
 * - `indexes/<hash>.json`: the manifest, small: the site, the media files, and the names of the parts;
 * - `current`: a few bytes naming the manifest being served. Written last, after everything it names,
 *   so a reader sees the old data or the new, never half a publish.
 *
 * Every object is named by the hash of its bytes and never changes once written: an unchanged post,
 * part or file is never uploaded again, and a worker still reading the previous manifest finds every
 * object it names. Positions count from the oldest post, so that they stay put as new posts come.
 * Nothing here knows R2 or a file system: the publish script and the worker bring those.
 */

export const INDEX_FORMAT = 2;
export const POINTER_KEY = 'current';
/** Posts in one part of the post fields: a feed page of 20 reads one part, or two across a border. */
export const CHUNK_POSTS = 100;
/** Posts in one part of the outline: an isolate reads every part, so few and large. */
export const OUTLINE_POSTS = 10_000;
export const bodyKey = (hash: string): string => `bodies/${hash}.html`;
export const mediaKey = (hash: string): string => `media/${hash}`;
export const indexKey = (hash: string): string => `indexes/${hash}.json`;

/** A post without its content: the name of its body object stands in for it. */
export type IndexedPost = Omit<Post, 'published' | 'updated' | 'content'> & { published: string; updated: string; body: string };
/** A media file without its bytes: the name of the object holding them stands in for them. */
export type IndexedAsset = Omit<Asset, 'bytes'> & { object: string };

/** What every post contributes to lists: columns, oldest first, one part of the outline. */
export interface PostOutline {
  slugs: string[];
  /** Milliseconds since the epoch. */
  published: number[];
  updated: number[];
  /** Positions in this part of the posts that are drafts. */
  drafts: number[];
}

/** A category or an author, as `buildScopes` names it. */
export interface PublishedScope {
  kind: 'category' | 'author';
  name: string;
  slug: string;
  /** Its posts, newest first, as positions from the oldest post (drafts left out, scheduled kept). */
  members: number[];
}

/** The manifest: `indexes/<hash>.json`. */
export interface PublishedIndex {
  format: typeof INDEX_FORMAT;
  site: Site;
  /** The data version, as Node computes it from the same folder. */
  version: string;
  /** `Dataset.modified` as ISO 8601, when the data has one. */
  modified?: string;
  /** Posts, drafts included. */
  count: number;
  chunkPosts: number;
  outlinePosts: number;
  /** `posts/…` parts, oldest first: part i holds positions i × chunkPosts onwards. */
  chunks: string[];
  /** `outlines/…` parts, oldest first. */
  outlines: string[];
  scopes: string;
  assets: IndexedAsset[];
  /**
   * Feeds and pages rendered when this was published (`rendered/<hash>` parts), by render key: the key
   * names the data version, the posts due then and the base URL, so a worker takes one only while it
   * would render the same. Their Last-Modified is here, not in the part: it follows the data's own
   * last change (any edit), while the part changes only with what the page shows.
   */
  rendered?: Record<string, PublishedRender>;
}

/** A feed or page rendered at publish: the part holding it, and its Last-Modified (ISO 8601). */
export interface PublishedRender {
  object: string;
  lastModified?: string;
}

/** What `current` holds. */
export interface CurrentPointer {
  /** INDEX_FORMAT; an older one names an index of an older layout, which the next publish replaces. */
  format: number;
  /** The key of the manifest being served. */
  index: string;
  version: string;
  /** When it was published, ISO 8601: for a person reading the bucket, not for the worker. */
  publishedAt: string;
  /**
   * Manifests `current` named before, newest first, with when each stopped being current: kept (with
   * what they name) until `npm run publish -- --prune` finds no worker can still be reading them.
   */
  replaced?: ReplacedIndex[];
}

/** A manifest that `current` no longer names. */
export interface ReplacedIndex {
  index: string;
  /** ISO 8601. */
  replacedAt: string;
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
  /**
   * The categories and authors (src/worker/precomputed-index.ts `scopeParts`), members as positions
   * in `dataset.posts`, newest first: worked out by the caller, since src/posts knows no feeds.
   */
  scopes: readonly { kind: 'category' | 'author'; name: string; slug: string; members: readonly number[] }[];
  /** Feeds and pages rendered ahead, by render key: as stored (src/http/serve.ts `renderedToBytes`), and their Last-Modified. */
  rendered?: ReadonlyMap<string, { bytes: Uint8Array; lastModified?: Date | undefined }>;
}

/** The manifest of a dataset, and every object it names with what goes in it. */
export interface IndexedDataset {
  index: PublishedIndex;
  /** Its key, `indexes/<hash>.json`, and its text. */
  key: string;
  text: string;
  /** The index's parts by key: JSON text (post fields, outline, scopes), bytes (rendered feeds). */
  parts: Map<string, string | Uint8Array>;
  /** The bodies each part of the post fields names, by the part's key. */
  chunkBodies: Map<string, string[]>;
  /** The body objects, by key: sanitised HTML. */
  bodies: Map<string, string>;
  /** The media objects, by key, with their bytes. */
  media: Map<string, Asset & { bytes: Uint8Array }>;
}

export function indexDataset(dataset: Dataset, options: IndexOptions): IndexedDataset {
  const bodies = new Map<string, string>();
  const media = new Map<string, Asset & { bytes: Uint8Array }>();
  const parts = new Map<string, string | Uint8Array>();
  /** `folder/<hash>.json`: named by the hash of its text, so an unchanged part keeps its name. */
  const part = (folder: string, value: unknown): string => {
    const text = JSON.stringify(value);
    const key = `${folder}/${options.hash(text)}.json`;
    parts.set(key, text);
    return key;
  };
  // Oldest first: positions stay put as new posts come, so only the newest parts change.
  const oldestFirst = [...dataset.posts].reverse();
  const count = oldestFirst.length;
  const indexed = oldestFirst.map((post): IndexedPost => {
    const safeContent = options.safeContentOf(post);
    const key = bodyKey(options.hash(safeContent));
    bodies.set(key, safeContent);
    const summary = post.summary ?? options.defaultSummary(safeContent);
    const { content: _content, ...rest } = post;
    return { ...rest, summary, published: post.published.toISOString(), updated: post.updated.toISOString(), body: key };
  });
  const chunks: string[] = [];
  const chunkBodies = new Map<string, string[]>();
  for (let start = 0; start < count; start += CHUNK_POSTS) {
    const chunk = indexed.slice(start, start + CHUNK_POSTS);
    const key = part('posts', chunk);
    chunks.push(key);
    chunkBodies.set(key, chunk.map((post) => post.body));
  }
  const outlines: string[] = [];
  for (let start = 0; start < count; start += OUTLINE_POSTS) {
    const slice = oldestFirst.slice(start, start + OUTLINE_POSTS);
    const outline: PostOutline = {
      slugs: slice.map((post) => post.slug),
      published: slice.map((post) => post.published.getTime()),
      updated: slice.map((post) => post.updated.getTime()),
      drafts: slice.flatMap((post, i) => (post.draft ? [i] : [])),
    };
    outlines.push(part('outlines', outline));
  }
  const scopes = part(
    'scopes',
    options.scopes.map(({ kind, name, slug, members }): PublishedScope => ({ kind, name, slug, members: members.map((i) => count - 1 - i) })),
  );
  const assets = Array.from(dataset.assets.values(), (asset): IndexedAsset => {
    const bytes = asset.bytes ?? options.bytesOf?.(asset);
    if (!bytes) throw new Error(`${asset.file}: no bytes to publish`);
    const key = mediaKey(options.hash(bytes));
    media.set(key, { ...asset, bytes });
    const { bytes: _bytes, stamp: _stamp, ...rest } = asset;
    return { ...rest, object: key };
  });
  const renderedPart = (bytes: Uint8Array): string => {
    const key = `rendered/${options.hash(bytes)}`;
    parts.set(key, bytes);
    return key;
  };
  const rendered = options.rendered?.size
    ? {
        rendered: Object.fromEntries(
          Array.from(options.rendered, ([renderKey, { bytes, lastModified }]): [string, PublishedRender] => [
            renderKey,
            { object: renderedPart(bytes), ...(lastModified ? { lastModified: lastModified.toISOString() } : {}) },
          ]),
        ),
      }
    : {};
  const index: PublishedIndex = {
    format: INDEX_FORMAT,
    site: dataset.site,
    version: dataset.version,
    ...(dataset.modified ? { modified: dataset.modified.toISOString() } : {}),
    count,
    chunkPosts: CHUNK_POSTS,
    outlinePosts: OUTLINE_POSTS,
    chunks,
    outlines,
    scopes,
    assets,
    ...rendered,
  };
  const text = JSON.stringify(index);
  return { index, key: indexKey(options.hash(text)), text, parts, chunkBodies, bodies, media };
}

/** Every object a manifest names but the bodies (its parts of the post fields name those). */
export function objectsOf(index: PublishedIndex): string[] {
  return [...index.chunks, ...index.outlines, index.scopes, ...index.assets.map((asset) => asset.object), ...Object.values(index.rendered ?? {}).map((render) => render.object)];
}

/** The manifest's text read back; an error that says what to run when another version wrote it. */
export function parseIndex(text: string): PublishedIndex {
  const index = JSON.parse(text) as PublishedIndex;
  // An index written by another version of the publish script: say what to run, not fail on a missing field.
  if (index.format !== INDEX_FORMAT) throw new Error(`the published index has format ${String(index.format)}, this worker reads ${INDEX_FORMAT}: run npm run publish`);
  return index;
}

/** Reads `current`'s text; undefined when it is not a pointer `npm run publish` wrote, of any layout. */
export function parsePointer(text: string): CurrentPointer | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { format, index, version, publishedAt, replaced } = value as Record<string, unknown>;
  if (typeof format !== 'number' || typeof index !== 'string' || typeof version !== 'string' || typeof publishedAt !== 'string') return undefined;
  const pointer: CurrentPointer = { format, index, version, publishedAt };
  if (replaced !== undefined) {
    if (!Array.isArray(replaced) || !replaced.every(isReplacedIndex)) return undefined;
    pointer.replaced = replaced.map(({ index: key, replacedAt }) => ({ index: key, replacedAt }));
  }
  return pointer;
}

const isReplacedIndex = (value: unknown): value is ReplacedIndex =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ReplacedIndex).index === 'string' &&
  typeof (value as ReplacedIndex).replacedAt === 'string' &&
  !Number.isNaN(Date.parse((value as ReplacedIndex).replacedAt));
