/**
 * The feeds the app serves, checked by programs that did not write them: jing against RFC 4287's
 * RELAX NG schema, ajv against the JSON Feed 1.1 schema, Python's feedparser as a reader sees them, and
 * strict XML parsers (saxes always, xmllint where installed). Each runs on the seed data and on
 * generated data full of the characters and shapes that break feeds; then the same programs check
 * every kind of filtered and paged feed, fetched through the app, `<?xml-stylesheet?>` and all.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../with-safe-content.ts';
import { descendants, parse, xmlErrors, type XmlElement } from '../feeds/parse.ts';
import type { Dataset } from '../../src/posts/index.ts';
import {
  ATOM_RNC,
  JSON_FEED_SCHEMA,
  dataset,
  findProgram,
  jsonFeedSchemaErrors,
  postRecord,
  pythonWithFeedparser,
  removeDir,
  run,
  siteRecord,
  skipped,
} from '../fixtures.ts';
import { NOW, SEED_ID, SEED_IMAGE, SEED_SITE_TITLE, SEED_SLUG, SEED_TITLE, seedDataset } from '../support.ts';

const jing = findProgram('jing');
const xmllint = findProgram('xmllint');
const python = pythonWithFeedparser();

/**
 * A second JSON Schema implementation beside ajv, from another ecosystem: Python's jsonschema (Debian
 * python3-jsonschema). feedparser 6.0.10, the Debian version, does not read JSON Feed at all.
 */
function pythonWithJsonschema(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(candidate, ['-c', 'import jsonschema'], { encoding: 'utf8' }).status === 0) return candidate;
  }
  return undefined;
}
const jsonschemaPython = pythonWithJsonschema();

// ——— What each feed must hold ———

interface ExpectedItem {
  title: string;
  url: string;
  id: string;
  /** ISO 8601 in UTC, to the millisecond. */
  published: string;
  updated: string;
  tags: string[];
  /** The post's own authors; empty means the feed's. */
  authors: string[];
  language: string;
  /** What Atom lists as `rel="enclosure"`: the image, then the attachments. */
  enclosures: { href: string; type: string; length: string }[];
}

interface Case {
  name: string;
  data: () => Promise<Dataset>;
  origin: string;
  now: Date;
  title: string;
  siteAuthors: string[];
  items: ExpectedItem[];
}

/** XML 1.0 §2.2 has no place for these, so no feed may carry them. */
const notXml = (text: string) => text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');

const png = async () => new Uint8Array(await readFile(SEED_IMAGE));
const BASE = 'https://news.example.com';
const NASTY_TITLE = 'Prices ]]> costs < 5 & "rising" \u0001\u0008\u000b\u001f\ufffe again';

const CASES: Case[] = [
  {
    name: 'the seed data',
    data: seedDataset,
    origin: 'http://localhost',
    now: NOW,
    title: SEED_SITE_TITLE,
    siteAuthors: ['WEGO Group'],
    items: [
      {
        title: SEED_TITLE,
        url: `http://localhost/posts/${SEED_SLUG}/`,
        id: SEED_ID,
        published: '2022-01-17T00:00:00.000Z',
        updated: '2022-01-17T00:00:00.000Z',
        tags: ['Company News'],
        authors: [],
        language: 'en',
        enclosures: [{ href: 'http://localhost/media/cxdfhd-1.png', type: 'image/png', length: '7411' }],
      },
    ],
  },
  {
    name: 'generated data with nasty content',
    data: async () =>
      dataset({
        site: siteRecord({
          title: 'News & <Views> "quoted" ]]>',
          description: 'Made & <tested> \u0002here',
          url: `${BASE}/`,
          copyright: '© A & B <c>',
          icon: '/media/icon.png',
          authors: [{ name: 'Desk & Co', email: 'desk@example.com' }, { name: 'No <Mail>', url: '/about' }],
        }),
        media: { 'icon.png': await png(), 'photo.png': await png(), 'report.pdf': '%PDF-1.4\n' },
        posts: {
          nasty: postRecord({
            title: NASTY_TITLE,
            published: '2024-03-02T10:00:00+01:00',
            updated: '2024-03-03T00:00:00Z',
            content:
              '<p>x ]]> y &amp; <b>z</b> \u0002 <![CDATA[ not ]]> <a href="../media/report.pdf">report</a>' +
              ' <img src="/media/photo.png" srcset="../media/photo.png 1x, photo@2x.png 2x" alt="a &lt;b&gt;">' +
              ' <a href="#top">top</a> <a href="other-post?a=1&amp;b=2">next</a></p><script>alert("</script>")</script>',
            summary: 'Sum < & > ]]> \u0003 "q"',
            categories: ['R&D <Lab>', 'Company News', ']]>'],
            authors: [{ name: 'Anna <Berg>', email: 'anna@example.com' }, { name: 'Bo & Co' }, { name: 'Cy', url: '../people/cy' }],
            image: { url: '../media/photo.png', alt: 'a "photo" <1>' },
            attachments: [
              { url: '../media/report.pdf', mimeType: 'application/pdf', title: 'Report & <more>' },
              { url: 'https://cdn.example.com/a.mp3?x=1&y=2', mimeType: 'audio/mpeg', size: 1234 },
            ],
          }),
          deutsch: postRecord({
            title: 'Grüße aus Köln — „Zitat“',
            language: 'de-DE',
            published: '2024-02-01',
            content: '<p>Über uns</p>',
            id: 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66',
            categories: ['Köln'],
          }),
          fractional: postRecord({
            title: 'Fractional seconds',
            published: '2024-01-15T08:30:15.250+02:00',
            content: '<p>Empty summary follows</p>',
            summary: '',
          }),
          plain: postRecord({ title: 'Plain', published: '2024-01-01', content: '' }),
          draft: postRecord({ title: 'Draft', published: '2024-01-05', draft: true }),
          future: postRecord({ title: 'Future', published: '2999-01-01' }),
        },
      }),
    origin: 'http://localhost:3000',
    now: new Date('2025-01-01T00:00:00Z'),
    title: 'News & <Views> "quoted" ]]>',
    siteAuthors: ['Desk & Co', 'No <Mail>'],
    items: [
      {
        title: notXml(NASTY_TITLE),
        url: `${BASE}/posts/nasty/`,
        id: `${BASE}/posts/nasty`,
        published: '2024-03-02T09:00:00.000Z',
        updated: '2024-03-03T00:00:00.000Z',
        tags: ['R&D <Lab>', 'Company News', ']]>'],
        authors: ['Anna <Berg>', 'Bo & Co', 'Cy'],
        language: 'en',
        enclosures: [
          { href: `${BASE}/media/photo.png`, type: 'image/png', length: '7411' },
          { href: `${BASE}/media/report.pdf`, type: 'application/pdf', length: '9' },
          { href: 'https://cdn.example.com/a.mp3?x=1&y=2', type: 'audio/mpeg', length: '1234' },
        ],
      },
      {
        title: 'Grüße aus Köln — „Zitat“',
        url: `${BASE}/posts/deutsch/`,
        id: 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66',
        published: '2024-02-01T00:00:00.000Z',
        updated: '2024-02-01T00:00:00.000Z',
        tags: ['Köln'],
        authors: [],
        language: 'de-DE',
        enclosures: [],
      },
      {
        title: 'Fractional seconds',
        url: `${BASE}/posts/fractional/`,
        id: `${BASE}/posts/fractional`,
        published: '2024-01-15T06:30:15.250Z',
        updated: '2024-01-15T06:30:15.250Z',
        tags: [],
        authors: [],
        language: 'en',
        enclosures: [],
      },
      {
        title: 'Plain',
        url: `${BASE}/posts/plain/`,
        id: `${BASE}/posts/plain`,
        published: '2024-01-01T00:00:00.000Z',
        updated: '2024-01-01T00:00:00.000Z',
        tags: [],
        authors: [],
        language: 'en',
        enclosures: [],
      },
    ],
  },
];

interface Served {
  rss: string;
  atom: string;
  json: string;
  files: { rss: string; atom: string; json: string };
}

let workDir: string;
const served = new Map<string, Served>();

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'pressroom-conformance-'));
  for (const [n, testCase] of CASES.entries()) {
    const app = createApp({ dataset: await testCase.data(), options: { now: () => testCase.now } });
    const text = async (feed: string) => {
      const res = await app.request(`${testCase.origin}/${feed}`);
      expect(res.status).toBe(200);
      return res.text();
    };
    const feeds = { rss: await text('rss.xml'), atom: await text('atom.xml'), json: await text('feed.json') };
    const files = { rss: path.join(workDir, `${n}.rss.xml`), atom: path.join(workDir, `${n}.atom.xml`), json: path.join(workDir, `${n}.feed.json`) };
    for (const format of ['rss', 'atom', 'json'] as const) await writeFile(files[format], feeds[format]);
    served.set(testCase.name, { ...feeds, files });
  }
});
afterAll(async () => {
  if (workDir) await removeDir(workDir);
});

const feedsOf = (testCase: Case): Served => {
  const feeds = served.get(testCase.name);
  if (!feeds) throw new Error(`no feeds were rendered for ${testCase.name}`);
  return feeds;
};

/** An Atom feed with one entry's required `<id>` taken out: every validator here must reject it. */
const withoutFirstEntryId = (atom: string) => atom.replace(/(<entry[^>]*>)<id>[^<]*<\/id>/, '$1');

// ——— (1) Atom: RELAX NG ———

describe.skipIf(!jing)(
  `Atom against RFC 4287's RELAX NG schema, by jing${skipped(!jing && 'jing not installed')}`,
  () => {
    /** jing prints its findings on stdout; stderr carries Debian's classpath warnings, which are not findings. */
    async function validate(file: string) {
      const result = await run(jing!, ['-c', ATOM_RNC, file]);
      const stderr = result.stderr
        .split('\n')
        .filter((line) => line.trim() && !/^\[warning\] .*jing: Unable to locate/.test(line))
        .join('\n');
      return { code: result.code, findings: [result.stdout.trim(), stderr].filter(Boolean).join('\n') };
    }

    it.each(CASES)('$name: no errors', async (testCase) => {
      expect(await validate(feedsOf(testCase).files.atom)).toEqual({ code: 0, findings: '' });
    });

    it('catches an entry without its id (so a pass above means something)', async () => {
      const broken = path.join(workDir, 'broken.atom.xml');
      await writeFile(broken, withoutFirstEntryId(feedsOf(CASES[0]!).atom));
      const result = await validate(broken);
      expect(result.code).not.toBe(0);
      expect(result.findings).toMatch(/element "entry" incomplete|missing required element "id"/);
    });
  },
);

// ——— (2) JSON Feed: JSON Schema ———

describe('JSON Feed against the JSON Feed 1.1 schema, by ajv', () => {

  it.each(CASES)('$name: no errors', (testCase) => {
    expect(jsonFeedSchemaErrors(JSON.parse(feedsOf(testCase).json))).toEqual([]);
  });

  it('catches an item without an id and a feed_url that is not a URI (so a pass above means something)', () => {
    const feed = JSON.parse(feedsOf(CASES[0]!).json) as { feed_url: string; items: Record<string, unknown>[] };
    delete feed.items[0]!.id;
    feed.feed_url = 'not a uri';
    expect(jsonFeedSchemaErrors(feed)).toEqual(
      expect.arrayContaining(['/items/0 must have required property \'id\'', '/feed_url must match format "uri"']),
    );
  });

  // src/feeds/model.ts: normalizeBaseUrl only trims slashes, so a base URL with non-ASCII characters
  // (site.url or SITE_URL `https://news.example.com/über`) goes out unencoded in home_page_url,
  // feed_url and every item url; JSON Feed wants URIs (RFC 3986), which `new URL(…).href` would give.
  it('a site URL with non-ASCII characters still gives URIs', async () => {
    const data = await dataset({ site: siteRecord({ url: 'https://news.example.com/über' }), posts: { a: postRecord() } });
    const feed = JSON.parse(await (await createApp({ dataset: data }).request('/feed.json')).text()) as unknown;
    expect(jsonFeedSchemaErrors(feed)).toEqual([]);
  });

  // src/feeds/json-feed.ts: an author with only an e-mail gets `url: "mailto:" + email`, not
  // percent-encoded, so an address the schema accepts (`jürgen@example.de`) makes an invalid URI.
  it('an author e-mail with non-ASCII characters still gives a URI', async () => {
    const data = await dataset({ site: siteRecord({ authors: [{ name: 'Jürgen', email: 'jürgen@example.de' }] }), posts: { a: postRecord() } });
    const feed = JSON.parse(await (await createApp({ dataset: data }).request('/feed.json')).text()) as unknown;
    expect(jsonFeedSchemaErrors(feed)).toEqual([]);
  });
});

// ——— What a reader sees: feedparser ———

interface Parsed {
  version: string;
  bozo: number;
  bozo_exception: string | null;
  feed: { title: string | null; link: string | null; language: string | null };
  entries: {
    title: string | null;
    link: string | null;
    id: string | null;
    published: number | null;
    updated: number | null;
    tags: string[];
    authors: string[];
    language: string | null;
    enclosures: { href: string; type: string; length: string }[];
  }[];
}

const FEEDPARSER_SCRIPT = `
import calendar, json, sys, feedparser
with open(sys.argv[1], 'rb') as f:
    d = feedparser.parse(f.read())
seconds = lambda t: calendar.timegm(t) if t else None
print(json.dumps({
    'version': d.get('version', ''),
    'bozo': int(bool(d.get('bozo'))),
    'bozo_exception': repr(d.get('bozo_exception')) if d.get('bozo') else None,
    'feed': {k: d.feed.get(k) for k in ('title', 'link', 'language')},
    'entries': [{
        'title': e.get('title'),
        'link': e.get('link'),
        'id': e.get('id'),
        'published': seconds(e.get('published_parsed')),
        'updated': seconds(e.get('updated_parsed')),
        'tags': [t.get('term') for t in e.get('tags', [])],
        'authors': [a.get('name') for a in e.get('authors', []) if a.get('name')],
        'language': (e.get('title_detail') or {}).get('language'),
        'enclosures': [{k: x.get(k) for k in ('href', 'type', 'length')} for x in e.get('enclosures', [])],
    } for e in d.entries],
}))
`;

async function feedparser(file: string): Promise<Parsed> {
  const script = path.join(workDir, 'feedparser-dump.py');
  await writeFile(script, FEEDPARSER_SCRIPT);
  const result = await run(python!, [script, file]);
  if (result.code !== 0) throw new Error(`feedparser failed (${result.code}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as Parsed;
}

/** RSS and feedparser's dates carry whole seconds. */
const toSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe.skipIf(!python)(`RSS 2.0 and Atom 1.0 as feedparser reads them${skipped(!python && "Python's feedparser not installed")}`, () => {
  describe.each(CASES)('$name', (testCase) => {
    it('RSS: well-formed, every item with its title, link, guid, date, categories and creators', async () => {
      const parsed = await feedparser(feedsOf(testCase).files.rss);
      expect({ version: parsed.version, bozo: parsed.bozo, error: parsed.bozo_exception }).toEqual({ version: 'rss20', bozo: 0, error: null });
      expect(parsed.feed.title).toBe(testCase.title);
      expect(parsed.entries.map((e) => ({ title: e.title, link: e.link, id: e.id, published: e.published, tags: e.tags, authors: e.authors }))).toEqual(
        testCase.items.map((item) => ({
          title: item.title,
          link: item.url,
          id: item.id,
          published: toSeconds(item.published),
          tags: item.tags,
          // RSS has no inheritance: a post without authors names the site's.
          authors: item.authors.length ? item.authors : testCase.siteAuthors,
        })),
      );
      // One enclosure at most: the first attachment, else the image.
      expect(parsed.entries.map((e) => e.enclosures)).toEqual(
        testCase.items.map((item) => {
          const first = item.enclosures.find((e) => !e.type.startsWith('image/')) ?? item.enclosures[0];
          return first ? [first] : [];
        }),
      );
    });

    it('Atom: well-formed, every entry with its title, link, id, dates, categories, authors and language', async () => {
      const parsed = await feedparser(feedsOf(testCase).files.atom);
      expect({ version: parsed.version, bozo: parsed.bozo, error: parsed.bozo_exception }).toEqual({ version: 'atom10', bozo: 0, error: null });
      expect(parsed.feed.title).toBe(testCase.title);
      expect(parsed.entries.map(({ title, link, id, published, updated, tags, authors, language, enclosures }) => ({ title, link, id, published, updated, tags, authors, language, enclosures }))).toEqual(
        testCase.items.map((item) => ({
          title: item.title,
          link: item.url,
          id: item.id,
          published: toSeconds(item.published),
          updated: toSeconds(item.updated),
          tags: item.tags,
          // Every entry names its authors: the post's own, else the site's.
          authors: item.authors.length ? item.authors : testCase.siteAuthors,
          language: item.language,
          enclosures: item.enclosures,
        })),
      );
    });
  });

  it('flags a truncated feed (so bozo 0 above means something)', async () => {
    const truncated = path.join(workDir, 'truncated.atom.xml');
    const atom = feedsOf(CASES[0]!).atom;
    await writeFile(truncated, atom.slice(0, atom.indexOf('</entry>')));
    expect((await feedparser(truncated)).bozo).toBe(1);
  });
});

const JSONSCHEMA_SCRIPT = `
import json, sys, jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
feed = json.load(open(sys.argv[2], encoding="utf-8"))
validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
print(json.dumps(sorted("/".join(map(str, e.absolute_path)) + ": " + e.message for e in validator.iter_errors(feed))))
`;

/** Every finding of Python's jsonschema for a JSON Feed file, against the same schema ajv uses. */
async function jsonschemaErrors(file: string): Promise<string[]> {
  const script = path.join(workDir, 'jsonschema-check.py');
  await writeFile(script, JSONSCHEMA_SCRIPT);
  const result = await run(jsonschemaPython!, [script, JSON_FEED_SCHEMA, file]);
  if (result.code !== 0) throw new Error(`jsonschema failed (${result.code}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as string[];
}

describe.skipIf(!jsonschemaPython)(
  `JSON Feed 1.1 by Python's jsonschema${skipped(!jsonschemaPython && "Python's jsonschema not installed")}`,
  () => {
    it.each(CASES)('$name: no finding', async (testCase) => {
      expect(await jsonschemaErrors(feedsOf(testCase).files.json)).toEqual([]);
    });

    it('finds a feed without its items and with an unknown version', async () => {
      const feed = JSON.parse(feedsOf(CASES[0]!).json) as Record<string, unknown>;
      delete feed.items;
      feed.version = 'https://jsonfeed.org/version/9';
      const broken = path.join(workDir, 'broken-feed.json');
      await writeFile(broken, JSON.stringify(feed));
      const errors = await jsonschemaErrors(broken);
      expect(errors).toContain(": 'items' is a required property");
      expect(errors.some((e) => e.startsWith('version: '))).toBe(true);
    });
  },
);

// ——— Strict XML parsers ———

/** Parsed with saxes, a conformant XML 1.0 + namespaces parser: the tree, and every error it found. */
const parseXml = parse;

/** Every element below `element` with this qualified name, depth first. */
const descendantsNamed = (element: XmlElement, name: string): XmlElement[] =>
  [...descendants(element)].filter((found) => found !== element && found.name === name);

/** Every URL an HTML fragment points at, srcset candidates included. */
function urlsInHtml(html: string): string[] {
  const urls: string[] = [];
  for (const m of html.matchAll(/\s(href|src|poster|srcset)\s*=\s*"([^"]*)"/gi)) {
    const value = m[2]!.replace(/&amp;/g, '&');
    if (m[1]!.toLowerCase() === 'srcset') urls.push(...value.split(/,\s+/).map((c) => c.trim().split(/\s+/)[0]!));
    else urls.push(value);
  }
  return urls;
}
const isAbsoluteOrFragment = (url: string) => /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('#');

describe('RSS and Atom as a strict XML parser reads them (saxes)', () => {
  describe.each(CASES)('$name', (testCase) => {
    it.each(['rss', 'atom'] as const)('%s: well-formed and namespace-correct', (format) => {
      const { root, errors } = parseXml(feedsOf(testCase)[format]);
      expect(errors).toEqual([]);
      expect(root?.name).toBe(format === 'rss' ? 'rss' : 'feed');
    });

    it.each(['rss', 'atom', 'json'] as const)('%s: the titles read back exactly, and content links are absolute', (format) => {
      const feeds = feedsOf(testCase);
      let titles: string[];
      let contents: string[];
      if (format === 'json') {
        const feed = JSON.parse(feeds.json) as { items: { title: string; content_html: string }[] };
        titles = feed.items.map((item) => item.title);
        contents = feed.items.map((item) => item.content_html);
      } else {
        const root = parseXml(feeds[format]).root!;
        const items = descendantsNamed(root, format === 'rss' ? 'item' : 'entry');
        titles = items.map((item) => item.children.find((c) => c.name === 'title')?.text ?? '');
        contents = items.map((item) => item.children.find((c) => c.name === (format === 'rss' ? 'content:encoded' : 'content'))?.text ?? '');
      }
      expect(titles).toEqual(testCase.items.map((item) => item.title));
      const urls = contents.flatMap(urlsInHtml);
      expect(urls.filter((url) => !isAbsoluteOrFragment(url))).toEqual([]);
      if (testCase.name.startsWith('generated')) {
        expect(urls).toEqual(
          expect.arrayContaining([
            `${BASE}/media/report.pdf`,
            `${BASE}/media/photo.png`,
            `${BASE}/posts/photo@2x.png`,
            '#top',
            `${BASE}/posts/other-post?a=1&b=2`,
          ]),
        );
      }
    });
  });

  it('reports a feed that is not well-formed (so no errors above means something)', () => {
    expect(parseXml('<feed xmlns="http://www.w3.org/2005/Atom"><title>a & b</title></feed>').errors).not.toEqual([]);
  });
});

describe.skipIf(!xmllint)(`RSS and Atom as libxml2 reads them (xmllint --noout)${skipped(!xmllint && 'xmllint (libxml2-utils) not installed')}`, () => {
  it.each(CASES.flatMap((testCase) => (['rss', 'atom'] as const).map((format) => ({ name: testCase.name, format, testCase }))))(
    '$name: $format is well-formed',
    async ({ testCase, format }) => {
      const result = await run(xmllint!, ['--noout', '--nonet', feedsOf(testCase).files[format]]);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    },
  );

  it('rejects a feed that is not well-formed (so a pass above means something)', async () => {
    const broken = path.join(workDir, 'broken.xml');
    await writeFile(broken, '<rss version="2.0"><channel><title>a & b</title></channel></rss>');
    expect((await run(xmllint!, ['--noout', '--nonet', broken])).code).not.toBe(0);
  });
});

// ——— Filtered and paged feeds ———

const MEDICAL = encodeURIComponent('医疗器械');

/** Seven posts: enough for three pages at limit 3, with names in several scripts and two that collide. */
const newsroom = () =>
  dataset({
    site: siteRecord({ url: BASE, title: 'News & <Views>', feedLimit: 3 }),
    posts: Object.fromEntries(
      Array.from({ length: 7 }, (_, n) => [
        `post-${n + 1}`,
        postRecord({
          title: `Post ${n + 1} <&> ]]>`,
          published: `2024-02-0${n + 1}T09:00:00+01:00`,
          content: `<p>Body ${n + 1} &amp; <a href="../media/x.pdf">x</a></p>`,
          categories: [n % 2 ? 'Company News' : 'company news', '医疗器械', 'R&D "Lab"'],
          authors: n % 3 ? [{ name: 'Anna Berg', email: 'anna@example.com' }] : [{ name: 'Zoë <Z>' }],
        }),
      ]),
    ),
  });

/** Every filtered or paged feed worth checking, by its path. */
const FILTERED_PATHS = [
  '/categories/company-news',
  '/categories/company-news-2',
  `/categories/${MEDICAL}`,
  `/categories/${MEDICAL}/page/2`,
  `/categories/${MEDICAL}/page/3?limit=3`,
  '/categories/r-d-lab/page/2?limit=2',
  '/authors/anna-berg',
  '/authors/anna-berg/page/2',
  `/authors/${encodeURIComponent('zoë-z')}`,
  '/page/2',
  '/page/3?limit=3',
];
const FEED_FILES = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' } as const;
type FeedFormat = keyof typeof FEED_FILES;
const FILTERED_CASES = FILTERED_PATHS.flatMap((p) => (['rss', 'atom', 'json'] as const).map((format) => ({ format, path: p })));
const urlOf = (p: string, format: FeedFormat) => {
  const [scope = '', query = ''] = p.split('?');
  return `${scope}/${FEED_FILES[format]}${query ? `?${query}` : ''}`;
};

const filteredFiles = new Map<string, string>();
const fileOf = (p: string, format: FeedFormat) => filteredFiles.get(urlOf(p, format))!;

const FEEDPARSER_FILTERED_SCRIPT = `
import json, sys, feedparser
d = feedparser.parse(open(sys.argv[1], 'rb').read(), response_headers={'content-type': sys.argv[2]} if sys.argv[2] else {})
print(json.dumps({'version': d.get('version', ''), 'bozo': int(bool(d.get('bozo'))), 'error': repr(d.get('bozo_exception')) if d.get('bozo') else None,
  'title': d.feed.get('title'), 'links': sorted(l.get('rel', '') for l in d.feed.get('links', [])), 'entries': len(d.entries)}))
`;

describe('filtered and paged feeds', () => {
  beforeAll(async () => {
    const app = createApp({ dataset: await newsroom(), options: { now: () => new Date('2025-01-01') } });
    for (const [n, { format, path: p }] of FILTERED_CASES.entries()) {
      const url = urlOf(p, format);
      const res = await app.request(`http://localhost${url}`);
      expect(res.status, url).toBe(200);
      const file = path.join(workDir, `filtered-${n}.${FEED_FILES[format]}`);
      await writeFile(file, await res.text());
      filteredFiles.set(url, file);
    }
  });

  describe('strict XML parse (saxes)', () => {
    it.each(FILTERED_CASES.filter((c) => c.format !== 'json'))('$path $format: well-formed, with the stylesheet instruction', async ({ path: p, format }) => {
      const xml = await readFile(fileOf(p, format), 'utf8');
      expect(xmlErrors(xml)).toEqual([]);
      expect(xml.split('\n')[1]).toBe(`<?xml-stylesheet type="text/xsl" href="${BASE}/feed.xsl"?>`);
    });
  });

  describe.skipIf(!xmllint)(`libxml2 (xmllint --noout)${skipped(!xmllint && 'xmllint not installed')}`, () => {
    it.each(FILTERED_CASES.filter((c) => c.format !== 'json'))('$path $format', async ({ path: p, format }) => {
      expect(await run(xmllint!, ['--noout', '--nonet', fileOf(p, format)])).toMatchObject({ code: 0, stderr: '' });
    });
  });

  describe.skipIf(!jing)(
    `Atom against RFC 4287's RELAX NG schema, by jing${skipped(!jing && 'jing not installed')}`,
    () => {
      it.each(FILTERED_PATHS)('%s: no errors', async (p) => {
        const result = await run(jing!, ['-c', ATOM_RNC, fileOf(p, 'atom')]);
        expect({ code: result.code, findings: result.stdout.trim() }).toEqual({ code: 0, findings: '' });
      });
    },
  );

  describe('JSON Feed against the JSON Feed 1.1 schema, by ajv', () => {
    it.each(FILTERED_PATHS)('%s: no errors', async (p) => {
      const feed = JSON.parse(await readFile(fileOf(p, 'json'), 'utf8')) as unknown;
      expect(jsonFeedSchemaErrors(feed)).toEqual([]);
    });
  });

  describe.skipIf(!python)(`feedparser${skipped(!python && "Python's feedparser not installed")}`, () => {
    it.each(FILTERED_CASES.filter((c) => c.format !== 'json'))('$path $format: bozo 0, the feed and its entries read', async ({ path: p, format }) => {
      const script = path.join(workDir, 'feedparser-filtered.py');
      await writeFile(script, FEEDPARSER_FILTERED_SCRIPT);
      const result = await run(python!, [script, fileOf(p, format), '']);
      const parsed = JSON.parse(result.stdout) as { version: string; bozo: number; error: string | null; title: string; links: string[]; entries: number };
      expect({ version: parsed.version, bozo: parsed.bozo, error: parsed.error }).toEqual({
        version: format === 'rss' ? 'rss20' : 'atom10',
        bozo: 0,
        error: null,
      });
      expect(parsed.title.startsWith('News & <Views>')).toBe(true);
      expect(parsed.entries).toBeGreaterThan(0);
      if (p.includes('/page/')) expect(parsed.links).toEqual(expect.arrayContaining(['first', 'last', 'previous']));
    });

    it('catches a broken feed (so bozo 0 above means something)', async () => {
      const broken = path.join(workDir, 'filtered-broken.atom.xml');
      const atom = await readFile(fileOf(FILTERED_PATHS[0]!, 'atom'), 'utf8');
      await writeFile(broken, atom.slice(0, atom.indexOf('</entry>')));
      const result = await run(python!, [path.join(workDir, 'feedparser-filtered.py'), broken, '']);
      expect((JSON.parse(result.stdout) as { bozo: number }).bozo).toBe(1);
    });
  });
});
