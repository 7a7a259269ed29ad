import { describe, expect, it } from 'vitest';
import { SLUG_MAX_CHARS, assignSlugs, slugify } from '../../src/feeds/slugs.ts';

describe('slugify', () => {
  it.each([
    ['Company News', 'company-news'],
    ['Anna Berg', 'anna-berg'],
    ['医疗器械', '医疗器械'],
    ['R&D / Lab', 'r-d-lab'],
    ['  -- Spaces,  dots... and dashes --  ', 'spaces-dots-and-dashes'],
    ['Köln', 'köln'],
    ['Ｎｅｗｓ ２０２４', 'news-2024'], // full-width letters and digits, NFKC
    ['Cafe\u0301', 'café'], // a decomposed é becomes the composed one
    ['हिन्दी समाचार', 'हिन्दी-समाचार'], // combining vowel signs are kept
    ['Ελληνικά Νέα', 'ελληνικά-νέα'],
    ['Zoë’s “Notes”', 'zoë-s-notes'],
  ])('%j → %j', (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it('gives the empty slug to a name without letters or digits', () => {
    expect(slugify('+++')).toBe('');
  });
});

describe('assignSlugs', () => {
  const slugsOf = (names: string[]) => Object.fromEntries(assignSlugs(names).slugOf);

  it('gives each name its plain slug when none collide', () => {
    expect(slugsOf(['Company News', 'Anna Berg'])).toEqual({ 'Company News': 'company-news', 'Anna Berg': 'anna-berg' });
  });

  it('never merges two names: the first used keeps the plain slug, later ones are numbered', () => {
    expect(slugsOf(['Company News', 'company news', 'COMPANY-NEWS'])).toEqual({
      'Company News': 'company-news',
      'company news': 'company-news-2',
      'COMPANY-NEWS': 'company-news-3',
    });
  });

  it('skips a numbered slug that another name has by itself', () => {
    expect(slugsOf(['News', 'news', 'News 2'])).toEqual({ News: 'news', news: 'news-3', 'News 2': 'news-2' });
  });

  it('keeps a published slug when a newer colliding name arrives (names come oldest use first)', () => {
    const before = slugsOf(['R&D']);
    const after = slugsOf(['R&D', 'R D']);
    expect(after['R&D']).toBe(before['R&D']);
    expect(after['R D']).toBe('r-d-2');
  });

  it('gives a name of symbols only a slug of its code points', () => {
    expect(slugsOf(['+++', '#'])).toEqual({ '+++': '2b-2b-2b', '#': '23' });
  });

  it('maps every slug back to its one name', () => {
    const { slugOf, nameOf } = assignSlugs(['A b', 'a B', 'a-b', '+']);
    expect(new Set(slugOf.values()).size).toBe(4);
    for (const [name, slug] of slugOf) expect(nameOf.get(slug)).toBe(name);
  });
});

describe('long names', () => {
  it('cut their slug to at most 100 characters, at a hyphen where there is one', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const slug = slugify(words);
    expect(slug.length).toBeLessThanOrEqual(SLUG_MAX_CHARS);
    expect(slug).toMatch(/^word0-word1-.*-word\d+$/);
    expect(Array.from(slugify('医'.repeat(230)))).toHaveLength(SLUG_MAX_CHARS);
    expect(encodeURIComponent(slugify('医'.repeat(230))).length).toBe(900);
  });

  it('of symbols only are cut too', () => {
    const { slugOf } = assignSlugs(['🎉'.repeat(450)]);
    const slug = slugOf.get('🎉'.repeat(450))!;
    expect(slug.length).toBeLessThanOrEqual(SLUG_MAX_CHARS);
    expect(slug).toMatch(/^1f389(-1f389)+$/);
  });

  it('that agree in their first 100 characters still get slugs of their own', () => {
    const { slugOf } = assignSlugs(['a'.repeat(120), `${'a'.repeat(120)}b`]);
    expect([...slugOf.values()]).toEqual(['a'.repeat(100), `${'a'.repeat(100)}-2`]);
  });
});
