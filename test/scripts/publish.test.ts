/**
 * `npm run publish` (scripts/publish.ts) into a bucket in memory: what it uploads, in what order, and
 * what it says. The command itself, on wrangler's local R2, is tested in test/workerd/r2.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { describeReport, publishDataset } from '../../scripts/publish.ts';
import { POINTER_KEY, objectsOf, parsePointer, type IndexedPost, type PostOutline, type PublishedIndex } from '../../src/posts/published-index.ts';
import { r2Data } from '../../src/worker/r2-data.ts';
import { createWorker } from '../../src/worker/edge-cache.ts';
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
      // The post fields, the outline, the scopes, and the three feeds and the home page rendered for site.json's url.
      parts: { uploaded: 7, unchanged: 0 },
      rendered: { baseUrl: 'https://news.example.com', count: 4 },
      objects: 12,
    });
    expect(bucket.written.map((key) => key.replace(/[0-9a-f]{32}/, 'HASH'))).toEqual([
      'media/HASH',
      'bodies/HASH.html',
      'bodies/HASH.html',
      'posts/HASH.json',
      'outlines/HASH.json',
      'scopes/HASH.json',
      'rendered/HASH',
      'rendered/HASH',
      'rendered/HASH',
      'rendered/HASH',
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
    // Its body, its fields' part (its summary comes from the body), and the feeds and home page that
    // show it; the outline and scopes stay.
    expect(bucket.written).toEqual([
      expect.stringMatching(/^bodies\//),
      expect.stringMatching(/^posts\//),
      ...Array.from({ length: 4 }, () => expect.stringMatching(/^rendered\//)),
      edited.index,
      POINTER_KEY,
    ]);
    expect(describeReport(edited)).toBe(
      `Published version ${edited.version} (${edited.index}): uploaded 1 post body, 0 media files, 5 index parts and the manifest ` +
        `(8 objects, ${edited.bytes} bytes with the pointer); 1 post body, 1 media file and 2 index parts were there already.\n` +
        'The feeds and home page are rendered for https://news.example.com (4 parts of the index); a worker with another SITE_URL renders them itself.',
    );
  });

  it('lists the manifests it replaced, and with prune deletes what only those replaced before the grace period name', async () => {
    const bucket = new MemoryBucket();
    let seconds = 0;
    const now = () => new Date(Date.UTC(2024, 5, 1) + seconds * 1000);
    const at = (s: number) => new Date(Date.UTC(2024, 5, 1) + s * 1000).toISOString();
    const prune = { graceMs: 150_000 };
    const v1 = await publishDataset(await dataset({ posts, media }), bucket, { now });
    seconds = 100;
    const v2 = await publishDataset(await dataset({ posts: { ...posts, b: { ...posts.b, content: '<p>B, corrected</p>' } }, media }), bucket, { now });
    seconds = 200;
    const v3Data = await dataset({ posts: { a: { ...posts.a, content: '<p>A, corrected</p>' }, b: { ...posts.b, content: '<p>B, corrected</p>' } }, media });
    const v3 = await publishDataset(v3Data, bucket, { now, prune });
    const pointer = async () => parsePointer((await bucket.read(POINTER_KEY)) ?? '');
    expect((await pointer())?.replaced).toEqual([
      { index: v2.index, replacedAt: at(200) },
      { index: v1.index, replacedAt: at(100) },
    ]);
    // Both replaced within the grace period: nothing goes.
    expect(v3.pruned).toEqual({ indexes: 0, objects: 0, waiting: 2 });
    expect(bucket.deleted).toEqual([]);

    /** Every object a manifest names, read the way a worker reads them: parts, then each part's bodies. */
    const named = async (manifest: string) => {
      const index = JSON.parse((await bucket.read(manifest)) ?? '') as PublishedIndex;
      const parts = await Promise.all(index.chunks.map(async (part) => JSON.parse((await bucket.read(part)) ?? '') as IndexedPost[]));
      return [manifest, ...objectsOf(index), ...parts.flat().map((post) => post.body)];
    };
    const mustStay = new Set([POINTER_KEY, ...(await named(v3.index)), ...(await named(v2.index))]);
    const v1Objects = await named(v1.index);

    // Unchanged data, later: v1 was replaced 200 s ago, past the grace; v2 100 s ago, within it.
    seconds = 300;
    const later = await publishDataset(v3Data, bucket, { now, prune });
    expect(later.changed).toBe(false);
    expect(later.pruned).toEqual({ indexes: 1, objects: v1Objects.filter((key) => !mustStay.has(key)).length, waiting: 1 });
    // v1's manifest, its post fields, its four renders and b's first body; its outline, scopes, media and
    // a's first body (named by v2) stay.
    expect(new Set(bucket.deleted)).toEqual(new Set(v1Objects.filter((key) => !mustStay.has(key))));
    expect(bucket.deleted).toHaveLength(7);
    expect(new Set(bucket.objects.keys())).toEqual(mustStay);
    expect((await pointer())?.replaced).toEqual([{ index: v2.index, replacedAt: at(200) }]);
    expect(describeReport(later)).toBe(
      `Nothing to publish: the bucket serves version ${later.version} (${later.index}) already.\n` +
        'Pruned 1 replaced manifest: deleted 7 objects nothing newer names. 1 replaced manifest is kept: replaced within the grace period, a worker may still read it.',
    );

    seconds = 400;
    const last = await publishDataset(v3Data, bucket, { now, prune });
    expect(last.pruned).toMatchObject({ indexes: 1, waiting: 0 });
    expect(new Set(bucket.objects.keys())).toEqual(new Set([POINTER_KEY, ...(await named(v3.index))]));
    expect((await pointer())?.replaced).toBeUndefined();

    // What is left serves the current version whole.
    const data = r2Data({ bucket });
    await data.source.refresh();
    const worker = createWorker({ source: data.source, safeContent: data.safeContent, now: () => new Date('2025-01-01') });
    const feed = await worker.fetch(new Request('https://news.example.com/rss.xml'), {}, { waitUntil() {}, passThroughOnException() {}, props: {} } as never);
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('A, corrected');
  });

  it('takes an earlier version published again off the list of those it replaced', async () => {
    const bucket = new MemoryBucket();
    const first = await publishDataset(await dataset({ posts }), bucket, { now: PUBLISHED_AT });
    const second = await publishDataset(await dataset({ posts: { a: posts.a } }), bucket, { now: PUBLISHED_AT });
    await publishDataset(await dataset({ posts }), bucket, { now: PUBLISHED_AT });
    const pointer = parsePointer((await bucket.read(POINTER_KEY)) ?? '');
    expect(pointer?.index).toBe(first.index);
    expect(pointer?.replaced).toEqual([{ index: second.index, replacedAt: '2024-06-01T00:00:00.000Z' }]);
  });

  it('refuses to replace a pointer it did not write', async () => {
    const bucket = new MemoryBucket();
    await bucket.write([{ key: POINTER_KEY, body: 'something else', contentType: 'text/plain' }]);
    await expect(publishDataset(await dataset({ posts }), bucket)).rejects.toThrow(
      "the bucket's current was not written by npm run publish; refusing to replace it",
    );
  });
});
