import { describe, expect, it } from 'vitest';
import type { NamedScope, ScopeKind } from '../../src/feeds/scopes.ts';
import { indexOf, type DatasetIndex } from '../../src/http/snapshot.ts';
import { precomputedIndex, scopeParts } from '../../src/worker/precomputed-index.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';

const END = new Date(8.64e15);
/** An index as plain data: what each look-up answers, in the order it iterates. */
function described(index: DatasetIndex, slugs: readonly string[]) {
  const scope = (s: NamedScope) => ({ kind: s.kind, name: s.name, slug: s.slug, path: s.path, posts: s.posts.at(END).map((p) => p.slug) });
  const kinds: ScopeKind[] = ['category', 'author'];
  return {
    published: index.published.at(END).map((post) => post.slug),
    dueAt: index.published.countAt(new Date('2025-01-01')),
    bySlug: slugs.map((slug) => index.bySlug.get(slug)?.slug),
    scopes: kinds.map((kind) => ({
      bySlug: [...index.scopes.bySlug[kind].values()].map(scope),
      byName: [...index.scopes.byName[kind].keys()],
    })),
  };
}

describe('precomputedIndex', () => {
  it('is the index indexOf builds, from the scopes build:data and publish work out', async () => {
    const loaded = await dataset({
      site: siteRecord({ authors: [{ name: 'Press Office' }] }),
      posts: {
        old: postRecord({ published: '2023-01-01', categories: ['Board', 'Plant'], authors: [{ name: 'Anna Berg' }] }),
        mid: postRecord({ published: '2024-01-01', categories: ['plant', 'Résultats'] }),
        draft: postRecord({ published: '2024-02-01', categories: ['Secret'], draft: true }),
        later: postRecord({ published: '2030-01-01', categories: ['Future', 'Board'] }),
        new: postRecord({ published: '2024-06-01', categories: ['Board'], authors: [{ name: 'Anna Berg' }, { name: 'Li Wei' }] }),
      },
    });
    const parts = scopeParts(loaded);
    // Plain JSON, as the data module and the bucket carry it.
    const restored = precomputedIndex(loaded.posts, JSON.parse(JSON.stringify(parts)) as typeof parts);
    // Every slug, the draft's included (it has no page), and one no post has.
    const slugs = [...loaded.posts.map((post) => post.slug), 'no-such-post'];
    expect(described(restored, slugs)).toEqual(described(indexOf(loaded), slugs));
    expect(parts.find((part) => part.name === 'Secret')).toBeUndefined();
    expect(() => precomputedIndex(loaded.posts.slice(0, 2), parts)).toThrow(/the data and its index disagree/);
  });
});
