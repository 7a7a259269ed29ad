/**
 * The worker in workerd with its data in wrangler's local R2, no account: `npm run publish --local`
 * into the storage `wrangler dev` persists, feeds and pages served from it, then a change of one
 * post published while it serves, uploaded alone with the index parts naming it and served without a
 * restart; a publish while requests come in, each answered from the old data or the new, whole; and a
 * prune of what only replaced manifests name, after which a worker started afresh serves it all.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, postRecord, removeDir, siteRecord } from '../fixtures.ts';
import { publishLocally, uploadedCounts } from './publish-locally.ts';
import { startWorker, workerdUnavailable, type RunningWorker } from './start-worker.ts';

const SITE_URL = 'https://press.example.org/news';

const unavailable = await workerdUnavailable();
if (unavailable) console.warn(`Skipping the workerd tests of the R2 data source: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('the worker serving from local R2 in workerd', () => {
  let dir = '';
  let worker: RunningWorker;
  beforeAll(async () => {
    dir = await makeDataDir({
      site: siteRecord({ feedLimit: 2 }),
      posts: {
        'board-meeting': postRecord({ title: 'Board meeting', published: '2024-02-01', categories: ['Board'], content: '<p>The board met.</p>' }),
        'new-plant': postRecord({
          title: 'New plant',
          published: '2024-03-01T09:30:00+01:00',
          categories: ['Plant'],
          content: '<p onclick="steal()">The new plant opens in spring.</p><img src="../media/plant.png" alt="">',
        }),
        'plant-tour': postRecord({ title: 'Plant tour', published: '2024-03-05', categories: ['Plant'], content: '<p>A tour.</p>' }),
        'annual-report': postRecord({ title: 'Annual report', published: '2024-04-01', content: '<p>The report.</p>' }),
        // A draft is published too (its body with it), and served nowhere.
        draft: postRecord({ title: 'Not yet', published: '2024-01-01', draft: true }),
      },
      media: { 'plant.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]) },
    });
    // Every request reads the pointer: the test sees a publish at once, without waiting out an interval.
    worker = await startWorker({ dataDir: dir, dataSource: 'r2', vars: { SITE_URL, DATA_RECHECK_SECONDS: '0' }, timeoutMs: 120_000 });
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    if (dir) await removeDir(dir);
  });

  it('answers 503 before anything is published, then serves feeds, pages, paging, a category feed and a post page', async () => {
    const before = await fetch(`${worker.url}/rss.xml`);
    expect(before.status).toBe(503);
    expect(await before.text()).toBe('Nothing has been published yet: run npm run publish.\n');

    const published = await publishLocally(dir, path.join(worker.dir, 'state'), ['--site-url', SITE_URL]);
    expect(published.stderr).toBe('');
    expect(published.code).toBe(0);
    // Five bodies, the image, one part of the post fields, the outline, the scopes, the three feeds and
    // the home page rendered for SITE_URL, the manifest, the pointer.
    expect(uploadedCounts(published.stdout)).toMatchObject({ bodies: 5, media: 1, parts: 7, objects: 15, unchangedBodies: 0 });
    expect(published.stdout).toContain(`The feeds and home page are rendered for ${SITE_URL} (4 parts of the index)`);

    const rss = await (await fetch(`${worker.url}/rss.xml`)).text();
    expect(rss).toContain('<title>Annual report</title>');
    expect(rss).toContain('<title>Plant tour</title>');
    expect(rss).not.toContain('<title>New plant</title>');
    expect(rss).toContain(`<atom:link href="${SITE_URL}/page/2/rss.xml" rel="next"`);
    const page2 = await (await fetch(`${worker.url}/page/2/rss.xml`)).text();
    expect(page2).toContain('<title>New plant</title>');
    expect(page2).toContain(`&lt;img src="${SITE_URL}/media/plant.png"`);
    expect(page2).not.toMatch(/onclick|steal\(\)/);
    for (const [url, text] of [
      ['/atom.xml', 'Annual report'],
      ['/feed.json', 'Annual report'],
      ['/', 'Annual report'],
      ['/page/2/', 'New plant'],
      ['/categories/plant/rss.xml', '<title>Plant tour</title>'],
      ['/categories/plant/', 'Plant tour'],
      ['/posts/new-plant/', 'The new plant opens in spring.'],
    ] as const) {
      const response = await fetch(`${worker.url}${url}`);
      expect(response.status, url).toBe(200);
      expect(await response.text(), url).toContain(text);
    }
    // The older addresses move, in workerd as on Node.
    for (const [url, location] of [
      ['/rss.xml?page=2', `${SITE_URL}/page/2/rss.xml`],
      ['/?page=2', `${SITE_URL}/page/2/`],
      ['/posts/new-plant', `${SITE_URL}/posts/new-plant/`],
      ['/categories/Plant', `${SITE_URL}/categories/plant/`],
    ] as const) {
      const moved = await fetch(`${worker.url}${url}`, { redirect: 'manual' });
      expect([moved.status, moved.headers.get('location')], url).toEqual([301, location]);
    }
    const image = await fetch(`${worker.url}/media/plant.png`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
    expect((await fetch(`${worker.url}/posts/draft/`)).status).toBe(404);
  }, 180_000);

  it('serves a changed post without a restart, after a publish that uploads that post and the index parts naming it only', async () => {
    const file = path.join(dir, 'posts', 'plant-tour.json');
    const record = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...record, content: '<p>A tour, now with a date.</p>' }));
    const published = await publishLocally(dir, path.join(worker.dir, 'state'), ['--site-url', SITE_URL]);
    expect(published.code).toBe(0);
    // Its body, the part of the post fields it is in, the feeds and home page rendered at publish (they
    // show it), the manifest and the pointer: nothing else.
    expect(uploadedCounts(published.stdout)).toMatchObject({ bodies: 1, media: 0, parts: 5, objects: 8, unchangedBodies: 4 });

    expect(await (await fetch(`${worker.url}/posts/plant-tour/`)).text()).toContain('A tour, now with a date.');
    expect(await (await fetch(`${worker.url}/categories/plant/rss.xml`)).text()).toContain('A tour, now with a date.');
    const health = (await (await fetch(`${worker.url}/healthz`)).json()) as { version: string; posts: number };
    expect(published.stdout).toContain(`Published version ${health.version} `);
    expect(health.posts).toBe(4);

    const again = await publishLocally(dir, path.join(worker.dir, 'state'), ['--site-url', SITE_URL]);
    expect(again.stdout).toContain('Nothing to publish: the bucket serves version');
  }, 180_000);

  it('answers with the old data or the new while a publish runs, never a mix of the two', async () => {
    const paths = ['/rss.xml', '/feed.json', '/'];
    const read = async (url: string) => {
      const response = await fetch(`${worker.url}${url}`);
      expect(response.status, url).toBe(200);
      return response.text();
    };
    const before = await Promise.all(paths.map(read));
    // A new post and an edit of another: new bodies, a new part of the post fields, a new outline and scopes.
    const file = path.join(dir, 'posts', 'annual-report.json');
    const record = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...record, title: 'Annual report, audited' }));
    await writeFile(
      path.join(dir, 'posts', 'results.json'),
      JSON.stringify(postRecord({ title: 'Results', published: '2024-05-01', categories: ['Board'], content: '<p>The results.</p>' })),
    );
    let done = false;
    const publishing = publishLocally(dir, path.join(worker.dir, 'state'), ['--site-url', SITE_URL]).finally(() => (done = true));
    const seen: string[][] = [];
    // Reads as fast as the worker answers while the objects go in, the pointer last.
    while (!done) seen.push(await Promise.all(paths.map(read)));
    expect((await publishing).code).toBe(0);
    const after = await Promise.all(paths.map(read));
    expect(after[0]).toContain('<title>Results</title>');
    expect(after[0]).toContain('<title>Annual report, audited</title>');
    expect(seen.length).toBeGreaterThan(0);
    for (const answers of seen) {
      // Each answer is one version's, whole.
      answers.forEach((text, i) => expect([before[i], after[i]], paths[i]).toContain(text));
    }
  }, 180_000);

  it('prunes what only replaced manifests name, and serves the current data whole afterwards', async () => {
    const paths = ['/rss.xml', '/feed.json', '/', '/posts/plant-tour/', '/posts/annual-report/', '/categories/plant/rss.xml', '/media/plant.png'];
    const read = async (url: string) => {
      const response = await fetch(`${worker.url}${url}`);
      expect(response.status, url).toBe(200);
      return response.text();
    };
    const before = await Promise.all(paths.map(read));
    // The tests before published three times: two manifests were replaced, each named by nothing newer.
    const pruned = await publishLocally(dir, path.join(worker.dir, 'state'), ['--site-url', SITE_URL, '--prune', '--prune-grace', '0']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/Nothing to publish[^\n]*\nPruned 2 replaced manifests: deleted [1-9]\d* objects nothing newer names\.\n/);
    expect(await Promise.all(paths.map(read))).toEqual(before);
    const again = await publishLocally(dir, path.join(worker.dir, 'state'), ['--site-url', SITE_URL, '--prune', '--prune-grace', '0']);
    expect(again.stdout).toContain('Pruned 0 replaced manifests: deleted 0 objects nothing newer names.');
    // A worker started afresh on the same storage reads everything it needs from what is left.
    await worker.stop({ keepCopy: true });
    worker = await startWorker({ dataDir: dir, copy: worker.dir, vars: { SITE_URL, DATA_RECHECK_SECONDS: '0' }, timeoutMs: 120_000 });
    expect(await Promise.all(paths.map(read))).toEqual(before);
  }, 240_000);
});
