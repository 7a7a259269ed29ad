import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { PostSchema, SiteSchema } from '../../src/posts/schema.ts';
import { findUnknownFields } from '../../src/posts/unknown-fields.ts';
import { postRecord, siteRecord } from '../fixtures.ts';

describe('findUnknownFields', () => {
  it('finds nothing in a record that only uses known fields', () => {
    const record = postRecord({
      authors: [{ name: 'Anna Berg', email: 'anna@example.com' }],
      image: { url: '../media/a.png', alt: 'A' },
      attachments: [{ url: '/media/r.pdf', mimeType: 'application/pdf', size: 1, title: 'Report' }],
    });
    expect(findUnknownFields(PostSchema, record)).toEqual([]);
    expect(findUnknownFields(SiteSchema, siteRecord({ feedLimit: 5 }))).toEqual([]);
  });

  it.each([
    ['titel', 'title'], // two letters swapped
    ['tilte', 'title'],
    ['Title', 'title'], // case alone is not a difference
    ['publshed', 'published'], // one letter dropped
    ['publisheddd', 'published'], // two letters added
    ['sumary', 'summary'],
    ['catgories', 'categories'],
    ['atachments', 'attachments'],
    ['drafts', 'draft'],
  ])('suggests "%s" → "%s"', (key, suggestion) => {
    const { [suggestion]: _omitted, ...record } = postRecord();
    expect(findUnknownFields(PostSchema, { ...record, [key]: 1 })).toEqual([{ path: key, suggestion }]);
  });

  it('allows one edit for names of four letters or fewer, counting a swap as one', () => {
    const record = { title: 'A', published: '2022-01-17', content: '' };
    expect(findUnknownFields(PostSchema, { ...record, slg: 'a' })).toEqual([{ path: 'slg', suggestion: 'slug' }]);
    expect(findUnknownFields(PostSchema, { ...record, sulg: 'a' })).toEqual([{ path: 'sulg', suggestion: 'slug' }]);
    expect(findUnknownFields(PostSchema, { ...record, ix: 'a' })).toEqual([{ path: 'ix', suggestion: 'id' }]);
    // Two edits from "slug" and from "id": too far for a short name.
    expect(findUnknownFields(PostSchema, { ...record, sxyg: 'a', xy: 1 })).toEqual([{ path: 'sxyg' }, { path: 'xy' }]);
  });

  it('suggests nothing for names far from every field', () => {
    const record = postRecord();
    expect(findUnknownFields(PostSchema, { ...record, colour: 'red', tags: ['a'], body: '<p></p>' })).toEqual([
      { path: 'colour' },
      { path: 'tags' },
      { path: 'body' },
    ]);
    // Three edits from "published", even for a long name.
    expect(findUnknownFields(PostSchema, { ...record, pubished_at: '2022-01-17' })).toEqual([{ path: 'pubished_at' }]);
  });

  it('names a field the record already has when no missing one is close: a stray copy', () => {
    expect(findUnknownFields(PostSchema, postRecord({ titel: 'B' }))).toEqual([{ path: 'titel', suggestion: 'title' }]);
    expect(findUnknownFields(PostSchema, postRecord({ updated: '2022-01-18', update: '2022-01-18' }))).toEqual([
      { path: 'update', suggestion: 'updated' },
    ]);
    expect(findUnknownFields(SiteSchema, siteRecord({ author: { name: 'A' } }))).toEqual([
      { path: 'author', suggestion: 'authors' },
    ]);
  });

  it('prefers a field the record lacks over one it has', () => {
    // "slugs" is one edit from "slug" (missing) and more from anything present.
    const { slug: _slug, ...record } = postRecord({ slug: 'x' });
    expect(findUnknownFields(PostSchema, { ...record, slugs: 'a' })).toEqual([{ path: 'slugs', suggestion: 'slug' }]);
    // "draftt" is one edit from "draft", which the record lacks, though "title" is present.
    expect(findUnknownFields(PostSchema, postRecord({ draftt: true }))).toEqual([{ path: 'draftt', suggestion: 'draft' }]);
  });

  it('walks into objects and lists, naming the full path', () => {
    const record = postRecord({
      authors: [{ name: 'Anna Berg' }, { nmae: 'Bo Chen', emial: 'bo@example.com' }],
      image: { url: '../media/a.png', atl: 'A' },
      attachments: [{ url: '/media/r.pdf', mimetype: 'application/pdf' }],
    });
    expect(findUnknownFields(PostSchema, record)).toEqual([
      { path: 'authors.1.nmae', suggestion: 'name' },
      { path: 'authors.1.emial', suggestion: 'email' },
      { path: 'image.atl', suggestion: 'alt' },
      { path: 'attachments.0.mimetype', suggestion: 'mimeType' },
    ]);
  });

  it('leaves values of the wrong shape to the schema', () => {
    expect(findUnknownFields(PostSchema, postRecord({ authors: 'Anna Berg', image: ['a.png'], categories: [{ x: 1 }] }))).toEqual([]);
    expect(findUnknownFields(PostSchema, [1, 2])).toEqual([]);
    expect(findUnknownFields(PostSchema, null)).toEqual([]);
  });

  it('does not mistake names of Object.prototype for fields', () => {
    const record = JSON.parse('{"title":"A","published":"2022-01-17","content":"","constructor":1,"__proto__":{"x":1}}') as unknown;
    expect(findUnknownFields(PostSchema, record)).toEqual([{ path: 'constructor' }, { path: '__proto__' }]);
  });

  it('works for any valibot object schema, below a given path', () => {
    const schema = v.object({ colour: v.string(), size: v.optional(v.number()) });
    expect(findUnknownFields(schema, { colour: 'red', color: 'red', szie: 1 }, 'theme')).toEqual([
      { path: 'theme.color', suggestion: 'colour' },
      { path: 'theme.szie', suggestion: 'size' },
    ]);
  });
});
