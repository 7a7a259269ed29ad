import { mkdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDataDir, readDataDir } from '../../src/node/data-dir.ts';
import { loadDataset } from '../../src/posts/load.ts';
import { formatProblem, summarizeProblems } from '../../src/posts/problems.ts';
import { DATA_DIR, makeDataDir, postRecord, removeDir, siteRecord, type FixtureData } from '../fixtures.ts';
import { SEED_DIR, SEED_SLUG, SEED_TITLE } from '../support.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeDir));
});

async function tempDataDir(data: FixtureData): Promise<string> {
  const dir = await makeDataDir(data);
  dirs.push(dir);
  return dir;
}

describe('readDataDir', () => {
  it('reads site.json, the posts in name order and every file under media/, however deep', async () => {
    const dir = await tempDataDir({
      site: siteRecord({ title: 'Temp News' }),
      posts: { 'b-post': postRecord({ title: 'B' }), 'a-post': postRecord({ title: 'A' }) },
      media: { 'logo.svg': '<svg/>', 'photos/2022/plant.jpg': new Uint8Array([0xff, 0xd8, 0xff]) },
    });
    const { input, problems } = await readDataDir(dir);
    expect(problems).toEqual([]);
    expect(input.site?.file).toBe(path.join(dir, 'site.json'));
    expect(JSON.parse(input.site?.text ?? '')).toEqual(siteRecord({ title: 'Temp News' }));
    expect(input?.posts.map((p) => p.file)).toEqual([
      path.join(dir, 'posts', 'a-post.json'),
      path.join(dir, 'posts', 'b-post.json'),
    ]);
    // Media are stated, not read: Node streams them when served.
    expect(input?.assets?.map((a) => [a.path, a.file, a.size, a.bytes])).toEqual([
      ['media/logo.svg', path.join(dir, 'media', 'logo.svg'), 6, undefined],
      ['media/photos/2022/plant.jpg', path.join(dir, 'media', 'photos', '2022', 'plant.jpg'), 3, undefined],
    ]);
  });

  it('ignores hidden files and hidden folders', async () => {
    const dir = await tempDataDir({
      posts: { post: postRecord(), '.post.swp': 'not JSON at all' },
      media: { '.DS_Store': 'x', '.thumbs/a.png': 'x', 'a.png': 'PNG' },
    });
    const { input, problems } = await readDataDir(dir);
    expect(problems).toEqual([]);
    expect(input?.posts.map((p) => path.basename(p.file))).toEqual(['post.json']);
    expect(input?.assets?.map((a) => a.path)).toEqual(['media/a.png']);
  });

  it('reads a folder with no posts and no media', async () => {
    const dir = await tempDataDir({});
    await rm(path.join(dir, 'posts'), { recursive: true });
    const result = await loadDataDir(dir);
    expect(result.problems).toEqual([]);
    expect(result.ok && result.dataset.posts).toEqual([]);
  });
});

describe('loadDataDir', () => {
  it('reads posts in folders of their own and follows links to files, warning about what it skips', async () => {
    const dir = await tempDataDir({ posts: { plain: postRecord({ title: 'Plain' }) }, media: { 'a.png': new Uint8Array([1]) } });
    const elsewhere = await tempDataDir({ posts: { linked: postRecord({ title: 'Linked' }) }, media: { 'b.png': new Uint8Array([2]) } });
    await mkdir(path.join(dir, 'posts', '2022'));
    await writeFile(path.join(dir, 'posts', '2022', 'nested.json'), JSON.stringify(postRecord({ title: 'Nested' })));
    await symlink(path.join(elsewhere, 'posts', 'linked.json'), path.join(dir, 'posts', 'linked.json'));
    await symlink(path.join(elsewhere, 'media', 'b.png'), path.join(dir, 'media', 'b.png'));
    await symlink(path.join(elsewhere, 'posts'), path.join(dir, 'posts', 'more'));
    await symlink(path.join(dir, 'nowhere.json'), path.join(dir, 'posts', 'dangling.json'));
    const result = await loadDataDir(dir);
    expect(result.problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'posts', 'dangling.json')}: a link to nothing, ignored   [warning]`,
      `${path.join(dir, 'posts', 'more')}: a link to a folder, which is not followed, ignored   [warning]`,
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) throw new Error('the folder did not load');
    expect(result.dataset.posts.map((p) => [p.title, p.slug]).sort()).toEqual([
      ['Linked', 'linked'],
      ['Nested', 'nested'],
      ['Plain', 'plain'],
    ]);
    expect([...result.dataset.assets.keys()]).toEqual(['/media/a.png', '/media/b.png']);
  });

  it('dates the data by its newest file or folder, so a deletion moves it forward', async () => {
    const dir = await tempDataDir({ posts: { a: postRecord(), b: postRecord() } });
    const old = new Date('2024-05-01T00:00:00Z');
    for (const file of ['site.json', 'posts/a.json', 'posts/b.json', 'posts', '.']) await utimes(path.join(dir, file), old, old);
    const before = await loadDataDir(dir);
    expect(before.ok && before.dataset.modified?.toISOString()).toBe(old.toISOString());
    await rm(path.join(dir, 'posts', 'b.json'));
    const after = await loadDataDir(dir);
    expect(after.ok && after.dataset.modified!.getTime()).toBeGreaterThan(old.getTime());
  });

  it('hashes the version as it reads, to the value loadDataset computes from the same files', async () => {
    const dir = await tempDataDir({
      posts: { a: postRecord({ title: 'A' }), b: postRecord({ title: 'B' }) },
      media: { 'a.png': new Uint8Array([1, 2, 3]), 'sub/b.svg': '<svg/>' },
    });
    const streamed = await loadDataDir(dir);
    const { input } = await readDataDir(dir);
    const { version: _version, ...withoutVersion } = input;
    const computed = await loadDataset(withoutVersion);
    expect(streamed.ok && computed.ok).toBe(true);
    if (!streamed.ok || !computed.ok) throw new Error('the folder did not load');
    expect(streamed.dataset.version).toMatch(/^[0-9a-f]{16}$/);
    expect(streamed.dataset.version).toBe(computed.dataset.version);
    await writeFile(path.join(dir, 'media', 'a.png'), new Uint8Array([1, 2, 4]));
    const changed = await loadDataDir(dir);
    expect(changed.ok && changed.dataset.version).not.toBe(streamed.dataset.version);
  });

  it('warns about a file in posts/ that is not .json, and still loads', async () => {
    const dir = await tempDataDir({ posts: { post: postRecord() } });
    await writeFile(path.join(dir, 'posts', 'notes.txt'), 'remember the photos');
    await writeFile(path.join(dir, 'posts', 'draft.JSON.bak'), '{}');
    const result = await loadDataDir(dir);
    expect(result.problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'posts', 'draft.JSON.bak')}: not a .json file, ignored   [warning]`,
      `${path.join(dir, 'posts', 'notes.txt')}: not a .json file, ignored   [warning]`,
    ]);
    expect(result.ok && result.dataset.posts.map((p) => p.slug)).toEqual(['post']);
  });

  it('refuses a folder without site.json, naming the file', async () => {
    const dir = await tempDataDir({ posts: { post: postRecord(), bad: postRecord({ title: '' }) } });
    await rm(path.join(dir, 'site.json'));
    const result = await loadDataDir(dir);
    expect(result.ok).toBe(false);
    expect(result.postFiles).toBe(2);
    // The posts are still checked: one pass shows every problem.
    expect(result.problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'site.json')}: cannot be read (it does not exist)`,
      `${path.join(dir, 'posts', 'bad.json')}: title: expected a non-empty string, got ""`,
    ]);
  });

  it('reports read problems and validation problems in one list', async () => {
    const dir = await tempDataDir({ site: siteRecord({ language: '' }), posts: { bad: postRecord({ title: 7 }) } });
    await writeFile(path.join(dir, 'posts', 'README.md'), '# notes');
    const result = await loadDataDir(dir);
    expect(result.ok).toBe(false);
    expect(result.postFiles).toBe(1);
    expect(result.problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'posts', 'README.md')}: not a .json file, ignored   [warning]`,
      `${path.join(dir, 'site.json')}: language: expected a language tag such as "en" or "en-GB", got ""`,
      `${path.join(dir, 'posts', 'bad.json')}: title: expected a non-empty string, got 7`,
    ]);
    expect(summarizeProblems(result.problems, result.postFiles)).toBe(
      '2 errors, 1 warning in 1 post. The format is described in README.md#data-format.',
    );
  });

  it('finds media the posts point at', async () => {
    const dir = await tempDataDir({ posts: { post: postRecord({ image: { url: '../media/photos/a.png' } }) } });
    const missing = await loadDataDir(dir);
    expect(missing.problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'posts', 'post.json')}: image.url: no file at "/media/photos/a.png" (expected it in the data folder as media/photos/a.png)`,
    ]);
    await mkdir(path.join(dir, 'media', 'photos'), { recursive: true });
    await writeFile(path.join(dir, 'media', 'photos', 'a.png'), 'PNG!');
    const found = await loadDataDir(dir);
    expect(found.problems).toEqual([]);
    expect(found.ok && found.dataset.posts[0]?.image).toEqual({ url: '../media/photos/a.png', mimeType: 'image/png', size: 4 });
  });
});

// The one test that reads the shipped data/: whatever it holds, it must load without a problem.
describe('the shipped data/ folder', () => {
  it('is valid, with no problems at all', async () => {
    const result = await loadDataDir(DATA_DIR);
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

describe('the seed data (a copy of the shipped example)', () => {
  it('is valid, with no problems at all', async () => {
    const result = await loadDataDir(SEED_DIR);
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('holds the seed post with its two figures, whose files exist under its media/', async () => {
    const result = await loadDataDir(SEED_DIR);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    const [post, ...others] = result.dataset.posts;
    expect(others).toEqual([]);
    expect(post?.title).toBe(SEED_TITLE);
    expect(post?.slug).toBe(SEED_SLUG);
    expect(post?.published.toISOString()).toBe('2022-01-17T00:00:00.000Z');
    expect(post?.categories).toEqual(['Company News']);
    expect(post?.image).toEqual({ url: '../media/cxdfhd-1.png', alt: 'cxdfhd (1)', mimeType: 'image/png', size: 7411 });

    const figures = [...(post?.content ?? '').matchAll(/<figure><img src="([^"]+)" alt="([^"]+)"[^>]*><\/figure>/g)];
    expect(figures.map(([, src, alt]) => [src, alt])).toEqual([
      ['../media/cxdfhd-1.png', 'cxdfhd (1)'],
      ['../media/cxdfhd-2.png', 'cxdfhd (2)'],
    ]);
    for (const [, src] of figures) {
      const urlPath = new URL(src ?? '', `http://site.invalid/posts/${post?.slug}`).pathname;
      const file = path.join(SEED_DIR, urlPath);
      expect((await stat(file)).size).toBeGreaterThan(0);
      expect(result.dataset.assets.get(urlPath)?.size).toBe((await readFile(file)).byteLength);
    }
  });
});
