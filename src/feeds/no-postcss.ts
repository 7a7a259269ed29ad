/**
 * Stands in for postcss in the Node bundle (`npm run build:node` aliases the package to this file).
 * sanitize-html requires postcss when it loads, but calls it only to parse the CSS of `style`
 * attributes, which sanitize.ts never lets through (`parseStyleAttributes: false`, no `allowedStyles`).
 * Left out, postcss and source-map-js (a fifth of the bundle) are no longer compiled at every start.
 */
export function parse(): never {
  throw new Error('postcss is left out of this bundle: sanitize-html was asked to parse a style attribute, which sanitize.ts never allows');
}
