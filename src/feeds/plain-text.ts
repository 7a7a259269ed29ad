import { decodeEntities } from '../posts/entities.ts';

/** Comments, and elements whose text no reader sees. */
const UNSEEN = /<!--|<(script|style|template|noscript)\b/gi;

/**
 * Drops each comment and unseen element to its end, or to the end of the text when it has none. One
 * forward pass: a lazy regex to the closing tag rescans the rest of the text for every unclosed
 * opening (256 KB of `<script` took over a second, 40,000 `<!--` five).
 */
function dropUnseen(html: string): string {
  let out = '';
  let from = 0;
  UNSEEN.lastIndex = 0;
  for (let open = UNSEEN.exec(html); open; open = UNSEEN.exec(html)) {
    out += `${html.slice(from, open.index)} `;
    if (open[1] === undefined) {
      const end = html.indexOf('-->', UNSEEN.lastIndex);
      from = end === -1 ? html.length : end + 3;
    } else {
      const close = new RegExp(`</${open[1]}\\s*>`, 'ig');
      close.lastIndex = UNSEEN.lastIndex;
      from = close.exec(html) ? close.lastIndex : html.length;
    }
    UNSEEN.lastIndex = from;
  }
  return out + html.slice(from);
}

/**
 * Phrasing elements a browser lays out inside the line (HTML, "Phrasing content"), less those that draw
 * something of their own (`img`, `br`, form controls): their tags separate nothing, so `<b>budget</b>.`
 * reads "budget." and `un<i>believ</i>able` one word. Every other tag (a paragraph, a list item, a cell,
 * an unknown name) stands for a break, and becomes a space.
 */
const INLINE = new Set([
  'a', 'abbr', 'b', 'bdi', 'bdo', 'cite', 'code', 'data', 'del', 'dfn', 'em', 'font', 'i', 'ins', 'kbd',
  'mark', 'q', 'ruby', 'rp', 'rt', 's', 'samp', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'time',
  'tt', 'u', 'var', 'wbr',
]);

/** `<b>`, `</b>`, `<b class="x">`: the element's name in lower case, or `undefined` for a stray `<`. */
const tagName = (tag: string) => /^<\/?([a-z][a-z0-9-]*)/i.exec(tag)?.[1]?.toLowerCase();

/** The words a person reads in an HTML fragment, whitespace collapsed: no markup, no scripts. */
export function htmlToText(html: string): string {
  // `[^<>]`, not `[^>]`: an unclosed `<` stops at the next one instead of rescanning to the end.
  const text = dropUnseen(html).replace(/<[^<>]*>/g, (tag) => (INLINE.has(tagName(tag) ?? '') ? '' : ' '));
  return decodeEntities(text).replace(/\s+/g, ' ').trim();
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Plain text as HTML that shows exactly that text: the inverse of `htmlToText` for text without markup. */
export const textToHtml = (text: string): string => text.replace(/[&<>]/g, (c) => HTML_ESCAPES[c] ?? c);

/** A post's summary when it has none of its own: the first 280 characters of its (safe) content's text. */
export const defaultSummary = (html: string): string => excerpt(htmlToText(html));

/** At most `max` characters, cut at a word boundary with an ellipsis. */
export function excerpt(text: string, max = 280): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max - 1).join('');
  const atWord = cut.replace(/\s+\S*$/, '');
  return `${atWord.length > max / 2 ? atWord : cut}…`;
}
