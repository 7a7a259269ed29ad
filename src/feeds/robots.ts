/**
 * `/robots.txt`: every crawler may fetch everything, and the sitemap is named for those that look here
 * first. Pure text from the base URL.
 */
import { sitemapUrl } from './sitemap.ts';

export interface RobotsModel {
  /** The site's public base URL; the `Sitemap:` line needs it absolute. */
  baseUrl: string;
}

/**
 * RFC 9309 §2.2: one group for every user agent with one `allow` rule for every path; sitemaps.org,
 * "Specifying the Sitemap location in your robots.txt file": `Sitemap:` takes the full URL and stands
 * outside any group.
 *
 * Crawlers read robots.txt at the root of a host only (RFC 9309 §2.3): a site whose base URL has a path
 * (`https://example.com/news`) serves this file at `/news/robots.txt`, where its `Sitemap:` line is
 * for the host's own robots.txt to copy.
 */
export function renderRobotsTxt(model: RobotsModel): string {
  return ['User-agent: *', 'Allow: /', '', `Sitemap: ${sitemapUrl(model.baseUrl)}`, ''].join('\n');
}
