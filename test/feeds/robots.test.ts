import { describe, expect, it } from 'vitest';
import { renderRobotsTxt } from '../../src/feeds/robots.ts';

describe('renderRobotsTxt', () => {
  it('allows every crawler everything and names the sitemap by its absolute URL', () => {
    expect(renderRobotsTxt({ baseUrl: 'https://news.example.com' })).toBe(
      'User-agent: *\nAllow: /\n\nSitemap: https://news.example.com/sitemap.xml\n',
    );
  });

  it('keeps the base path and drops a trailing slash', () => {
    expect(renderRobotsTxt({ baseUrl: 'https://example.com/news/' })).toContain('Sitemap: https://example.com/news/sitemap.xml\n');
  });

  it('has one rule line per field, as RFC 9309 parsers read them', () => {
    const lines = renderRobotsTxt({ baseUrl: 'https://news.example.com' }).split('\n').filter(Boolean);
    for (const line of lines) expect(line).toMatch(/^(User-agent|Allow|Sitemap): \S+$/);
  });
});
