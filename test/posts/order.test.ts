import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newestFirst, sortNewestFirst } from '../../src/posts/order.ts';
import type { Post } from '../../src/posts/schema.ts';

/** Enough of a post to be ordered; `file` tells apart posts that sort alike. */
const post = (published: Date, slug: string, file: string): Post => ({ title: slug, published, updated: published, content: '', slug, file });

const posts = fc.array(
  fc.record({
    // Few times and slugs: ties of time, and of time and slug, are common.
    day: fc.integer({ min: 0, max: 5 }),
    ms: fc.constantFrom(0, 0, 0, 1, 86_399_999),
    slug: fc.constantFrom('a', 'b', 'c', 'a-b', 'z'),
  }),
  { maxLength: 60 },
);

describe('sortNewestFirst', () => {
  it('orders as a stable sort by newestFirst does, ties of time and of slug included', () => {
    fc.assert(
      fc.property(posts, (specs) => {
        const list = specs.map((spec, i) => post(new Date(Date.UTC(2024, 0, 1 + spec.day) + spec.ms), spec.slug, `posts/${i}.json`));
        const expected = [...list].sort(newestFirst).map((p) => p.file);
        expect(sortNewestFirst([...list]).map((p) => p.file)).toEqual(expected);
      }),
    );
  });

  it('sorts in place and returns the same array', () => {
    const list = [post(new Date('2024-01-01'), 'old', 'o'), post(new Date('2024-02-01'), 'new', 'n')];
    expect(sortNewestFirst(list)).toBe(list);
    expect(list.map((p) => p.slug)).toEqual(['new', 'old']);
  });
});
