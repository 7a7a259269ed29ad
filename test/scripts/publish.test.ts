/**
 * `npm run publish` (scripts/publish.ts) into a bucket in memory: what it uploads, in what order, and
 * what it says. The command itself, on wrangler's local R2, is tested in test/workerd/r2.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { describeReport, publishDataset } from '../../scripts/publish.ts';
import { POINTER_KEY, parsePointer, type PublishedIndex } from '../../src/posts/published-index.ts';
import { dataset, postRecord } from '../fixtures.ts';
import { MemoryBucket } from '../worker/r2-bucket.ts';

const PUBLISHED_AT = () => new Date('2024-06-01T00:00:00Z');
const posts = {
  a: postRecord({ title: 'A', content: '<p onclick="x()">A body</p>' }),
  b: postRecord({ title: 'B', published: '2024-03-02', content: '<p>B body</p>' }),
};
const media = { 'a.png': new Uint8Array([1, 2, 3]) };

describe('publishDataset', () => {
  it('uploads the media and bodies, then the index, then the pointer; the index holds no content', async () => {
    const bucket = new MemoryBucket();
    const report = await publishDataset(await dataset({ posts, media }), bucket, { now: PUBLISHED_AT });
    expect(report).toMatchObject({ changed: true, bodies: { uploaded: 2, unchanged: 0 }, media: { uploaded: 1, unchanged: 0 } });
    expect(bucket.written.map((key) => key.replace(/[0-9a-f]{32}/, 'HASH'))).toEqual([
      'media/HASH',
      'bodies/HASH.html',
      'bodies/HASH.html',
      'indexes/HASH.json',
      POINTER_KEY,
    ]);
    const pointer = parsePointer((await bucket.read(POINTER_KEY)) ?? '');
    expect(pointer).toEqual({ format: 1, index: report.index, version: report.version, publishedAt: '2024-06-01T00:00:00.000Z' });
    const index = JSON.parse((await bucket.read(report.index)) ?? '') as PublishedIndex;
    expect(index.posts.map((post) => post.title)).toEqual(['B', 'A']);
    expect(index.posts[1]).not.toHaveProperty('content');
    // Sanitised at publish time, and the summary a post without one gets, as in the bundle.
    expect(await bucket.read(index.posts[1]?.body ?? '')).toBe('<p>A body</p>');
    expect(index.posts[1]?.summary).toBe('A body');
  });

  it('uploads only a changed post\u2019s body and the index, and nothing when nothing changed', async () => {
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
    expect(bucket.written).toEqual([expect.stringMatching(/^bodies\//), edited.index, POINTER_KEY]);
    expect(describeReport(edited)).toBe(
      `Published version ${edited.version} (${edited.index}): uploaded 1 post body, 0 media files and the index; ` +
        '1 post body and 1 media file were there already.',
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
