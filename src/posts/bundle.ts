import type { Asset, Dataset } from './load.ts';
import type { Post, Site } from './schema.ts';

/**
 * A validated dataset as plain JSON, for runtimes without a file system: `npm run build:data` writes
 * one, the worker reads it back. Validation happened at build time, so the worker only turns date
 * strings into dates and base64 into bytes: a cold start parses no schema.
 */
export interface DataBundle {
  format: 1;
  site: Site;
  posts: BundledPost[];
  assets: BundledAsset[];
  version: string;
}

type BundledPost = Omit<Post, 'published' | 'updated'> & { published: string; updated: string };
type BundledAsset = Omit<Asset, 'bytes'> & { base64: string };

export function bundleDataset(dataset: Dataset): DataBundle {
  return {
    format: 1,
    site: dataset.site,
    posts: dataset.posts.map((post) => ({
      ...post,
      published: post.published.toISOString(),
      updated: post.updated.toISOString(),
    })),
    assets: Array.from(dataset.assets.values(), ({ bytes, ...asset }) => ({ ...asset, base64: toBase64(bytes) })),
    version: dataset.version,
  };
}

export function datasetFromBundle(bundle: DataBundle): Dataset {
  return {
    site: bundle.site,
    posts: bundle.posts.map((post) => ({ ...post, published: new Date(post.published), updated: new Date(post.updated) })),
    assets: new Map(
      bundle.assets.map(({ base64, ...asset }) => [`/${asset.path}`, { ...asset, bytes: fromBase64(base64) }]),
    ),
    version: bundle.version,
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
