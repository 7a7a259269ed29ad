import type { SafeContent } from '../feeds/safe-content.ts';
import { withIndex } from '../http/snapshot.ts';
import { datasetFromBundle, type DataBundle } from '../posts/bundle.ts';
import type { Dataset } from '../posts/index.ts';
import { precomputedIndex, type ScopeParts } from './precomputed-index.ts';

/**
 * The worker's data: the bundle `npm run build:data` wrote, and each post's HTML as it was sanitised
 * there. sanitize-html (a parser, a CSS parser and their tables) stays out of the worker's bundle and
 * out of its first request. A post that reaches a feed without its build-time HTML is a bug of ours:
 * the safe content says so loudly rather than serve HTML nobody sanitised.
 * @param [scopes] - the categories and authors build:data worked out: the first request then builds no index
 */
export function bundledData(bundle: DataBundle, scopes?: readonly ScopeParts[]): { dataset: Dataset; safeContent: SafeContent } {
  const sanitizedAtBuild = new WeakMap<object, string>();
  const dataset = datasetFromBundle(bundle, { onSafeContent: (post, html) => sanitizedAtBuild.set(post, html) });
  if (scopes) withIndex(dataset, precomputedIndex(dataset.posts, scopes));
  return {
    dataset,
    safeContent: function sanitizedAtBuildOf(post) {
      const html = sanitizedAtBuild.get(post);
      if (html === undefined) {
        throw new Error('a post reached a feed without the HTML npm run build:data sanitised for it; the worker bundles no sanitiser');
      }
      return html;
    },
  };
}
