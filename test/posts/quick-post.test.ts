/** The direct check of a post gives valibot's output exactly, for exactly the posts valibot accepts whole. */
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { POST_FIELD_CHECKS, PostSchema, quickPostRecord } from '../../src/posts/schema.ts';
import { findUnknownFields } from '../../src/posts/unknown-fields.ts';

/** Keys in order, all the way down: valibot's output lists the schema's keys in the schema's order. */
const shape = (value: unknown): unknown =>
  value instanceof Date
    ? `date:${value.getTime()}`
    : Array.isArray(value)
      ? value.map(shape)
      : value !== null && typeof value === 'object'
        ? Object.entries(value).map(([key, item]) => [key, shape(item)])
        : value;

/** Mostly valid values, some not: a good share of generated posts is valid whole, the rest fail one way or another. */
const some = <T, U>(valid: readonly T[], invalid: readonly U[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 12 }, { arbitrary: fc.constantFrom(...invalid), weight: 1 });
const TEXT = ['Hello', ' x ', '\u00a0é', 'é', '\u0001a'] as const;
const NOT_TEXT = ['', '\u0001', '\u00a0', ' ', '\u200b\ufffe', 42, null, true] as const;
const text = () => some(TEXT, NOT_TEXT);
const date = () =>
  some(['2024-01-01', '2024-01-01T10:00:00+01:00', '2024-01-01T10:00Z', '2024-02-29'], ['2023-02-29', '0000-01-01', '2024-01-01T25:00Z', '9999-12-31T23:00:00-12:00', 'yesterday', 0]);
const url = () => some(['../media/a.png', '/media/x.png', 'https://x.example/z', 'mailto:a@b.c', 'a?b#c'], ['javascript:alert(1)', 'http://[', ' a', 'a b', '\u0001x', '', 42]);
const author = fc.record(
  { name: text(), email: some(['a@b.c'], ['nope', 'a@b', 7]), url: url(), nmae: fc.constant('typo') },
  { requiredKeys: ['name'] },
).chain(({ nmae, ...rest }) => fc.constantFrom(rest, rest, rest, rest, rest, rest, rest, rest, rest, { ...rest, nmae }));
const attachment = fc.record(
  {
    url: url(),
    mimeType: some(['audio/mpeg', 'application/vnd.x+json'], ['audio', 3]),
    size: some([0, 3], [1.5, -1, '3']),
    title: text(),
  },
  { requiredKeys: ['url', 'mimeType'] },
);
const post = fc.record(
  {
    $schema: some(['../schemas/post.json'], [3]),
    title: text(),
    published: date(),
    format: some(['html', 'markdown'], ['md', null]),
    content: some(['<p>x</p>', ''], [5]),
    id: some(['tag:x.example,2020:a', 'urn:uuid:1'], ['nope', 'a:b c']),
    slug: some(['a-b', 'x'.repeat(200)], ['A', 'a--b', 'x'.repeat(201)]),
    updated: date(),
    summary: text(),
    authors: fc.oneof({ arbitrary: fc.array(author, { minLength: 1, maxLength: 2 }), weight: 12 }, { arbitrary: fc.constantFrom([], 'A', null), weight: 1 }),
    categories: fc.oneof({ arbitrary: fc.array(text(), { maxLength: 3 }), weight: 12 }, { arbitrary: fc.constant('A'), weight: 1 }),
    image: fc.oneof(
      { arbitrary: fc.record({ url: url(), alt: text() }, { requiredKeys: ['url'] }), weight: 12 },
      { arbitrary: fc.constantFrom([], null, 'x', { alt: 'y' }), weight: 1 },
    ),
    attachments: fc.oneof({ arbitrary: fc.array(attachment, { maxLength: 2 }), weight: 12 }, { arbitrary: fc.constant({}), weight: 1 }),
    draft: some([true, false], ['true']),
    language: some(['en', 'en-GB'], ['english', '']),
    titel: fc.constant('typo'),
  },
  { requiredKeys: ['title', 'published', 'content'] },
).chain(({ titel, ...rest }) => fc.constantFrom(rest, rest, rest, rest, rest, rest, rest, rest, rest, { ...rest, titel }));

describe('quickPostRecord', () => {
  it('has a check for every field of PostSchema, in its order', () => {
    expect(Object.keys(POST_FIELD_CHECKS)).toEqual(Object.keys(PostSchema.entries));
  });

  it('answers exactly when valibot accepts the post and no field is unknown, with valibot’s output', () => {
    let accepted = 0;
    fc.assert(
      fc.property(post, (json) => {
        const quick = quickPostRecord(json);
        if (quick) accepted++;
        const slow = v.safeParse(PostSchema, json, { abortPipeEarly: true });
        const whole = slow.success && findUnknownFields(PostSchema, json).length === 0;
        expect(quick !== undefined).toBe(whole);
        if (quick && slow.success) expect(shape(quick)).toEqual(shape(slow.output));
      }),
      { numRuns: 5000 },
    );
    // About one in six is valid whole: both answers are tried many times.
    expect(accepted).toBeGreaterThan(300);
  });

  it('takes a typical post', () => {
    const json = {
      title: 'Board meeting',
      published: '2022-01-17T09:30:00+01:00',
      content: '<p>Minutes.</p>',
      categories: ['Company News'],
      image: { url: '../media/cover.png', alt: 'Cover' },
    };
    expect(quickPostRecord(json)).toEqual(v.parse(PostSchema, json));
  });
});
