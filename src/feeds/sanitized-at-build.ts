import { safeContentWith } from './safe-content.ts';

/**
 * The worker's `#safe-content`: every post it serves was sanitised by `npm run build:data`, so
 * sanitize-html (a parser, a CSS parser and their tables) stays out of the bundle and out of the first
 * request. A post that reaches a feed without its build-time HTML is a bug of ours: say so loudly.
 */
export const safeContentOf = safeContentWith(() => {
  throw new Error('a post reached a feed without the HTML npm run build:data sanitised for it; the worker bundles no sanitiser');
});
