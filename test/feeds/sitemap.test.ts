import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PublishedPosts } from '../../src/feeds/model.ts';
import { buildScopes } from '../../src/feeds/scopes.ts';
import {
  SITEMAP_NAMESPACE,
  buildSitemapModel,
  renderSitemap,
  renderSitemapPart,
  sitemapPartCount,
  sitemapUrls,
  type SitemapInput,
  type SitemapLimits,
} from '../../src/feeds/sitemap.ts';
import type { Dataset } from '../../src/posts/index.ts';
import { SCHEMAS, dataset, findProgram, postRecord, removeDir, run, skipped } from '../fixtures.ts';
import { childrenNamed, parseXml, textOf, xmlErrors, type XmlElement } from './parse.ts';

const BASE = 'https://news.example.com';
const AT = new Date('2024-06-01T00:00:00Z');

function inputOf(data: Dataset, at = AT, baseUrl = BASE): SitemapInput {
  return { baseUrl, posts: new PublishedPosts(data).at(at), scopes: buildScopes(data), at };
}

const newsroom = () =>
  dataset({
    posts: {
      first: postRecord({ title: 'First', published: '2024-01-10', categories: ['Company News'], authors: [{ name: 'Anna Berg' }] }),
      second: postRecord({
        title: 'Second',
        published: '2024-02-10',
        updated: '2024-02-11T09:30:00+01:00',
        categories: ['Company News', '医疗器械'],
      }),
      draft: postRecord({ title: 'Draft', published: '2024-03-01', draft: true, categories: ['Secret'] }),
      later: postRecord({ title: 'Later', published: '2030-01-01', categories: ['Future'], authors: [{ name: 'Future Person' }] }),
    },
  });

/** Many posts, so the split can be seen with a small limit. */
const manyPosts = (count: number) =>
  dataset({
    posts: Object.fromEntries(
      Array.from({ length: count }, (_, i) => [
        `post-${i + 1}`,
        postRecord({ title: `Post ${i + 1}`, published: new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10) }),
      ]),
    ),
  });

const NS = SITEMAP_NAMESPACE;
const entries = (root: XmlElement, name: 'url' | 'sitemap') =>
  childrenNamed(root, NS, name).map((entry) => ({
    loc: textOf(entry, NS, 'loc'),
    lastmod: childrenNamed(entry, NS, 'lastmod')[0]?.text,
  }));

describe('the sitemap of one file', async () => {
  const data = await newsroom();
  const xml = renderSitemap(buildSitemapModel(inputOf(data)));

  it('is a well-formed urlset in the sitemaps.org namespace', () => {
    expect(xmlErrors(xml)).toEqual([]);
    const root = parseXml(xml);
    expect(root.uri).toBe(NS);
    expect(root.local).toBe('urlset');
  });

  it('lists home, each published post, and each category and author with a published post', () => {
    expect(entries(parseXml(xml), 'url')).toEqual([
      { loc: `${BASE}/`, lastmod: '2024-02-11T08:30:00Z' },
      { loc: `${BASE}/posts/second/`, lastmod: '2024-02-11T08:30:00Z' },
      { loc: `${BASE}/posts/first/`, lastmod: '2024-01-10T00:00:00Z' },
      { loc: `${BASE}/categories/company-news/`, lastmod: '2024-02-11T08:30:00Z' },
      { loc: `${BASE}/categories/${encodeURIComponent('医疗器械')}/`, lastmod: '2024-02-11T08:30:00Z' },
      { loc: `${BASE}/authors/anna-berg/`, lastmod: '2024-01-10T00:00:00Z' },
      // The site's own author: posts that name none are the site's (as their feeds say).
      { loc: `${BASE}/authors/example-press-office/`, lastmod: '2024-02-11T08:30:00Z' },
    ]);
  });

  it('names no draft, no scheduled post and no name whose posts are all unpublished', () => {
    expect(xml).not.toMatch(/draft|later|secret|future/i);
  });

  it('lists a scheduled post, its category and author once they are due', async () => {
    const locs = sitemapUrls(inputOf(data, new Date('2030-01-02T00:00:00Z'))).map((url) => url.loc);
    expect(locs).toContain(`${BASE}/posts/later/`);
    expect(locs).toContain(`${BASE}/categories/future/`);
    expect(locs).toContain(`${BASE}/authors/future-person/`);
  });

  it('has no parts', () => {
    const model = buildSitemapModel(inputOf(data));
    expect(sitemapPartCount(model)).toBe(0);
    expect(renderSitemapPart(model, 1)).toBeUndefined();
  });

  it('keeps the base URL path and gives a home without posts no lastmod', async () => {
    const empty = await dataset();
    const urls = sitemapUrls(inputOf(empty, AT, 'https://example.com/news/'));
    expect(urls).toEqual([{ loc: 'https://example.com/news/' }]);
    expect(renderSitemap(buildSitemapModel(inputOf(empty)))).not.toContain('lastmod');
  });

  it('is the same bytes for the same data', async () => {
    expect(renderSitemap(buildSitemapModel(inputOf(await newsroom())))).toBe(xml);
  });
});

describe('a split sitemap', async () => {
  const data = await manyPosts(11); // 12 URLs with home, 13 with the site's author
  const limits: SitemapLimits = { maxUrls: 5 };
  const model = buildSitemapModel(inputOf(data), limits);

  it('becomes an index naming each part at the root, with the newest lastmod in it', () => {
    expect(sitemapPartCount(model)).toBe(3);
    const root = parseXml(renderSitemap(model));
    expect(root.local).toBe('sitemapindex');
    expect(entries(root, 'sitemap')).toEqual([
      { loc: `${BASE}/sitemap-1.xml`, lastmod: '2024-01-11T00:00:00Z' },
      { loc: `${BASE}/sitemap-2.xml`, lastmod: '2024-01-07T00:00:00Z' },
      { loc: `${BASE}/sitemap-3.xml`, lastmod: '2024-01-11T00:00:00Z' },
    ]);
  });

  it('puts every URL in exactly one part, in order, none over the limit', () => {
    const all = sitemapUrls(inputOf(data)).map((url) => url.loc);
    const fromParts = [1, 2, 3].flatMap((n) => {
      const part = parseXml(renderSitemapPart(model, n) ?? '');
      expect(part.local).toBe('urlset');
      const locs = entries(part, 'url').map((entry) => entry.loc);
      expect(locs.length).toBeLessThanOrEqual(5);
      return locs;
    });
    expect(fromParts).toEqual(all);
    expect(renderSitemapPart(model, 4)).toBeUndefined();
    expect(renderSitemapPart(model, 0)).toBeUndefined();
  });

  it('splits by bytes too', () => {
    const one = renderSitemapPart(buildSitemapModel(inputOf(data), { maxUrls: 5 }), 1) ?? '';
    const byBytes = buildSitemapModel(inputOf(data), { maxBytes: Buffer.byteLength(one) });
    for (let n = 1; n <= sitemapPartCount(byBytes); n++) {
      expect(Buffer.byteLength(renderSitemapPart(byBytes, n) ?? '')).toBeLessThanOrEqual(Buffer.byteLength(one));
    }
    expect(sitemapPartCount(byBytes)).toBe(3);
  });

  it('stays one file at exactly the limit', async () => {
    const exact = buildSitemapModel(inputOf(await manyPosts(3)), { maxUrls: 5 });
    expect(sitemapPartCount(exact)).toBe(0);
    expect(parseXml(renderSitemap(exact)).local).toBe('urlset');
  });
});

const xmllint = findProgram('xmllint');
describe.skipIf(!xmllint)(`sitemaps against the sitemaps.org schemas, by xmllint${skipped(!xmllint && 'xmllint (libxml2-utils) not installed')}`, () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await removeDir(dir);
  });
  const validate = async (xml: string, schema: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pressroom-sitemap-'));
    dirs.push(dir);
    const file = path.join(dir, 'sitemap.xml');
    await writeFile(file, xml);
    const result = await run(xmllint!, ['--noout', '--schema', path.join(SCHEMAS, schema), file]);
    return { code: result.code, output: result.stderr.trim() };
  };

  it('a urlset is valid against sitemap.xsd', async () => {
    const xml = renderSitemap(buildSitemapModel(inputOf(await newsroom())));
    expect(await validate(xml, 'sitemap.xsd')).toEqual({ code: 0, output: expect.stringMatching(/validates$/) });
  });

  it('an index is valid against siteindex.xsd, and each part against sitemap.xsd', async () => {
    const model = buildSitemapModel(inputOf(await manyPosts(11)), { maxUrls: 5 });
    expect(await validate(renderSitemap(model), 'siteindex.xsd')).toEqual({ code: 0, output: expect.stringMatching(/validates$/) });
    for (let n = 1; n <= sitemapPartCount(model); n++) {
      expect(await validate(renderSitemapPart(model, n) ?? '', 'sitemap.xsd')).toEqual({
        code: 0,
        output: expect.stringMatching(/validates$/),
      });
    }
  });

  it('the schema catches a broken sitemap (the check is real)', async () => {
    const broken = renderSitemap(buildSitemapModel(inputOf(await newsroom()))).replace('<lastmod>2024-01-10T00:00:00Z', '<lastmod>yesterday');
    expect((await validate(broken, 'sitemap.xsd')).code).not.toBe(0);
  });
});
