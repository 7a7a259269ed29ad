import type { Asset, Dataset } from './load.ts';
import type { Post, Site } from './schema.ts';

/**
 * A validated dataset as plain JSON, for runtimes without a file system: `npm run build:data` writes
 * one, the worker reads it back. Validation and sanitising happened at build time, so the worker only
 * turns date strings into dates and base64 into bytes: a cold start parses no schema, and the first
 * feed runs no HTML sanitiser.
 */
export interface DataBundle {
  format: 3;
  site: Site;
  posts: BundledPost[];
  assets: BundledAsset[];
  version: string;
  /** `Dataset.modified` as ISO 8601, when the data has one. */
  modified?: string;
}

/**
 * A post, its dates as ISO 8601, its content only as feeds show it (`safeContent`, sanitised): the
 * worker never reads the content as written, and carrying both cost a tenth of the bundle.
 */
type BundledPost = Omit<Post, 'published' | 'updated' | 'content'> & { published: string; updated: string; safeContent: string };
type BundledAsset = Omit<Asset, 'bytes' | 'stamp'> & { base64: string };

export interface BundleOptions {
  /** A post's content as feeds and pages show it (src/feeds/sanitize.ts), stored beside the content. */
  safeContentOf: (post: Post) => string;
  /**
   * The summary a post without one of its own gets (src/feeds/plain-text.ts), stored as its summary:
   * the worker then never extracts text at request time, and every feed reads the same words.
   */
  defaultSummary?: (safeContent: string) => string;
  /** An asset's bytes where the dataset holds none (Node states media files and streams them). */
  bytesOf?: (asset: Asset) => Uint8Array;
}

export interface UnbundleOptions {
  /** Receives each post with the HTML sanitised for it at build time. */
  onSafeContent?: (post: Post, html: string) => void;
}

export function bundleDataset(dataset: Dataset, options: BundleOptions): DataBundle {
  return {
    format: 3,
    site: dataset.site,
    posts: dataset.posts.map((post) => {
      const safeContent = options.safeContentOf(post);
      const summary = post.summary ?? options.defaultSummary?.(safeContent);
      const { content: _content, ...rest } = post;
      return {
        ...rest,
        ...(summary !== undefined ? { summary } : {}),
        published: post.published.toISOString(),
        updated: post.updated.toISOString(),
        safeContent,
      };
    }),
    assets: Array.from(dataset.assets.values(), (asset) => {
      const { bytes: held, stamp: _stamp, ...rest } = asset;
      const bytes = held ?? options.bytesOf?.(asset);
      if (!bytes) throw new Error(`${asset.file}: no bytes to bundle`);
      return { ...rest, size: bytes.byteLength, base64: toBase64(bytes) };
    }),
    version: dataset.version,
    ...(dataset.modified ? { modified: dataset.modified.toISOString() } : {}),
  };
}

export function datasetFromBundle(bundle: DataBundle, options: UnbundleOptions = {}): Dataset {
  // A module written by another version of build:data: say what to run, not fail on a missing field.
  if (bundle.format !== 3) throw new Error('src/generated/data.ts was written by another version: run npm run build:data');
  const { onSafeContent } = options;
  return {
    site: bundle.site,
    posts: bundle.posts.map(({ safeContent, ...bundled }) => {
      // The safe HTML stands in for the content: sanitising it again gives it back unchanged.
      const post: Post = {
        ...bundled,
        content: safeContent,
        published: new Date(bundled.published),
        updated: new Date(bundled.updated),
      };
      onSafeContent?.(post, safeContent);
      return post;
    }),
    assets: new Map(
      bundle.assets.map(({ base64, ...asset }) => {
        const bytes = fromBase64(base64);
        return [`/${asset.path}`, { ...asset, size: bytes.byteLength, bytes }];
      }),
    ),
    version: bundle.version,
    ...(bundle.modified !== undefined ? { modified: new Date(bundle.modified) } : {}),
    warnings: [],
  };
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // In slices: String.fromCharCode(...all) overflows the stack on a large image.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
