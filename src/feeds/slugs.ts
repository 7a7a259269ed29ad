/**
 * Slugs for names a publisher writes freely (categories, authors): `Company News` → `company-news`,
 * `Anna Berg` → `anna-berg`, `医疗器械` → `医疗器械`. Letters of every script are kept, so a slug may hold
 * non-ASCII characters; links percent-encode them.
 */

/**
 * What a slug keeps: letters, digits, and the combining marks that some scripts cannot be written
 * without (Devanagari vowel signs: `हिन्दी` would otherwise fall apart into `ह-न-द`).
 */
const NOT_KEPT = /[^\p{L}\p{M}\p{N}]+/gu;

/**
 * The slug of a name: NFKC-normalised (full-width `Ｎｅｗｓ` is `news`, a decomposed `é` the composed one),
 * lower-cased without regard to locale, every run of anything else (spaces, punctuation, symbols)
 * turned into one `-`, none at either end. A name with no letters or digits at all (`+++`) has the empty
 * slug; {@link assignSlugs} gives it one.
 */
/** At most this many characters (code points); 100 CJK characters are 900 once percent-encoded. */
export const SLUG_MAX_CHARS = 100;

export function slugify(name: string): string {
  return shortened(name.normalize('NFKC').toLowerCase().replace(NOT_KEPT, '-').replace(/^-+|-+$/g, ''));
}

/**
 * A long name gives a long URL, and CJK triples in percent-encoding: cut at a hyphen where there is
 * one, so every link stays well inside the 2048 characters requests are held to.
 */
function shortened(slug: string): string {
  const chars = Array.from(slug);
  if (chars.length <= SLUG_MAX_CHARS) return slug;
  const cut = chars.slice(0, SLUG_MAX_CHARS).join('');
  const atHyphen = cut.lastIndexOf('-');
  return (atHyphen > SLUG_MAX_CHARS / 2 ? cut.slice(0, atHyphen) : cut).replace(/-+$/, '');
}

/** A slug for a name of symbols only: its code points in hex, so it is stable and readable in a URL. */
const symbolSlug = (name: string) =>
  shortened(Array.from(name.normalize('NFKC').replace(/\s+/g, ''), (c) => c.codePointAt(0)!.toString(16)).join('-')) ||
  'empty';

/**
 * Gives each distinct name its own slug. Names are never merged: `Company News` and `company news`,
 * or `R&D` and `R D`, are different strings, so they keep different pages and feeds. When names
 * collide, the one that was used first (in `names`' order: the caller passes them oldest use first)
 * keeps the plain slug, and the later ones get `-2`, `-3`, … in order of first use, skipping any slug
 * that another name has by itself. So a URL already published stays the same when a newer post
 * brings in a colliding spelling.
 * @param names - distinct names, in order of first use
 * @returns name → slug, and slug → name
 */
export function assignSlugs(names: Iterable<string>): { slugOf: Map<string, string>; nameOf: Map<string, string> } {
  const ordered = [...new Set(names)];
  const natural = new Map(ordered.map((name) => [name, slugify(name) || symbolSlug(name)]));
  // A slug one name has by right is never handed to another as a suffixed one.
  const reserved = new Set(natural.values());
  const slugOf = new Map<string, string>();
  const nameOf = new Map<string, string>();
  for (const name of ordered) {
    const plain = natural.get(name)!;
    let slug = plain;
    for (let n = 2; nameOf.has(slug) || (slug !== plain && reserved.has(slug)); n++) slug = `${plain}-${n}`;
    slugOf.set(name, slug);
    nameOf.set(slug, name);
  }
  return { slugOf, nameOf };
}
