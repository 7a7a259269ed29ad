import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildIndex, deriveIndex, indexOf, prepareIndex, snapshots, type DatasetIndex } from '../../src/http/snapshot.ts';
import { lastModifiedOf, type PublishedPosts } from '../../src/feeds/model.ts';
import { newestFirst, type Dataset, type Post } from '../../src/posts/index.ts';
import { dataset, postRecord } from '../fixtures.ts';

/** What a post may be in these tests: few days, few names (some colliding as slugs), drafts. */
const postShape = fc.record({
  day: fc.integer({ min: 0, max: 4 }),
  /** Days between publishing and the last update. */
  late: fc.integer({ min: 0, max: 6 }),
  categories: fc.option(fc.subarray(['News', 'news', 'News!', 'Ça va', 'Company News']), { nil: undefined }),
  authors: fc.option(fc.subarray(['Anna Berg', 'anna berg', 'Bo']), { nil: undefined }),
  draft: fc.boolean(),
});
type Shape = typeof postShape extends fc.Arbitrary<infer T> ? T : never;

/** One step: each post kept, removed or replaced (same slug), and some new posts. */
const step = fc.record({
  fate: fc.array(fc.constantFrom('keep', 'keep', 'keep', 'remove', 'replace'), { maxLength: 40 }),
  replacements: fc.array(postShape, { maxLength: 40 }),
  added: fc.array(postShape, { maxLength: 8 }),
});

describe('deriveIndex', () => {
  it('gives what a full build of the changed data gives, version after version', async () => {
    const base = await dataset({ posts: { seed: postRecord() } });
    const template = base.posts[0]!;
    let serial = 0;
    const post = (shape: Shape, slug = `post-${serial++}`): Post => ({
      ...template,
      slug,
      file: `posts/${slug}.json`,
      published: new Date(Date.UTC(2024, 0, 1 + shape.day)),
      updated: new Date(Date.UTC(2024, 0, 1 + shape.day + shape.late)),
      ...(shape.categories ? { categories: shape.categories } : { categories: undefined }),
      ...(shape.authors ? { authors: shape.authors.map((name) => ({ name })) } : { authors: undefined }),
      draft: shape.draft,
    });
    const version = (posts: Post[]): Dataset => ({ ...base, posts: [...posts].sort(newestFirst) });

    fc.assert(
      fc.property(fc.array(postShape, { maxLength: 30 }), fc.array(step, { minLength: 1, maxLength: 4 }), (initial, steps) => {
        let current = version(initial.map((shape) => post(shape)));
        let index = buildIndex(current);
        for (const { fate, replacements, added } of steps) {
          const posts: Post[] = [];
          current.posts.forEach((p, i) => {
            const what = fate[i] ?? 'keep';
            if (what === 'keep') posts.push(p);
            else if (what === 'replace') posts.push(post(replacements[i % Math.max(1, replacements.length)] ?? { day: 0, late: 0, categories: undefined, authors: undefined, draft: false }, p.slug));
          });
          for (const shape of added) posts.push(post(shape));
          const next = version(posts);
          const derived = deriveIndex(index, current, next);
          expect(shown(derived, next)).toEqual(shown(buildIndex(next), next));
          current = next;
          index = derived;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is what prepareIndex makes, in turns, for the version that replaces one with an index', async () => {
    const before = await dataset({ posts: { a: postRecord({ categories: ['News'] }) } });
    const after: Dataset = { ...before, posts: [...before.posts, { ...before.posts[0]!, slug: 'b', categories: ['Sport'] }].sort(newestFirst) };
    indexOf(before);
    await prepareIndex(after, before);
    expect(shown(indexOf(after), after)).toEqual(shown(buildIndex(after), after));
    expect(indexOf(after).scopes.byName.category.get('News')).toBe(indexOf(before).scopes.byName.category.get('News'));
  });

  it('is what indexOf gives a version when it is told the one before', async () => {
    const before = await dataset({ posts: { a: postRecord({ categories: ['News'] }) } });
    const after: Dataset = { ...before, posts: [...before.posts, { ...before.posts[0]!, slug: 'b', categories: ['Sport'] }].sort(newestFirst) };
    indexOf(before);
    const index = indexOf(after, before);
    expect(shown(index, after)).toEqual(shown(buildIndex(after), after));
    expect(index.scopes.byName.category.get('News')).toBe(indexOf(before).scopes.byName.category.get('News'));
  });
});

/** An index as plain data, each post by its slug and the object's own number (a replaced post is another). */
function shown(index: DatasetIndex, data: Dataset) {
  const ids = new Map<Post, number>();
  const id = (post: Post | undefined) => {
    if (!post) return undefined;
    if (!ids.has(post)) ids.set(post, ids.size);
    return `${post.slug}#${ids.get(post)}`;
  };
  data.posts.forEach(id);
  // Before and after some posts are due, and when all are: the list a feed shows and its newest change.
  const shownAt = (posts: PublishedPosts) =>
    [Date.UTC(2023, 0, 1), Date.UTC(2024, 0, 3), Date.UTC(2030, 0, 1)].map((ms) => {
      const list = posts.at(new Date(ms));
      return [list.map(id), lastModifiedOf({}, list)?.getTime()];
    });
  return {
    published: index.published.candidates.map(id),
    publishedAt: shownAt(index.published),
    bySlug: [...new Set(data.posts.map((p) => p.slug)), 'missing'].map((slug) => [slug, id(index.bySlug.get(slug))]),
    scopes: (['category', 'author'] as const).map((kind) => ({
      bySlug: [...index.scopes.bySlug[kind]].map(([slug, s]) => [slug, s.name, s.slug, s.path, s.kind, s.posts.candidates.map(id), shownAt(s.posts)]),
      byName: [...index.scopes.byName[kind]].map(([name, s]) => [name, s.slug]),
    })),
  };
}

describe('snapshots', () => {
  it('gives each moment the key a first look at it gives, as the clock runs on, back, and the data changes', async () => {
    const base = await dataset({ posts: { seed: postRecord() } });
    const template = base.posts[0]!;
    const day = 24 * 60 * 60 * 1000;
    const start = Date.UTC(2024, 0, 1);
    const version = (days: number[], name: string): Dataset => ({
      ...base,
      version: name,
      posts: days
        .map((offset, i): Post => ({ ...template, slug: `p${i}`, file: `posts/p${i}.json`, published: new Date(start + offset * day), updated: new Date(start + offset * day) }))
        .sort(newestFirst),
    });
    const versions = [version([0, 2, 2, 5], 'a'), version([1, 3], 'b'), version([], 'c')];
    const moment = fc.record({ version: fc.integer({ min: 0, max: 2 }), time: fc.integer({ min: -day, max: 7 * day }), host: fc.constantFrom('a.test', 'b.test') });
    fc.assert(
      fc.property(fc.array(moment, { minLength: 1, maxLength: 30 }), (moments) => {
        let current = moments[0]!;
        const snapshotOf = snapshots({ current: () => versions[current.version]!, now: () => new Date(start + current.time) });
        for (const m of moments) {
          current = m;
          const fresh = snapshots({ current: () => versions[m.version]!, now: () => new Date(start + m.time) });
          const url = `http://${m.host}/rss.xml`;
          expect(snapshotOf(url).key).toBe(fresh(url).key);
        }
      }),
      { numRuns: 300 },
    );
  });
});
