import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderOpml, type OpmlInput } from '../../src/feeds/opml.ts';
import { buildScopes } from '../../src/feeds/scopes.ts';
import type { Dataset } from '../../src/posts/index.ts';
import { dataset, findProgram, postRecord, removeDir, run, siteRecord, skipped } from '../fixtures.ts';
import { parseXml, xmlErrors, type XmlElement } from './parse.ts';

const BASE = 'https://news.example.com';
const AT = new Date('2024-06-01T00:00:00Z');

const inputOf = (data: Dataset, at = AT): OpmlInput => ({ site: data.site, baseUrl: BASE, scopes: buildScopes(data), at });

const newsroom = () =>
  dataset({
    site: siteRecord({ title: 'Example & Co News' }),
    posts: {
      first: postRecord({ published: '2024-01-10', categories: ['Company News'], authors: [{ name: 'Anna Berg' }] }),
      second: postRecord({ published: '2024-02-10', categories: ['医疗器械'] }),
      later: postRecord({ published: '2030-01-01', categories: ['Future'] }),
      draft: postRecord({ published: '2024-03-01', categories: ['Secret'], draft: true }),
    },
  });

const FEEDS = (path: string) => [`${BASE}${path}/rss.xml`, `${BASE}${path}/atom.xml`, `${BASE}${path}/feed.json`];
const EXPECTED_FEEDS = [
  ...FEEDS(''),
  ...FEEDS('/categories/company-news'),
  ...FEEDS(`/categories/${encodeURIComponent('医疗器械')}`),
  ...FEEDS('/authors/anna-berg'),
  ...FEEDS('/authors/example-press-office'),
];

/** Every outline with an xmlUrl, wherever it sits. */
const outlinesBelow = (parent: XmlElement): XmlElement[] =>
  parent.children.flatMap((child) => (child.local === 'outline' ? [...(child.attributes.xmlUrl ? [child] : []), ...outlinesBelow(child)] : []));
const feedOutlines = (opml: XmlElement): XmlElement[] => outlinesBelow(opml.children.find((child) => child.local === 'body')!);

describe('renderOpml', async () => {
  const data = await newsroom();
  const xml = renderOpml(inputOf(data));

  it('is well-formed OPML 2.0: opml version="2.0" with a head and a body, no namespace', () => {
    expect(xmlErrors(xml)).toEqual([]);
    const root = parseXml(xml);
    expect(root).toMatchObject({ local: 'opml', uri: '', attributes: { version: '2.0' } });
    expect(root.children.map((child) => child.local)).toEqual(['head', 'body']);
    const head = root.children[0]!;
    expect(Object.fromEntries(head.children.map((child) => [child.local, child.text]))).toEqual({
      title: 'Example & Co News: feeds',
      ownerName: 'Example Press Office',
      ownerEmail: 'press@example.com',
      docs: 'http://opml.org/spec2.opml',
    });
  });

  it('lists every feed of every published scope, each an rss outline with text, title, xmlUrl and htmlUrl', () => {
    const outlines = feedOutlines(parseXml(xml));
    expect(outlines.map((outline) => outline.attributes.xmlUrl)).toEqual(EXPECTED_FEEDS);
    for (const outline of outlines) {
      expect(outline.attributes).toMatchObject({ type: 'rss', language: 'en' });
      expect(outline.attributes.text).toMatch(/ \((RSS|Atom|JSON Feed)\)$/);
      expect(outline.attributes.title).toBeTruthy();
      expect(outline.attributes.htmlUrl).toMatch(/^https:\/\/news\.example\.com\//);
    }
    expect(outlines[0]!.attributes).toMatchObject({
      text: 'Example & Co News (RSS)',
      title: 'Example & Co News',
      htmlUrl: `${BASE}/`,
      description: 'Company news from Example.',
    });
    expect(outlines[3]!.attributes).toMatchObject({
      title: 'Example & Co News: Company News',
      htmlUrl: `${BASE}/categories/company-news/`,
    });
  });

  it('groups category and author feeds in folders of their own', () => {
    const body = parseXml(xml).children[1]!;
    const folders = body.children.filter((child) => !child.attributes.xmlUrl);
    expect(folders.map((folder) => folder.attributes.text)).toEqual(['Categories', 'Authors']);
    expect(folders.map((folder) => folder.children.length)).toEqual([6, 6]);
  });

  it('names no draft or scheduled category until it is published, and no empty folder', async () => {
    expect(xml).not.toMatch(/secret|future/i);
    expect(renderOpml(inputOf(data, new Date('2030-01-02T00:00:00Z')))).toContain(`${BASE}/categories/future/rss.xml`);
    const bare = renderOpml(inputOf(await dataset()));
    expect(parseXml(bare).children[1]!.children.map((child) => child.attributes.text)).toEqual([
      'Example News (RSS)',
      'Example News (Atom)',
      'Example News (JSON Feed)',
    ]);
  });

  it('is the same bytes for the same data, with no clock in it', async () => {
    expect(renderOpml(inputOf(await newsroom()))).toBe(xml);
    expect(xml).not.toMatch(/dateCreated|dateModified/);
  });
});

const newsboat = findProgram('newsboat');
describe.skipIf(!newsboat)(`newsboat imports the list${skipped(!newsboat && 'newsboat not installed')}`, () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await removeDir(dir);
  });

  it('with every feed URL', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pressroom-opml-'));
    const file = path.join(dir, 'feeds.opml');
    const urls = path.join(dir, 'urls');
    await writeFile(file, renderOpml(inputOf(await newsroom())));
    await writeFile(path.join(dir, 'config'), '');
    // A home of its own, so the import never touches the user's newsboat files.
    const result = await run(newsboat!, ['-u', urls, '-c', path.join(dir, 'cache.db'), '-C', path.join(dir, 'config'), '-i', file], {
      env: { HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir },
    });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const imported = (await readFile(urls, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(/\s+/)[0]);
    expect(imported).toEqual(EXPECTED_FEEDS);
  });
});
