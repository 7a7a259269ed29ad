import { decodeEntities } from '../posts/entities.ts';
import { srcsetCandidates } from '../posts/srcset.ts';

/** URL-bearing attributes a feed reader would otherwise resolve against its own location, or not at all. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'poster', 'cite', 'action']);

/** An HTML start tag, its attribute values quoted or not (a `>` inside quotes does not end it). */
const START_TAG = /<[A-Za-z][^\s/>]*(?:\s+[^\s"'=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*\/?>/g;
const ATTRIBUTE = /(\s+)([^\s"'=/>]+)(\s*=\s*)("([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g;

/**
 * Resolves `url` against `base`; what cannot be parsed is left for the reader to judge.
 * @param siteRoot - the site's base URL: a root-relative `/media/a.png` means the site's root, which
 *   may sit below a path (`https://example.com/news`), as the loader reads it too
 */
export function absoluteUrl(url: string, base: string, siteRoot?: string): string {
  const trimmed = url.trim();
  try {
    if (siteRoot !== undefined && trimmed.startsWith('/') && !trimmed.startsWith('//')) {
      return new URL(`${siteRoot.replace(/\/+$/, '')}${trimmed}`).href;
    }
    return new URL(trimmed, base).href;
  } catch {
    return url; // not a URL we understand: leave the publisher's text as it is
  }
}

const encodeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/** `srcset="a.png 1x, b.png 2x"`: each candidate's URL resolved, its descriptors kept. */
const resolveSrcset = (srcset: string, base: string, siteRoot: string | undefined): string =>
  srcsetCandidates(srcset)
    .map(({ url, descriptors }) => [absoluteUrl(url, base, siteRoot), descriptors].filter(Boolean).join(' '))
    .join(', ');

/**
 * Makes every `href`, `src`, `srcset`, `poster` (and `cite`, `action`) in an HTML fragment absolute,
 * resolved against the post's own URL, because feed readers show content far from our site.
 */
export function absoluteUrlsInHtml(html: string, base: string, siteRoot?: string): string {
  return html.replace(START_TAG, (tag) =>
    tag.replace(ATTRIBUTE, (whole, space: string, name: string, equals: string, _quoted, dq?: string, sq?: string, bare?: string) => {
      const attribute = name.toLowerCase();
      if (attribute !== 'srcset' && !URL_ATTRIBUTES.has(attribute)) return whole;
      const value = decodeEntities(dq ?? sq ?? bare ?? '');
      if (attribute !== 'srcset' && /^\s*#/.test(value)) return whole; // in-page anchors stay in the page
      const resolved = attribute === 'srcset' ? resolveSrcset(value, base, siteRoot) : absoluteUrl(value, base, siteRoot);
      return `${space}${name}${equals}"${encodeAttribute(resolved)}"`;
    }),
  );
}
