import { describe, expect, it } from 'vitest';
import { loadDataset, type Dataset, type LoadResult } from '../../src/posts/load.ts';
import { formatProblem, summarizeProblems, type Problem } from '../../src/posts/problems.ts';
import { dataInput, dataset, postRecord, siteRecord, type FixtureData } from '../fixtures.ts';

const lines = (result: LoadResult) => result.problems.map(formatProblem);

function loaded(result: LoadResult): Dataset {
  if (!result.ok) throw new Error(lines(result).join('\n'));
  return result.dataset;
}

/** The single problem line for one post file written as it is. */
async function jsonLines(text: string): Promise<string[]> {
  return lines(await loadDataset(dataInput({ posts: { foo: text } })));
}

describe('loadDataset', () => {
  it('reports every problem of every file at once, in file order', async () => {
    const result = await loadDataset(
      dataInput({
        site: siteRecord({ language: 'english', feedLimit: 0 }),
        posts: {
          'board-meeting': postRecord({ published: 'yesterday', authors: [{ name: 'Anna Berg' }, { name: 42 }] }),
          'new-plant': { published: '2022-01-17', content: '<p>…</p>', titel: 'New plant' },
          'broken': '{ "title": "Broken", }',
          'fine': postRecord(),
        },
      }),
    );
    expect(result.ok).toBe(false);
    expect(lines(result)).toEqual([
      'data/site.json: language: expected a language tag such as "en" or "en-GB", got "english"',
      'data/site.json: feedLimit: expected a whole number from 1 to 1000, got 0',
      'data/posts/board-meeting.json: published: expected an ISO 8601 date (2022-01-17) or date-time with offset (2022-01-17T09:30:00+01:00), got "yesterday"',
      'data/posts/board-meeting.json: authors.1.name: expected a non-empty string, got 42',
      'data/posts/new-plant.json: titel: unknown field (did you mean "title"?)   [warning]',
      'data/posts/new-plant.json: title: missing, expected a non-empty string',
      'data/posts/broken.json: invalid JSON: line 1, column 22: Expected double-quoted property name',
    ]);
  });

  it('turns warnings alone into a dataset that keeps them', async () => {
    const result = await loadDataset(dataInput({ posts: { foo: postRecord({ sumary: 'Short.' }) } }));
    expect(lines(result)).toEqual(['data/posts/foo.json: sumary: unknown field (did you mean "summary"?)   [warning]']);
    expect(loaded(result).warnings.map(formatProblem)).toEqual(lines(result));
    expect(loaded(result).posts.map((p) => p.slug)).toEqual(['foo']);
  });

  describe('invalid JSON gives the line and column an editor shows', () => {
    it('for a trailing comma', async () => {
      expect(await jsonLines('{\n  "title": "A post",\n  "published": "2022-01-17",\n}\n')).toEqual([
        'data/posts/foo.json: invalid JSON: line 4, column 1: Expected double-quoted property name',
      ]);
    });

    it('for a missing quote', async () => {
      expect(await jsonLines('{\n  "title": "A post",\n  "published: "2022-01-17"\n}\n')).toEqual([
        'data/posts/foo.json: invalid JSON: line 3, column 16: Unexpected number',
      ]);
      expect(await jsonLines('{\n  "title: "A post",\n  "published": "2022-01-17"\n}\n')).toEqual([
        "data/posts/foo.json: invalid JSON: line 2, column 12: Expected ':' after property name",
      ]);
      expect(await jsonLines('{\n  "title": "A post,\n  "published": "2022-01-17"\n}\n')).toEqual([
        'data/posts/foo.json: invalid JSON: line 2, column 20: Bad control character in string literal',
      ]);
    });

    it('for single quotes, where the parser names the token but not its position', async () => {
      expect(await jsonLines("{\n  \"title\": \"A post\",\n  \"published\": '2022-01-17',\n  \"content\": \"\"\n}\n")).toEqual([
        "data/posts/foo.json: invalid JSON: line 3, column 16: Unexpected token '''",
      ]);
      expect(await jsonLines("{\"title\": 'A'}")).toEqual([
        "data/posts/foo.json: invalid JSON: line 1, column 11: Unexpected token '''",
      ]);
      expect(await jsonLines("{\n  'title': \"A post with a long title\"\n}")).toEqual([
        "data/posts/foo.json: invalid JSON: line 2, column 3: Expected property name or '}'",
      ]);
      expect(await jsonLines(`{"a": 'A post with a long title'}`)).toEqual([
        "data/posts/foo.json: invalid JSON: line 1, column 7: Unexpected token '''",
      ]);
      expect(await jsonLines('{"title": "A post with a long title", "draft": tru}')).toEqual([
        "data/posts/foo.json: invalid JSON: line 1, column 51: Unexpected token '}'",
      ]);
    });

    it('for an empty file', async () => {
      expect(await jsonLines('')).toEqual(['data/posts/foo.json: invalid JSON: the file is empty']);
      expect(await jsonLines(' \n\n')).toEqual(['data/posts/foo.json: invalid JSON: the file is empty']);
    });

    it('for a truncated file', async () => {
      expect(await jsonLines('{\n  "title": "A post",\n  "published":')).toEqual([
        'data/posts/foo.json: invalid JSON: line 3, column 15: the file ends too early',
      ]);
      expect(await jsonLines('{\n  "title": "A po')).toEqual([
        'data/posts/foo.json: invalid JSON: line 2, column 17: Unterminated string',
      ]);
    });
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const text = `\uFEFF${JSON.stringify(postRecord({ title: 'Mit BOM' }))}`;
    const result = await loadDataset(dataInput({ posts: { foo: text } }));
    expect(lines(result)).toEqual([]);
    expect(loaded(result).posts[0]?.title).toBe('Mit BOM');
  });

  it('refuses a duplicate slug, naming both files', async () => {
    const result = await loadDataset(
      dataInput({ posts: { 'board-meeting': postRecord(), 'board-meeting-2': postRecord({ slug: 'board-meeting' }) } }),
    );
    expect(lines(result)).toEqual([
      'data/posts/board-meeting-2.json: slug: "board-meeting" is already the slug of data/posts/board-meeting.json',
    ]);
  });

  it('refuses a duplicate id, naming both files', async () => {
    const id = 'tag:example.com,2022:board-meeting';
    const result = await loadDataset(dataInput({ posts: { a: postRecord({ id }), b: postRecord({ id }) } }));
    expect(lines(result)).toEqual([`data/posts/b.json: id: "${id}" is already the id of data/posts/a.json`]);
  });

  it('takes the slug from the file name unless the record sets one', async () => {
    const { posts } = await dataset({ posts: { 'new-plant-2022': postRecord(), 'Old_Name': postRecord({ slug: 'old-name' }) } });
    expect(posts.map((p) => [p.slug, p.file])).toEqual([
      ['new-plant-2022', 'data/posts/new-plant-2022.json'],
      ['old-name', 'data/posts/Old_Name.json'],
    ]);
  });

  it('says how to fix a file name that cannot be a slug', async () => {
    const result = await loadDataset(dataInput({ posts: { 'Board Meeting': postRecord() } }));
    expect(lines(result)).toEqual([
      'data/posts/Board Meeting.json: slug: the file name "Board Meeting" cannot be a slug: rename the file or add a "slug" of lowercase letters a-z, digits and single hyphens, at most 200 characters',
    ]);
  });

  it('fills in defaults: updated is published, feedLimit is 20', async () => {
    const { site, posts } = await dataset({ posts: { foo: postRecord({ published: '2022-01-17T09:30:00+01:00' }) } });
    expect(site.feedLimit).toBe(20);
    expect(posts[0]?.published.toISOString()).toBe('2022-01-17T08:30:00.000Z');
    expect(posts[0]?.updated.toISOString()).toBe('2022-01-17T08:30:00.000Z');
    const later = await dataset({ posts: { foo: postRecord({ published: '2022-01-17', updated: '2022-01-18T09:30:00+08:00' }) } });
    expect(later.posts[0]?.published.toISOString()).toBe('2022-01-17T00:00:00.000Z');
    expect(later.posts[0]?.updated.toISOString()).toBe('2022-01-18T01:30:00.000Z');
  });

  it('serves a post with the fields of its record in the schema\'s order, then slug, file and updated', async () => {
    const { posts } = await dataset({
      posts: {
        full: postRecord({
          $schema: '../post.schema.json',
          format: 'html',
          id: 'urn:x:1',
          slug: 'full-post',
          updated: '2024-03-02',
          summary: 'Short.',
          categories: ['News'],
          image: { url: 'https://example.com/a.png', alt: 'A' },
          attachments: [{ url: 'https://example.com/a.pdf', mimeType: 'application/pdf', size: 3 }],
          draft: false,
          language: 'en',
        }),
        plain: postRecord(),
      },
    });
    const full = posts.find((p) => p.slug === 'full-post');
    expect(Object.keys(full ?? {})).toEqual([
      'title', 'published', 'content', 'id', 'summary', 'categories', 'draft', 'language', 'slug', 'file', 'updated', 'image', 'attachments',
    ]);
    expect(Object.keys(posts.find((p) => p.slug === 'plain') ?? {})).toEqual(['title', 'published', 'content', 'slug', 'file', 'updated']);
  });

  it('sorts newest first, and posts published at the same instant by slug', async () => {
    const { posts } = await dataset({
      posts: {
        old: postRecord({ published: '2021-12-31' }),
        'same-b': postRecord({ published: '2022-01-17T09:00:00+01:00' }),
        newest: postRecord({ published: '2023-05-01' }),
        'same-a': postRecord({ published: '2022-01-17T08:00:00Z' }),
        draft: postRecord({ published: '2022-06-01', draft: true }),
      },
    });
    expect(posts.map((p) => p.slug)).toEqual(['newest', 'draft', 'same-a', 'same-b', 'old']);
  });

  it('gives an image under /media/ its real media type and size', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]);
    const { posts, assets } = await dataset({
      posts: {
        foo: postRecord({ image: { url: '../media/photos/plant.PNG', alt: 'The plant' } }),
        bar: postRecord({ image: { url: 'https://cdn.example.com/plant.png' } }),
      },
      media: { 'photos/plant.PNG': png },
    });
    const bySlug = new Map(posts.map((p) => [p.slug, p]));
    expect(bySlug.get('foo')?.image).toEqual({ url: '../media/photos/plant.PNG', alt: 'The plant', mimeType: 'image/png', size: 11 });
    expect(bySlug.get('bar')?.image).toEqual({ url: 'https://cdn.example.com/plant.png' });
    expect(assets.get('/media/photos/plant.PNG')?.mediaType).toBe('image/png');
  });

  it('gives a local attachment the size of its file, whatever the record states', async () => {
    const { posts } = await dataset({
      posts: {
        foo: postRecord({
          attachments: [
            { url: '/media/report.pdf', mimeType: 'application/pdf' },
            { url: '/media/report.pdf', mimeType: 'application/pdf', size: 99 },
          ],
        }),
      },
      media: { 'report.pdf': '%PDF-1.7' },
    });
    expect(posts[0]?.attachments?.map((a) => a.size)).toEqual([8, 8]);
  });

  describe('version', () => {
    const base: FixtureData = {
      posts: { a: postRecord(), b: postRecord({ title: 'B' }) },
      media: { 'x.png': new Uint8Array([1, 2, 3]) },
    };
    const versionOf = async (data: FixtureData) => (await dataset(data)).version;

    it('is the same for identical input', async () => {
      expect(await versionOf(base)).toMatch(/^[0-9a-f]{16}$/);
      expect(await versionOf(base)).toBe(await versionOf(structuredClone(base)));
    });

    it('changes when any byte of any file changes', async () => {
      const before = await versionOf(base);
      const changed: FixtureData[] = [
        { ...base, site: siteRecord({ title: 'Example Newz' }) },
        { ...base, posts: { ...base.posts, b: postRecord({ title: 'C' }) } },
        { ...base, posts: { ...base.posts, b: `${JSON.stringify(postRecord({ title: 'B' }), null, 2)}\n\n` } },
        { ...base, media: { 'x.png': new Uint8Array([1, 2, 4]) } },
        { ...base, media: { 'y.png': new Uint8Array([1, 2, 3]) } },
        { ...base, posts: { a: postRecord(), c: postRecord({ title: 'B' }) } },
      ];
      const versions = await Promise.all(changed.map(versionOf));
      expect(new Set([before, ...versions]).size).toBe(changed.length + 1);
    });
  });
});

describe('summarizeProblems', () => {
  const problem = (severity: Problem['severity']): Problem => ({ file: 'data/posts/a.json', message: 'x', severity });

  it('counts errors, warnings and posts in one sentence that points at the format', () => {
    expect(summarizeProblems([problem('error'), problem('warning'), problem('error')], 14)).toBe(
      '2 errors, 1 warning in 14 posts. The format is described in README.md#data-format.',
    );
    expect(summarizeProblems([problem('error')], 1)).toBe(
      '1 error, 0 warnings in 1 post. The format is described in README.md#data-format.',
    );
  });
});
