/**
 * `npm run publish` (scripts/publish.ts) into a bucket in memory: what it uploads, in what order, and
 * what it says. The command itself, on wrangler's local R2, is tested in test/workerd/r2.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { describeReport, publishDataset } from '../../scripts/publish.ts';
import { POINTER_KEY, parsePointer, type IndexedPost, type PostOutline, type PublishedIndex } from '../../src/posts/published-index.ts';
import { dataset, postRecord } from '../fixtures.ts';
import { MemoryBucket } from '../worker/r2-bucket.ts';

const PUBLISHED_AT = () => new Date('2024-06-01T00:00:00Z');
const posts = {
  a: postRecord({ title: 'A', content: '<p onclick="x()">A body</p>' }),
  b: postRecord({ title: 'B', published: '2024-03-02', content: '<p>B body</p>' }),
};
const media = { 'a.png': new Uint8Array([1, 2, 3]) };

describe('publishDataset', () => {
  it('uploads the media, bodies and index parts, then the manifest, then the pointer; no part holds content', async () => {
    const bucket = new MemoryBucket();
    const report = await publishDataset(await dataset({ posts, media }), bucket, { now: PUBLISHED_AT });
    expect(report).toMatchObject({
      changed: true,
      bodies: { uploaded: 2, unchanged: 0 },
      media: { uploaded: 1, unchanged: 0 },
      parts: { uploaded: 3, unchanged: 0 },
      objects: 8,
    });
    expect(bucket.written.map((key) => key.replace(/[0-9a-f]{32}/, 'HASH'))).toEqual([
      'media/HASH',
      'bodies/HASH.html',
      'bodies/HASH.html',
      'posts/HASH.json',
      'outlines/HASH.json',
      'scopes/HASH.json',
      'indexes/HASH.json',
      POINTER_KEY,
    ]);
    expect(report.bytes).toBe([...bucket.objects.values()].reduce((sum, bytes) => sum + bytes.byteLength, 0));
    const pointer = parsePointer((await bucket.read(POINTER_KEY)) ?? '');
    expect(pointer).toEqual({ format: 2, index: report.index, version: report.version, publishedAt: '2024-06-01T00:00:00.000Z' });
    const index = JSON.parse((await bucket.read(report.index)) ?? '') as PublishedIndex;
    expect(index).toMatchObject({ count: 2, chunks: [expect.stringMatching(/^posts\//)], outlines: [expect.stringMatching(/^outlines\//)] });
    // Oldest first, so that new posts change only the newest parts.
    const outline = JSON.parse((await bucket.read(index.outlines[0] ?? '')) ?? '') as PostOutline;
    expect(outline).toEqual({
      slugs: ['a', 'b'],
      published: [Date.parse('2024-03-01'), Date.parse('2024-03-02')],
      updated: [Date.parse('2024-03-01'), Date.parse('2024-03-02')],
      drafts: [],
    });
    const fields = JSON.parse((await bucket.read(index.chunks[0] ?? '')) ?? '') as IndexedPost[];
    expect(fields.map((post) => post.title)).toEqual(['A', 'B']);
    expect(fields[0]).not.toHaveProperty('content');
    // Sanitised at publish time, and the summary a post without one gets, as in the bundle.
    expect(await bucket.read(fields[0]?.body ?? '')).toBe('<p>A body</p>');
    expect(fields[0]?.summary).toBe('A body');
  });

  it('uploads only a changed post\u2019s body and the parts that name it, and nothing when nothing changed', async () => {
    const bucket = new MemoryBucket();
    await publishDataset(await dataset({ posts, media }), bucket, { now: PUBLISHED_AT });
    bucket.reset();
    const again = await publishDataset(await dataset({ posts, media }), bucket, { now: PUBLISHED_AT });
    expect(again.changed).toBe(false);
    expect(bucket.written).toEqual([]);
    expect(describeReport(again)).toBe(`Nothing to publish: the bucket serves version ${again.version} (${again.index}) already.`);

    const edited = await publishDataset(await dataset({ posts: { ...posts, b: { ...posts.b, content: '<p>B, corrected</p>' } }, media }), bucket, {
      now: PUBLISHED_AT,
    });
    // Its body, and its fields' part (its summary comes from the body); the outline and scopes stay.
    expect(bucket.written).toEqual([expect.stringMatching(/^bodies\//), expect.stringMatching(/^posts\//), edited.index, POINTER_KEY]);
    expect(describeReport(edited)).toBe(
      `Published version ${edited.version} (${edited.index}): uploaded 1 post body, 0 media files, 1 index part and the manifest ` +
        `(4 objects, ${edited.bytes} bytes with the pointer); 1 post body, 1 media file and 2 index parts were there already.`,
    );
  });

  it('refuses to replace a pointer it did not write', async () => {
    const bucket = new MemoryBucket();
    await bucket.write([{ key: POINTER_KEY, body: 'something else', contentType: 'text/plain' }]);
    await expect(publishDataset(await dataset({ posts }), bucket)).rejects.toThrow(
      "the bucket's current was not written by npm run publish; refusing to replace it",
    );
  });
});
