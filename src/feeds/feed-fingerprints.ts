/**
 * Which feeds changed between two versions of the data, for WebSub publishing: a hub is told about a
 * feed only when what a subscriber receives, its first page, is different.
 *
 * A feed's fingerprint is a hash of its first page as the renderers write it, in each format, so it
 * cannot drift from what is served: JSON Feed has no feed-level date, so an old post's edit that moves
 * the Atom `<updated>` leaves `feed.json` alone, and only the renderers know such things. Rendering
 * costs little more than the hash: post HTML is sanitised once per post object and shared with the
 * server (`safe-content.ts`). Pure: no clock (the caller passes `at`), no I/O; async only because
 * `crypto.subtle` is, which every runtime has.
 */
import type { Dataset, Site } from '../posts/index.ts';
import { renderAtom } from './atom.ts';
import { renderJsonFeed } from './json-feed.ts';
import { FEED_FILES, FEED_FORMATS, PublishedPosts, buildFeedModel, normalizeBaseUrl, siteScope, type FeedFormat, type FeedModel, type FeedScope } from './model.ts';
import { renderRss } from './rss.ts';
import type { SafeContent } from './safe-content.ts';
import { buildScopes, namedFeedScope } from './scopes.ts';

/** A version of the feeds, small enough to keep between runs as JSON. */
export interface FeedFingerprints {
  /** The base URL the feeds were rendered for: another one changes every feed URL. */
  baseUrl: string;
  /** Feed path below the base URL (`/rss.xml`, `/categories/company-news/atom.xml`) → fingerprint of its first page. */
  feeds: Record<string, string>;
}

export interface FingerprintOptions {
  baseUrl: string;
  /** Posts published by then count; a category or author with none yet has no feed. */
  at: Date;
  /** Each post's HTML as the feeds show it (see `buildFeedModel`). */
  safeContent: SafeContent;
}

const RENDERERS: Record<FeedFormat, (model: FeedModel) => string> = { rss: renderRss, atom: renderAtom, json: renderJsonFeed };

const encoder = new TextEncoder();
/** 64 bits of SHA-256, as the data version is shortened: a missed change would need a collision. */
async function digest(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  return Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Every feed scope with a published post at `at`: the main feeds, then categories and authors in order of first use. */
function feedScopes(dataset: Pick<Dataset, 'site' | 'posts'>, at: Date): FeedScope[] {
  const { site } = dataset;
  const scopes = [siteScope(site, new PublishedPosts(dataset).at(at))];
  const named = buildScopes(dataset);
  for (const kind of ['category', 'author'] as const) {
    for (const scope of named.bySlug[kind].values()) {
      const posts = scope.posts.at(at);
      if (posts.length) scopes.push(namedFeedScope(site, scope, posts));
    }
  }
  return scopes;
}

/** The first page of a scope's feed, as the server renders it for a reader that asks no `?limit`. */
const firstPage = (site: Site, scope: FeedScope, baseUrl: string, format: FeedFormat, safeContent: SafeContent): string =>
  RENDERERS[format](
    buildFeedModel(site, scope, { baseUrl, safeContent, ...(format === 'json' ? {} : { stylesheetUrl: `${baseUrl}/feed.xsl` }) }),
  );

/** The fingerprint of every feed in every format, main feeds first. */
export async function feedFingerprints(dataset: Pick<Dataset, 'site' | 'posts'>, options: FingerprintOptions): Promise<FeedFingerprints> {
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const feeds: Record<string, string> = {};
  for (const scope of feedScopes(dataset, options.at)) {
    for (const format of FEED_FORMATS) {
      feeds[`${scope.path}/${FEED_FILES[format]}`] = await digest(firstPage(dataset.site, scope, baseUrl, format, options.safeContent));
    }
  }
  return { baseUrl, feeds };
}

/** Every feed URL of a version, main feeds first. */
export const allFeedUrls = (fingerprints: FeedFingerprints): string[] =>
  Object.keys(fingerprints.feeds).map((path) => `${fingerprints.baseUrl}${path}`);

/**
 * The feed URLs whose first page differs in `next`, or is new; every feed when there is no previous
 * version or the base URL moved. A feed that is gone answers 404, so there is nothing for a hub to fetch
 * and it is not named.
 */
export function changedFeedUrls(previous: FeedFingerprints | undefined, next: FeedFingerprints): string[] {
  if (!previous || normalizeBaseUrl(previous.baseUrl) !== next.baseUrl) return allFeedUrls(next);
  return Object.entries(next.feeds)
    .filter(([path, fingerprint]) => !Object.hasOwn(previous.feeds, path) || previous.feeds[path] !== fingerprint)
    .map(([path]) => `${next.baseUrl}${path}`);
}
