/**
 * One test per kind of mistake a publisher makes, each asserting the exact line they will read.
 * The loader is the way in: it is what turns a schema issue into that line.
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/posts/load.ts';
import { formatProblem } from '../../src/posts/problems.ts';
import { dataInput, dataset, postRecord, siteRecord, type FixtureData } from '../fixtures.ts';

async function linesFor(data: FixtureData): Promise<string[]> {
  return (await loadDataset(dataInput(data))).problems.map(formatProblem);
}

/** The lines for one post file, `data/posts/foo.json`, beside a valid site. */
const postLines = (record: Record<string, unknown> | string, media?: FixtureData['media']) =>
  linesFor({ posts: { foo: record }, ...(media ? { media } : {}) });

const siteLines = (record: Record<string, unknown>) => linesFor({ site: record });

const DATE =
  'an ISO 8601 date (2022-01-17) or date-time with offset (2022-01-17T09:30:00+01:00)';
const URL_REFERENCE = 'a URL, absolute or relative to the post (no spaces)';

describe('post fields', () => {
  it('names a missing required field and what it should be', async () => {
    const { content: _content, ...record } = postRecord();
    expect(await postLines(record)).toEqual(['data/posts/foo.json: content: missing, expected an HTML or Markdown string']);
  });

  it('reports a value of the wrong type with the value written', async () => {
    expect(await postLines(postRecord({ title: 42 }))).toEqual([
      'data/posts/foo.json: title: expected a non-empty string, got 42',
    ]);
  });

  it('refuses an empty or blank title', async () => {
    expect(await postLines(postRecord({ title: '' }))).toEqual([
      'data/posts/foo.json: title: expected a non-empty string, got ""',
    ]);
    expect(await postLines(postRecord({ title: '  ' }))).toEqual([
      'data/posts/foo.json: title: expected a non-empty string, got "  "',
    ]);
  });

  it('refuses a title of control characters only, which feeds would have to drop', async () => {
    expect(await postLines(postRecord({ title: '\u0001\u0002 ' }))).toEqual([
      'data/posts/foo.json: title: expected a non-empty string, got "\\u0001\\u0002 "',
    ]);
  });

  it.each([
    ['a word', 'yesterday'],
    ['a day that does not exist', '2022-02-30'],
    ['a date-time without an offset', '2022-01-17T09:30:00'],
    ['a US-style date', 'Jan-17-2022'],
    ['an hour past 23', '2022-01-17T24:00:00Z'],
    ['year 0, which no feed date can carry', '0000-01-01'],
    ['an offset that carries the instant past 9999', '9999-12-31T23:59:59-12:00'],
    ['an offset that carries the instant before year 1', '0001-01-01T00:00:00+01:00'],
  ])('refuses %s as a date', async (_, published) => {
    expect(await postLines(postRecord({ published }))).toEqual([
      `data/posts/foo.json: published: expected ${DATE}, got "${published}"`,
    ]);
  });

  it('accepts a date, a UTC date-time and a date-time with offset', async () => {
    // 0004-02-29: a leap day early in the calendar, which Date.UTC would read as 1904.
    for (const published of ['2022-01-17', '2022-01-17T09:30:00Z', '2022-01-17T09:30:00.250+08:00', '2024-02-29', '0004-02-29']) {
      expect(await postLines(postRecord({ published }))).toEqual([]);
    }
  });

  it('refuses an updated date before published, even by an hour across time zones', async () => {
    expect(await postLines(postRecord({ published: '2022-01-17', updated: '2022-01-17T07:00:00+08:00' }))).toEqual([
      'data/posts/foo.json: updated: expected a date on or after "published"',
    ]);
    expect(await postLines(postRecord({ published: '2022-01-17', updated: '2022-01-17T00:00:00Z' }))).toEqual([]);
  });

  it.each(['Board-Meeting', 'board_meeting', 'board--meeting', '-board', 'board-'])(
    'refuses the slug %j',
    async (slug) => {
      expect(await postLines(postRecord({ slug }))).toEqual([
        `data/posts/foo.json: slug: expected a slug of lowercase letters a-z, digits and single hyphens (e.g. "board-meeting-2022"), got "${slug}"`,
      ]);
    },
  );

  it('refuses a slug longer than 200 characters, which no URL limit would let through', async () => {
    const slug = 'a'.repeat(201);
    expect(await postLines(postRecord({ slug }))).toEqual([
      `data/posts/foo.json: slug: expected a slug of at most 200 characters, got "${'a'.repeat(56)}…"`,
    ]);
    expect(await postLines(postRecord({ slug: 'a'.repeat(200) }))).toEqual([]);
  });

  it('refuses an id that is not an absolute URI (RFC 4287 §4.2.6)', async () => {
    expect(await postLines(postRecord({ id: 'board-meeting' }))).toEqual([
      'data/posts/foo.json: id: expected an absolute URI such as "tag:example.com,2022:board-meeting" or "urn:uuid:…", got "board-meeting"',
    ]);
    for (const id of ['tag:example.com,2022:board-meeting', 'urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427', 'https://example.com/p/1']) {
      expect(await postLines(postRecord({ id }))).toEqual([]);
    }
  });

  it('refuses a language that is not a language tag', async () => {
    expect(await postLines(postRecord({ language: 'en_GB' }))).toEqual([
      'data/posts/foo.json: language: expected a language tag such as "en" or "en-GB", got "en_GB"',
    ]);
    expect(await postLines(postRecord({ language: 'zh-Hans' }))).toEqual([]);
  });

  it("refuses an author's e-mail without an @", async () => {
    expect(await postLines(postRecord({ authors: [{ name: 'Anna Berg', email: 'anna.example.com' }] }))).toEqual([
      'data/posts/foo.json: authors.0.email: expected an e-mail address, got "anna.example.com"',
    ]);
  });

  it('refuses an empty list of authors', async () => {
    expect(await postLines(postRecord({ authors: [] }))).toEqual([
      'data/posts/foo.json: authors: expected a list with at least one author, got an empty list',
    ]);
  });

  it('names the nested field of the second author', async () => {
    expect(await postLines(postRecord({ authors: [{ name: 'Anna Berg' }, { name: 42 }] }))).toEqual([
      'data/posts/foo.json: authors.1.name: expected a non-empty string, got 42',
    ]);
  });

  it('refuses an empty category by its position', async () => {
    expect(await postLines(postRecord({ categories: ['Company News', ''] }))).toEqual([
      'data/posts/foo.json: categories.1: expected a non-empty string, got ""',
    ]);
  });

  it('names the missing url of an image', async () => {
    expect(await postLines(postRecord({ image: { alt: 'A plant' } }))).toEqual([
      `data/posts/foo.json: image.url: missing, expected ${URL_REFERENCE}`,
    ]);
  });

  it('refuses an attachment with a bad media type, a negative or a fractional size', async () => {
    const attachment = { url: 'https://cdn.example.com/report.pdf', mimeType: 'application/pdf' };
    expect(await postLines(postRecord({ attachments: [{ ...attachment, mimeType: 'pdf' }] }))).toEqual([
      'data/posts/foo.json: attachments.0.mimeType: expected a media type such as "audio/mpeg", got "pdf"',
    ]);
    expect(await postLines(postRecord({ attachments: [attachment, { ...attachment, size: -1 }] }))).toEqual([
      'data/posts/foo.json: attachments.1.size: expected a size of 0 bytes or more, got -1',
    ]);
    expect(await postLines(postRecord({ attachments: [{ ...attachment, size: 1.5 }] }))).toEqual([
      'data/posts/foo.json: attachments.0.size: expected a whole number of bytes, got 1.5',
    ]);
  });

  it('refuses a draft flag that is not a boolean', async () => {
    expect(await postLines(postRecord({ draft: 'false' }))).toEqual([
      'data/posts/foo.json: draft: expected true or false, got "false"',
    ]);
  });

  it.each([
    'javascript:alert(1)',
    ' JavaScript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox',
    // URL parsers strip leading control characters and tabs inside the scheme: still a script URL.
    '\u0001javascript:alert(1)',
    'java\tscript:alert(1)',
    'file:///etc/passwd',
  ])(
    'refuses the script URL %j wherever a URL goes',
    async (url) => {
      expect(await postLines(postRecord({ image: { url } }))).toEqual([
        `data/posts/foo.json: image.url: expected ${URL_REFERENCE}, got ${JSON.stringify(url)}`,
      ]);
      expect(await postLines(postRecord({ authors: [{ name: 'Anna Berg', url }] }))).toEqual([
        `data/posts/foo.json: authors.0.url: expected ${URL_REFERENCE}, got ${JSON.stringify(url)}`,
      ]);
    },
  );

  it('accepts web, mail and phone URLs, absolute or relative', async () => {
    for (const url of ['https://example.com/a', 'mailto:press@example.com', 'tel:+4930123456', '../about', '/team']) {
      expect(await postLines(postRecord({ authors: [{ name: 'Anna Berg', url }] }))).toEqual([]);
    }
  });

  it('refuses a URL that cannot be parsed instead of failing on it later', async () => {
    expect(await postLines(postRecord({ image: { url: 'http://[::1' } }))).toEqual([
      `data/posts/foo.json: image.url: expected ${URL_REFERENCE}, got "http://[::1"`,
    ]);
    expect(await postLines(postRecord({ attachments: [{ url: 'https://a%zz/x.pdf', mimeType: 'application/pdf' }] }))).toEqual([
      `data/posts/foo.json: attachments.0.url: expected ${URL_REFERENCE}, got "https://a%zz/x.pdf"`,
    ]);
  });

  it('refuses an image under /media/ when there is no such file', async () => {
    expect(await postLines(postRecord({ image: { url: '../media/plant.png' } }))).toEqual([
      'data/posts/foo.json: image.url: no file at "/media/plant.png" (expected it in the data folder as media/plant.png)',
    ]);
    expect(await postLines(postRecord({ image: { url: '../media/plant.png' } }), { 'plant.png': 'PNG' })).toEqual([]);
  });

  it('names the file a percent-encoded media URL means, and survives a malformed escape', async () => {
    expect(await postLines(postRecord({ image: { url: '/media/new%20plant.png' } }))).toEqual([
      'data/posts/foo.json: image.url: no file at "/media/new%20plant.png" (expected it in the data folder as media/new plant.png)',
    ]);
    expect(await postLines(postRecord({ image: { url: '/media/new%20plant.png' } }), { 'new plant.png': 'PNG' })).toEqual([]);
    expect(await postLines(postRecord({ image: { url: '/media/100%E0%A4%A.png' } }))).toEqual([
      'data/posts/foo.json: image.url: no file at "/media/100%E0%A4%A.png" (expected it in the data folder as media/100%E0%A4%A.png)',
    ]);
  });

  it('refuses a file whose JSON is not an object', async () => {
    expect(await postLines('[]\n')).toEqual(['data/posts/foo.json: expected a JSON object ({ … }), got an empty list']);
    expect(await postLines('"A post"')).toEqual(['data/posts/foo.json: expected a JSON object ({ … }), got "A post"']);
    expect(await postLines('null')).toEqual(['data/posts/foo.json: expected a JSON object ({ … }), got null']);
  });
});

describe('unknown fields', () => {
  it('warns with a "did you mean" when the intended field is missing', async () => {
    const { title, ...record } = postRecord();
    expect(await postLines({ ...record, titel: title })).toEqual([
      'data/posts/foo.json: titel: unknown field (did you mean "title"?)   [warning]',
      'data/posts/foo.json: title: missing, expected a non-empty string',
    ]);
  });

  it('warns about unknown fields inside nested objects, by their full path', async () => {
    expect(await postLines(postRecord({ authors: [{ nmae: 'Anna Berg' }] }))).toEqual([
      'data/posts/foo.json: authors.0.nmae: unknown field (did you mean "name"?)   [warning]',
      'data/posts/foo.json: authors.0.name: missing, expected a non-empty string',
    ]);
    expect(await postLines(postRecord({ image: { url: 'https://cdn.example.com/a.png', atl: 'A plant' } }))).toEqual([
      'data/posts/foo.json: image.atl: unknown field (did you mean "alt"?)   [warning]',
    ]);
  });

  it('knows "$schema", the line editors read, in posts and in site.json', async () => {
    const result = await loadDataset(
      dataInput({
        site: siteRecord({ $schema: '../src/posts/json-schema/site.schema.json' }),
        posts: { foo: postRecord({ $schema: '../../src/posts/json-schema/post.schema.json' }) },
      }),
    );
    expect(result.problems).toEqual([]);
    if (!result.ok) throw new Error('did not load');
    expect(result.dataset.posts[0]).not.toHaveProperty('$schema');
    expect(await postLines(postRecord({ $schema: 42 }))).toEqual(['data/posts/foo.json: $schema: expected a string, got 42']);
  });

  it('warns without a hint when nothing is close, and alone does not fail the post', async () => {
    const result = await loadDataset(dataInput({ posts: { foo: postRecord({ color: 'red' }) } }));
    expect(result.problems.map(formatProblem)).toEqual(['data/posts/foo.json: color: unknown field   [warning]']);
    expect(result.ok).toBe(true);
  });

  it('treats names of Object.prototype as the unknown fields they are', async () => {
    expect(await postLines('{"title":"A","published":"2022-01-17","content":"","constructor":1,"toString":2}')).toEqual([
      'data/posts/foo.json: constructor: unknown field   [warning]',
      'data/posts/foo.json: toString: unknown field   [warning]',
    ]);
  });
});

describe('site fields', () => {
  it.each([0, 1001, 2.5, '20'])('refuses the feedLimit %j', async (feedLimit) => {
    expect(await siteLines(siteRecord({ feedLimit }))).toEqual([
      `data/site.json: feedLimit: expected a whole number from 1 to 1000, got ${JSON.stringify(feedLimit)}`,
    ]);
  });

  it.each([0, 1001, 2.5, '100'])('refuses the maxLimit %j', async (maxLimit) => {
    expect(await siteLines(siteRecord({ maxLimit }))).toEqual([
      `data/site.json: maxLimit: expected a whole number from 1 to 1000, got ${JSON.stringify(maxLimit)}`,
    ]);
  });

  it('accepts maxLimit at both ends of its range, and defaults it to 100', async () => {
    expect(await siteLines(siteRecord({ maxLimit: 1 }))).toEqual([]);
    expect(await siteLines(siteRecord({ maxLimit: 1000 }))).toEqual([]);
    expect((await dataset({ site: siteRecord() })).site.maxLimit).toBe(100);
  });

  it('accepts feedLimit at both ends of its range', async () => {
    expect(await siteLines(siteRecord({ feedLimit: 1 }))).toEqual([]);
    expect(await siteLines(siteRecord({ feedLimit: 1000 }))).toEqual([]);
  });

  it.each(['ftp://news.example.com', '/news', 'news.example.com', 'javascript:alert(1)'])(
    'refuses the site url %j',
    async (url) => {
      expect(await siteLines(siteRecord({ url }))).toEqual([
        `data/site.json: url: expected an absolute http(s) URL, got ${JSON.stringify(url)}`,
      ]);
    },
  );

  it('refuses a javascript: icon', async () => {
    expect(await siteLines(siteRecord({ icon: 'javascript:alert(1)' }))).toEqual([
      `data/site.json: icon: expected ${URL_REFERENCE}, got "javascript:alert(1)"`,
    ]);
  });

  it('names missing site fields, including the authors the posts fall back on', async () => {
    const { authors: _authors, language: _language, ...record } = siteRecord();
    expect(await siteLines(record)).toEqual([
      'data/site.json: language: missing, expected a language tag such as "en" or "en-GB"',
      'data/site.json: authors: missing, expected a list of authors ([{ "name": "…" }])',
    ]);
  });

  it('warns about an unknown site field with a hint', async () => {
    expect(await siteLines(siteRecord({ feedlimit: 10 }))).toEqual([
      'data/site.json: feedlimit: unknown field (did you mean "feedLimit"?)   [warning]',
    ]);
  });
});
