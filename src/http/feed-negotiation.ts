import { FEED_FORMATS, FEED_MEDIA_TYPES, type FeedFormat } from '../feeds/model.ts';
import { weightedValues } from './negotiation.ts';

/**
 * The media types each format answers to: its own, then the generic ones a client may name instead
 * (`application/json` for a script that wants JSON; `application/xml`, `text/xml` for RSS, the default).
 */
const ANSWERS_TO: Record<FeedFormat, readonly string[]> = {
  rss: [FEED_MEDIA_TYPES.rss, 'application/xml', 'text/xml'],
  atom: [FEED_MEDIA_TYPES.atom],
  json: [FEED_MEDIA_TYPES.json, 'application/json'],
};

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const { value, q } of weightedValues(accept)) {
    const match = /^([\w!#$%&'*+.^`|~-]+)\/([\w!#$%&'*+.^`|~-]+)$/.exec(value);
    if (!match) continue; // not a media range: ignore it, as RFC 9110 §12.5.1 allows
    ranges.push({ type: match[1]!.toLowerCase(), subtype: match[2]!.toLowerCase(), q });
  }
  return ranges;
}

/** RFC 9110 §12.5.1: the weight of a media type is that of the most specific range matching it. */
function matchOf(mediaType: string, ranges: readonly MediaRange[]): { specificity: number; q: number } {
  const [type, subtype] = mediaType.split('/');
  let best = { specificity: -1, q: 0 };
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype ? 2 : range.type === type && range.subtype === '*' ? 1 : range.type === '*' && range.subtype === '*' ? 0 : -1;
    if (specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best;
}

const weightOf = (mediaType: string, ranges: readonly MediaRange[]) => matchOf(mediaType, ranges).q;

/**
 * A format's weight: its own type's when Accept names that type; else the best of its types' weights,
 * the most specific match first, so `application/rss+xml;q=0, *\/*` refuses RSS even though `*\/*`
 * would take its alias `application/xml`.
 */
function formatWeight(format: FeedFormat, ranges: readonly MediaRange[]): number {
  const [own, ...aliases] = ANSWERS_TO[format];
  const ownMatch = matchOf(own!, ranges);
  if (ownMatch.specificity === 2) return ownMatch.q;
  let best = ownMatch;
  for (const alias of aliases) {
    const match = matchOf(alias, ranges);
    if (match.specificity > best.specificity || (match.specificity === best.specificity && match.q > best.q)) best = match;
  }
  return best.q;
}

/**
 * Which feed format `/feed` answers with: the one Accept weighs highest, RSS when there is no Accept
 * or a tie (our order: RSS, Atom, JSON Feed), `undefined` when every format is refused (406).
 * @example chooseFeedFormat('application/atom+xml, application/rss+xml;q=0.5') // 'atom'
 */
export function chooseFeedFormat(accept: string | null | undefined): FeedFormat | undefined {
  if (!accept?.trim()) return 'rss';
  const ranges = parseAccept(accept);
  if (!ranges.length) return 'rss'; // nothing we can read: as if there were no Accept
  let chosen: FeedFormat | undefined;
  let chosenQ = 0;
  for (const format of FEED_FORMATS) {
    const q = formatWeight(format, ranges);
    if (q > chosenQ) [chosen, chosenQ] = [format, q];
  }
  return chosen;
}

/**
 * Whether a request for an RSS or Atom feed comes from a browser that wants a page: Accept weighs
 * `text/html` above the feed's own type (Chromium sends `text/html,…,*\/*;q=0.8`; feed readers name
 * feed types or only `*\/*`). Chromium shows `application/rss+xml` and `application/atom+xml` as plain
 * text and applies `<?xml-stylesheet?>` only to XML types, so a browser gets the same bytes as
 * `application/xml`.
 */
export function wantsBrowserView(accept: string | null | undefined, format: 'rss' | 'atom'): boolean {
  if (!accept) return false;
  const ranges = parseAccept(accept);
  return weightOf('text/html', ranges) > weightOf(FEED_MEDIA_TYPES[format], ranges);
}
