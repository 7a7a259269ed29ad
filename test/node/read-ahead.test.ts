import { execFileSync } from 'node:child_process';
import { hash } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFolder, O_READ as FLAGS } from '../../src/node/data-folder.ts';
import { readAhead, startReadAhead } from '../../src/node/read-ahead.ts';
import { formatProblem } from '../../src/posts/problems.ts';
import { dataDirsRemovedAfterEach, findProgram, postRecord, type FixtureData } from '../fixtures.ts';

const tempDataDir = dataDirsRemovedAfterEach();

function manyPosts(count: number): Record<string, Record<string, unknown>> {
  const posts: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < count; i++) {
    posts[`post-${String(i).padStart(4, '0')}`] = postRecord({ title: `Post ${i}`, published: `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`, id: `urn:post:${i}` });
  }
  return posts;
}

/** Posts enough that a thread reads some, with every kind of file the main thread must read itself. */
async function mixedFolder(count: number): Promise<string> {
  const dir = await tempDataDir({ posts: manyPosts(count) });
  const folder = path.join(dir, 'posts');
  await writeFile(path.join(folder, 'broken.json'), '{ "title": ');
  await writeFile(path.join(folder, 'large.json'), `${JSON.stringify(postRecord({ title: 'Large', content: `<p>${'x'.repeat(5000)}</p>` }))}\n`);
  await writeFile(path.join(folder, 'latin1.json'), Buffer.from('{"title":"caf\xe9"}', 'latin1'));
  await symlink(path.join(folder, 'post-0001.json'), path.join(folder, 'alias.json'));
  const elsewhere = await tempDataDir({});
  await writeFile(path.join(elsewhere, 'outside.json'), JSON.stringify(postRecord({ title: 'Outside' })));
  await symlink(path.join(elsewhere, 'outside.json'), path.join(folder, 'outside.json'));
  await mkdir(path.join(folder, 'folder.json'));
  if (findProgram('mkfifo')) execFileSync('mkfifo', [path.join(folder, 'pipe.json')]);
  return dir;
}

describe('readAhead', () => {
  it('hands over each file as this thread would read it, bytes, digest and stat numbers', async () => {
    const dir = await mixedFolder(200);
    const folder = path.join(dir, 'posts');
    const files = fs.readdirSync(folder).sort().map((name) => path.join(folder, name));
    const ahead = readAhead(files, { flags: FLAGS, maxBytes: 4096, batchFiles: 16 });
    await ahead.ended;
    const handed: string[] = [];
    files.forEach((file, i) => {
      const read = ahead.take(i);
      if (!read) return;
      handed.push(path.basename(file));
      const stats = fs.statSync(file);
      const bytes = fs.readFileSync(file);
      expect(read.bytes.equals(bytes), file).toBe(true);
      expect(read.digest, file).toBe(hash('sha256', bytes));
      expect([read.dev, read.ino, read.size, read.mtimeMs, read.ctimeMs], file).toEqual([stats.dev, stats.ino, stats.size, stats.mtimeMs, stats.ctimeMs]);
    });
    await ahead.close();
    // What it must leave to the caller: a link (O_NOFOLLOW), a folder, a FIFO, a file over the limit.
    const left = files.map((file) => path.basename(file)).filter((name) => !handed.includes(name));
    expect(left.sort()).toEqual(['alias.json', 'folder.json', 'large.json', 'outside.json', ...(findProgram('mkfifo') ? ['pipe.json'] : [])].sort());
  });

  it('leaves to the caller what it had not sent when asked, and skips those itself', async () => {
    const dir = await mixedFolder(150);
    const folder = path.join(dir, 'posts');
    const files = fs.readdirSync(folder).sort().map((name) => path.join(folder, name));
    const ahead = readAhead(files, { flags: FLAGS, maxBytes: 1 << 20 });
    // Asked at once, before the thread could send anything: the caller takes the first 64 itself.
    expect(ahead.take(0)).toBeUndefined();
    await ahead.ended;
    for (let i = 1; i < 64; i++) expect(ahead.take(i), files[i]).toBeUndefined();
    expect(ahead.take(64)?.bytes.equals(fs.readFileSync(files[64] ?? ''))).toBe(true);
    await ahead.close();
  });

  it('answers every file "read it yourself" when it is closed, and never throws', async () => {
    const dir = await mixedFolder(20);
    const folder = path.join(dir, 'posts');
    const files = fs.readdirSync(folder).map((name) => path.join(folder, name));
    const ahead = readAhead(files, { flags: FLAGS, maxBytes: 1 << 20 });
    await ahead.close();
    await ahead.ended;
    expect(files.map((_, i) => ahead.take(i))).toEqual(files.map(() => undefined));
  });
});

describe('DataFolder reading ahead in a thread', () => {
  /** The post files a first load lists, in its order, relative to the folder: regular `.json` files of `posts/`. */
  const listedPosts = (dir: string) =>
    fs
      .readdirSync(path.join(dir, 'posts'), { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.json') && !entry.name.startsWith('.'))
      .map((entry) => `posts/${entry.name}`);

  /**
   * A thread that has read everything before the load asks (so the load takes all it can from it),
   * counting what the load took from it.
   */
  async function finishedReadAhead(dir: string) {
    const files = listedPosts(dir);
    const ahead = readAhead(files, { root: dir, flags: FLAGS, maxBytes: 1 << 20 });
    await ahead.ended;
    const counted = { asked: [] as string[], handed: 0 };
    const start = (list: readonly string[]) => {
      counted.asked = [...list];
      return {
        take(index: number) {
          const read = ahead.take(index);
          if (read) counted.handed++;
          return read;
        },
        close: () => ahead.close(),
        ended: ahead.ended,
      };
    };
    return { files, start, counted };
  }

  it('loads exactly what a load read in one thread loads: posts, problems and version', async () => {
    const dir = await mixedFolder(400);
    const { files, start, counted } = await finishedReadAhead(dir);
    const ahead = await new DataFolder(dir, { readAheadFrom: 1, readAhead: start }).load();
    expect(counted.asked).toEqual(files);
    // Every listed file: links, FIFOs and folders are not listed as files, and none is over the limit.
    expect(counted.handed).toBe(files.length);
    const alone = await new DataFolder(dir, { readAheadFrom: Infinity }).load();
    expect(ahead.problems.map(formatProblem)).toEqual(alone.problems.map(formatProblem));
    expect(ahead.problems.length).toBeGreaterThan(3);
    expect(ahead.ok).toBe(alone.ok);
    expect(ahead.postFiles).toBe(alone.postFiles);
    if (!ahead.ok || !alone.ok) return;
    expect(ahead.dataset.version).toBe(alone.dataset.version);
    expect(ahead.dataset.posts.map((post) => [post.file, post.slug, post.title, post.content])).toEqual(
      alone.dataset.posts.map((post) => [post.file, post.slug, post.title, post.content]),
    );
  });

  it('serves the same version as a load read in one thread, and then reloads a changed file as any load does', async () => {
    const dir = await tempDataDir({ posts: manyPosts(300) });
    const { start, counted } = await finishedReadAhead(dir);
    const folder = new DataFolder(dir, { readAheadFrom: 1, readAhead: start });
    const first = await folder.load();
    expect(counted.handed).toBe(300);
    const alone = await new DataFolder(dir, { readAheadFrom: Infinity }).load();
    expect(first.ok && alone.ok && first.dataset.version === alone.dataset.version).toBe(true);
    const file = path.join(dir, 'posts', 'post-0007.json');
    await writeFile(file, JSON.stringify(postRecord({ title: 'Seven, edited', published: '2024-01-01T00:00:07Z', id: 'urn:post:7' })));
    folder.changed([file]);
    const reloaded = await folder.load();
    const titles = reloaded.ok ? reloaded.dataset.posts.map((post) => post.title) : reloaded.problems.map(formatProblem);
    expect(titles).toContain('Seven, edited');
    expect(titles).not.toContain('Post 7');
  });

  it('started before its list, reads the list it is given later as readAhead does, or ends unused', async () => {
    const dir = await tempDataDir({ posts: manyPosts(50) });
    const folder = path.join(dir, 'posts');
    const files = fs.readdirSync(folder).sort().map((name) => path.join(folder, name));
    // Started without the list, the thread takes it from its first message, whenever that comes.
    const starting = startReadAhead({ flags: FLAGS, maxBytes: 1 << 20, batchFiles: 8 });
    const ahead = starting.read(files);
    await ahead.ended;
    const handed = files.filter((file, i) => ahead.take(i)?.bytes.equals(fs.readFileSync(file)));
    expect(handed).toEqual(files);
    await ahead.close();

    const unused = startReadAhead({ flags: FLAGS, maxBytes: 1 << 20 });
    await unused.close();
  });

  it('loads alike with the thread started before the listing, and ends it unused below readAheadFrom', async () => {
    const dir = await mixedFolder(120);
    const alone = await new DataFolder(dir, { readAheadFrom: Infinity }).load();
    for (const readAheadFrom of [10, 1000]) {
      const early = await new DataFolder(dir, { readAheadFrom, readAheadEarly: true }).load();
      expect(early.problems.map(formatProblem)).toEqual(alone.problems.map(formatProblem));
      expect(early.ok && alone.ok && early.dataset.version === alone.dataset.version).toBe(!!alone.ok);
      expect(early.ok && early.dataset.posts.map((post) => [post.slug, post.title])).toEqual(alone.ok && alone.dataset.posts.map((post) => [post.slug, post.title]));
    }
  });

  it('starts no thread for fewer post files than readAheadFrom, nor on a reload', async () => {
    const dir = await tempDataDir({ posts: manyPosts(30) });
    const started: number[] = [];
    const startCounting: typeof readAhead = (files, options) => {
      started.push(files.length);
      return readAhead(files, options);
    };
    expect((await new DataFolder(dir, { readAheadFrom: 31, readAhead: startCounting }).load()).ok).toBe(true);
    expect(started).toEqual([]);
    const folder = new DataFolder(dir, { readAheadFrom: 30, readAhead: startCounting });
    await folder.load();
    expect(started).toEqual([30]);
    folder.rescanAll();
    await writeFile(path.join(dir, 'posts', 'post-0003.json'), JSON.stringify(postRecord({ title: 'Three again', id: 'urn:post:3' })));
    await folder.load();
    expect(started).toEqual([30]);
  });
});
