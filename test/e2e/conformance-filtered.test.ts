/**
 * The filtered and paged feeds, checked by the same programs as the main ones (conformance.test.ts):
 * jing against RFC 4287's RELAX NG schema, ajv against the JSON Feed 1.1 schema, Python's feedparser,
 * and strict XML parsers. Each feed is fetched through the app, `<?xml-stylesheet?>` and all.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../with-safe-content.ts';
import { xmlErrors } from '../feeds/parse.ts';
import {
  ATOM_RNC,
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

const jing = findProgram('jing');
const xmllint = findProgram('xmllint');
const python = pythonWithFeedparser();

const BASE = 'https://news.example.com';
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
const PATHS = [
  '/categories/company-news',
  '/categories/company-news-2',
  `/categories/${MEDICAL}`,
  `/categories/${MEDICAL}?page=2`,
  `/categories/${MEDICAL}?page=3&limit=3`,
  '/categories/r-d-lab?limit=2&page=2',
  '/authors/anna-berg',
  '/authors/anna-berg?page=2',
  `/authors/${encodeURIComponent('zoë-z')}`,
  '?page=2',
  '?page=3&limit=3',
];
const FILES = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' } as const;
type Format = keyof typeof FILES;
const CASES = PATHS.flatMap((p) => (['rss', 'atom', 'json'] as const).map((format) => ({ format, path: p })));
const urlOf = (p: string, format: Format) => {
  const [scope = '', query = ''] = p.split('?');
  return `${scope}/${FILES[format]}${query ? `?${query}` : ''}`;
};

let workDir: string;
const files = new Map<string, string>();
const fileOf = (p: string, format: Format) => files.get(urlOf(p, format))!;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'pressroom-filtered-'));
  const app = createApp({ dataset: await newsroom(), options: { now: () => new Date('2025-01-01') } });
  for (const [n, { format, path: p }] of CASES.entries()) {
    const url = urlOf(p, format);
    const res = await app.request(`http://localhost${url}`);
    expect(res.status, url).toBe(200);
    const file = path.join(workDir, `${n}.${FILES[format]}`);
    await writeFile(file, await res.text());
    files.set(url, file);
  }
});
afterAll(async () => {
  if (workDir) await removeDir(workDir);
});

describe('strict XML parse (saxes)', () => {
  it.each(CASES.filter((c) => c.format !== 'json'))('$path $format: well-formed, with the stylesheet instruction', async ({ path: p, format }) => {
    const xml = await readFile(fileOf(p, format), 'utf8');
    expect(xmlErrors(xml)).toEqual([]);
    expect(xml.split('\n')[1]).toBe(`<?xml-stylesheet type="text/xsl" href="${BASE}/feed.xsl"?>`);
  });
});

describe.skipIf(!xmllint)(`libxml2 (xmllint --noout)${skipped(!xmllint && 'xmllint not installed')}`, () => {
  it.each(CASES.filter((c) => c.format !== 'json'))('$path $format', async ({ path: p, format }) => {
    expect(await run(xmllint!, ['--noout', '--nonet', fileOf(p, format)])).toMatchObject({ code: 0, stderr: '' });
  });
});

describe.skipIf(!jing)(
  `Atom against RFC 4287's RELAX NG schema, by jing${skipped(!jing && 'jing not installed')}`,
  () => {
    it.each(PATHS)('%s: no errors', async (p) => {
      const result = await run(jing!, ['-c', ATOM_RNC, fileOf(p, 'atom')]);
      expect({ code: result.code, findings: result.stdout.trim() }).toEqual({ code: 0, findings: '' });
    });
  },
);

describe('JSON Feed against the JSON Feed 1.1 schema, by ajv', () => {
  it.each(PATHS)('%s: no errors', async (p) => {
    const feed = JSON.parse(await readFile(fileOf(p, 'json'), 'utf8')) as unknown;
    expect(jsonFeedSchemaErrors(feed)).toEqual([]);
  });
});

const FEEDPARSER = `
import json, sys, feedparser
d = feedparser.parse(open(sys.argv[1], 'rb').read(), response_headers={'content-type': sys.argv[2]} if sys.argv[2] else {})
print(json.dumps({'version': d.get('version', ''), 'bozo': int(bool(d.get('bozo'))), 'error': repr(d.get('bozo_exception')) if d.get('bozo') else None,
  'title': d.feed.get('title'), 'links': sorted(l.get('rel', '') for l in d.feed.get('links', [])), 'entries': len(d.entries)}))
`;

describe.skipIf(!python)(`feedparser${skipped(!python && "Python's feedparser not installed")}`, () => {
  it.each(CASES.filter((c) => c.format !== 'json'))('$path $format: bozo 0, the feed and its entries read', async ({ path: p, format }) => {
    const script = path.join(workDir, 'feedparser-filtered.py');
    await writeFile(script, FEEDPARSER);
    const result = await run(python!, [script, fileOf(p, format), '']);
    const parsed = JSON.parse(result.stdout) as { version: string; bozo: number; error: string | null; title: string; links: string[]; entries: number };
    expect({ version: parsed.version, bozo: parsed.bozo, error: parsed.error }).toEqual({
      version: format === 'rss' ? 'rss20' : 'atom10',
      bozo: 0,
      error: null,
    });
    expect(parsed.title.startsWith('News & <Views>')).toBe(true);
    expect(parsed.entries).toBeGreaterThan(0);
    if (p.includes('page=')) expect(parsed.links).toEqual(expect.arrayContaining(['first', 'last', 'previous']));
  });

  it('catches a broken feed (so bozo 0 above means something)', async () => {
    const broken = path.join(workDir, 'broken.atom.xml');
    const atom = await readFile(fileOf(PATHS[0]!, 'atom'), 'utf8');
    await writeFile(broken, atom.slice(0, atom.indexOf('</entry>')));
    const result = await run(python!, [path.join(workDir, 'feedparser-filtered.py'), broken, '']);
    expect((JSON.parse(result.stdout) as { bozo: number }).bozo).toBe(1);
  });
});
