import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFolder, loadDataDir, type FileSystem } from '../../src/node/data-folder.ts';
import { oncePerPost } from '../../src/feeds/safe-content.ts';
import { sanitizeContent } from '../../src/feeds/sanitize.ts';
import { DataVersion } from '../../src/posts/data-version.ts';
import { formatProblem, summarizeProblems } from '../../src/posts/problems.ts';
import { DATA_DIR, dataDirsRemovedAfterEach, findProgram, postRecord, siteRecord, type FixtureData } from '../fixtures.ts';
import { SEED_DIR, SEED_SLUG, SEED_TITLE } from '../support.ts';

const tempDataDir = dataDirsRemovedAfterEach();

/** node:fs, counting the files opened (by path relative to `dir`). */
function countingFs(dir: string) {
  const opened: string[] = [];
  const fsWithCount: FileSystem = {
    ...fs,
    openSync: ((file: fs.PathLike, ...rest: unknown[]) => {
      opened.push(path.relative(fs.realpathSync(dir), String(file)));
      return (fs.openSync as (...args: unknown[]) => number)(file, ...rest);
    }) as typeof fs.openSync,
  };
  return { fs: fsWithCount, opened };
}

const json = (record: Record<string, unknown>) => `${JSON.stringify(record, null, 2)}\n`;

/** Writes beside the file, then renames over it: how editors save. */
async function atomicSave(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  await writeFile(temporary, text);
  await rename(temporary, file);
}

describe('DataFolder, incrementally', () => {
  it('re-reads only the file named as changed, and keeps every other Post object', async () => {
    const dir = await tempDataDir({
      posts: { a: postRecord({ title: 'A', published: '2024-01-01' }), b: postRecord({ title: 'B', published: '2024-01-02' }), c: postRecord({ title: 'C', published: '2024-01-03' }) },
    });
    const { fs: counted, opened } = countingFs(dir);
    const folder = new DataFolder(dir, { fs: counted });
    const first = await folder.load();
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(opened.sort()).toEqual(['posts/a.json', 'posts/b.json', 'posts/c.json', 'site.json']);

    opened.length = 0;
    await atomicSave(path.join(dir, 'posts', 'b.json'), json(postRecord({ title: 'B, edited', published: '2024-01-02' })));
    folder.changed([path.join(dir, 'posts', 'b.json')]);
    const second = await folder.load();
    expect(opened).toEqual(['posts/b.json']);
    expect(second.ok).toBe(true);
    if (!second.ok) return;
    expect(second.dataset.posts.map((p) => p.title)).toEqual(['C', 'B, edited', 'A']);
    expect(second.dataset.version).not.toBe(first.dataset.version);
    expect(second.dataset.posts[0]).toBe(first.dataset.posts[0]);
    expect(second.dataset.posts[2]).toBe(first.dataset.posts[2]);
    expect(second.dataset.site).toBe(first.dataset.site);

    // Nothing changed: nothing is opened, and the result is the very same.
    opened.length = 0;
    expect(await folder.load()).toBe(second);
    expect(opened).toEqual([]);
  });

  it('finds on a scan what no event named: new, edited and deleted files, reading nothing', async () => {
    const dir = await tempDataDir({ posts: { a: postRecord({ title: 'A' }), b: postRecord({ title: 'B' }) } });
    const { fs: counted, opened } = countingFs(dir);
    const folder = new DataFolder(dir, { fs: counted });
    const first = await folder.load();
    expect(await folder.scan()).toEqual([]);

    await writeFile(path.join(dir, 'posts', 'a.json'), json(postRecord({ title: 'A, longer title' })));
    await mkdir(path.join(dir, 'posts', '2024'));
    await writeFile(path.join(dir, 'posts', '2024', 'new.json'), json(postRecord({ title: 'New' })));
    await rm(path.join(dir, 'posts', 'b.json'));
    opened.length = 0;
    const differing = await folder.scan();
    expect(opened).toEqual([]);
    expect(differing).toEqual(expect.arrayContaining(['posts/a.json', 'posts/2024/new.json', 'posts/b.json']));

    const after = await folder.load();
    expect(opened.sort()).toEqual(['posts/2024/new.json', 'posts/a.json']);
    expect(after.ok && after.dataset.posts.map((p) => p.title).sort()).toEqual(['A, longer title', 'New']);
    expect(after.ok && first.ok && after.dataset.version).not.toBe(first.ok && first.dataset.version);
  });

  it('stops a scan under way when a load is asked for; the next scan looks again', async () => {
    const dir = await tempDataDir({ posts: { a: postRecord(), b: postRecord(), c: postRecord() } });
    const folder = new DataFolder(dir, { sliceMs: 0 }); // a turn for the event loop after every file
    await folder.load();
    await writeFile(path.join(dir, 'posts', 'c.json'), json(postRecord({ title: 'C, edited' })));
    const scanning = folder.scan();
    const loading = folder.load();
    expect(await scanning).toEqual([]);
    await loading;
    expect(await folder.scan()).toEqual(['posts/c.json']);
  });

  it('waits between slices for what giveWay returns, and goes on once it settles', async () => {
    const dir = await tempDataDir({ posts: { a: postRecord(), b: postRecord(), c: postRecord() } });
    let release: (() => void) | undefined;
    let asked = 0;
    const giveWay = () => {
      asked++;
      return release ? undefined : new Promise<void>((resolve) => (release = resolve));
    };
    const folder = new DataFolder(dir, { sliceMs: 0, giveWay }); // a turn for the event loop after every file
    let done = false;
    const loading = folder.load().then((result) => ((done = true), result));
    while (!release) await new Promise((resolve) => setImmediate(resolve));
    for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    expect(asked).toBe(1);
    release();
    const result = await loading;
    expect(result.ok && result.dataset.posts).toHaveLength(3);
    expect(asked).toBeGreaterThan(1);
  });

  it('reports a duplicate slug an edit introduces, and clears it when the edit is undone', async () => {
    const dir = await tempDataDir({ posts: { first: postRecord({ title: 'First' }), second: postRecord({ title: 'Second' }) } });
    const folder = new DataFolder(dir);
    const good = await folder.load();
    const second = path.join(dir, 'posts', 'second.json');
    await atomicSave(second, json(postRecord({ title: 'Second', slug: 'first' })));
    folder.changed([second]);
    const duplicate = await folder.load();
    expect(duplicate.ok).toBe(false);
    expect(duplicate.problems.map(formatProblem)).toEqual([`${second}: slug: "first" is already the slug of ${path.join(dir, 'posts', 'first.json')}`]);

    await atomicSave(second, json(postRecord({ title: 'Second' })));
    folder.changed([second]);
    const fixed = await folder.load();
    expect(fixed.problems).toEqual([]);
    // The same files again: the same version as before the edit.
    expect(fixed.ok && fixed.dataset.version).toBe(good.ok && good.dataset.version);
  });

  it('re-resolves a post when the media it names arrive, and dates the data by its newest file', async () => {
    const dir = await tempDataDir({ posts: { post: postRecord({ image: { url: '../media/a.png' } }) } });
    const folder = new DataFolder(dir);
    const missing = await folder.load();
    expect(missing.problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'posts', 'post.json')}: image.url: no file at "/media/a.png" (expected it in the data folder as media/a.png)`,
    ]);
    await mkdir(path.join(dir, 'media'));
    await writeFile(path.join(dir, 'media', 'a.png'), 'PNG!');
    folder.changed([path.join(dir, 'media')]);
    const found = await folder.load();
    expect(found.problems).toEqual([]);
    expect(found.ok && found.dataset.posts[0]?.image).toEqual({ url: '../media/a.png', mimeType: 'image/png', size: 4 });
    expect(found.ok && found.dataset.assets.get('/media/a.png')?.mediaType).toBe('image/png');
    const newest = fs.statSync(path.join(dir, 'media', 'a.png')).mtimeMs;
    expect(found.ok && found.dataset.modified?.getTime()).toBe(Math.floor(newest));
  });

  it('keeps content as written and reuses unchanged posts, so the app sanitises each post once per change', async () => {
    const hostile = '<p onclick="x()">Hi<script>alert(1)</script></p>';
    const dir = await tempDataDir({ posts: { kept: postRecord({ content: hostile }), edited: postRecord({ title: 'Edited' }) } });
    const folder = new DataFolder(dir);
    const first = await folder.load();
    if (!first.ok) throw new Error('expected valid data');
    const sanitised: string[] = [];
    const safeContent = oncePerPost((html) => (sanitised.push(html), sanitizeContent(html)));
    const kept = first.dataset.posts.find((post) => post.slug === 'kept');
    expect(kept?.content).toBe(hostile);
    expect(kept && safeContent(kept)).toBe('<p>Hi</p>');

    await atomicSave(path.join(dir, 'posts', 'edited.json'), json(postRecord({ title: 'Edited again' })));
    folder.changed([path.join(dir, 'posts', 'edited.json')]);
    const second = await folder.load();
    if (!second.ok) throw new Error('expected valid data');
    expect(second.dataset.version).not.toBe(first.dataset.version);
    expect(second.dataset.posts.find((post) => post.slug === 'kept')).toBe(kept);
    for (const post of second.dataset.posts) safeContent(post);
    expect(sanitised).toEqual([hostile, '<p>Body of the post.</p>']);
  });

  it('renders Markdown, and warns of local links to nothing as loadDataset does', async () => {
    const content = '# Plant\n\n[gone](../posts/gone) and [there](../posts/other)';
    const data: FixtureData = { posts: { foo: postRecord({ format: 'markdown', content }), other: postRecord() } };
    const result = await new DataFolder(await tempDataDir(data), { cwd: '/' }).load();
    if (!result.ok) throw new Error('expected valid data');
    expect(result.dataset.posts.find((post) => post.slug === 'foo')?.content).toBe(
      '<h1>Plant</h1>\n<p><a href="../posts/gone">gone</a> and <a href="../posts/other">there</a></p>\n',
    );
    expect(result.problems.map((p) => [p.path, p.message, p.severity])).toEqual([
      ['content', '"../posts/gone" resolves to /posts/gone, which is no post', 'warning'],
    ]);
    expect(result.dataset.warnings).toEqual(result.problems);
  });

  it('leaves the local links to the second load with linksLater, which judges them without reading again', async () => {
    const data: FixtureData = { posts: { foo: postRecord({ content: '<a href="/posts/gone">gone</a>', subtitle: 'x' }) } };
    const dir = await tempDataDir(data);
    const { fs: countedFs, opened } = countingFs(dir);
    const folder = new DataFolder(dir, { cwd: '/', linksLater: true, fs: countedFs });
    const warnings = (result: Awaited<ReturnType<DataFolder['load']>>) => result.problems.map((p) => `${p.path}: ${p.message}`);
    const first = await folder.load();
    expect(first.ok).toBe(true);
    expect(first.linksLeftOut).toBe(true);
    expect(warnings(first)).toEqual(['subtitle: unknown field']);
    const readFirst = opened.length;
    const second = await folder.load();
    expect(second.linksLeftOut).toBeUndefined();
    expect(warnings(second)).toEqual(['subtitle: unknown field', 'content: "/posts/gone" resolves to /posts/gone, which is no post']);
    expect(second.ok && first.ok && second.dataset.version).toBe(first.ok && first.dataset.version);
    expect(opened.length).toBe(readFirst);
    // Nothing changed since: the last result stands.
    expect(await folder.load()).toBe(second);
  });

  it('gives the version DataVersion gives for the files by their paths in the folder, wherever it runs', async () => {
    const data: FixtureData = { posts: { a: postRecord() } };
    const dir = await tempDataDir(data);
    const expected = new DataVersion();
    for (const rel of ['site.json', 'posts/a.json']) expected.add(rel, fs.readFileSync(path.join(dir, rel)));
    const here = await new DataFolder(dir).load();
    const elsewhere = await new DataFolder(dir, { cwd: dir }).load();
    expect(here.ok && here.dataset.version).toBe(await expected.digest());
    expect(elsewhere.ok && elsewhere.dataset.version).toBe(await expected.digest());
  });

  it('versions a media file by its identity, without reading it: rewriting it changes the version', async () => {
    const dir = await tempDataDir({ posts: { a: postRecord() }, media: { 'x.png': 'png' } });
    const folder = new DataFolder(dir);
    const before = await folder.load();
    fs.writeFileSync(path.join(dir, 'media', 'x.png'), 'png, again');
    folder.changed(['media/x.png']);
    const after = await folder.load();
    if (!before.ok || !after.ok) throw new Error('expected valid data');
    expect(after.dataset.version).not.toBe(before.dataset.version);
    const asset = after.dataset.assets.get('/media/x.png');
    expect(asset?.size).toBe(10);
    expect(asset?.bytes).toBeUndefined();
  });
});

describe('DataFolder while files are deleted', () => {
  /** node:fs that deletes the named files just before they are opened: after the look, before the read. */
  const deletingFs = (files: readonly string[]): FileSystem => ({
    ...fs,
    openSync: ((file: fs.PathLike, ...rest: unknown[]) => {
      if (files.includes(String(file))) fs.rmSync(file);
      return (fs.openSync as (...args: unknown[]) => number)(file, ...rest);
    }) as typeof fs.openSync,
  });

  it('leaves out a post deleted after the look, with a warning, not an error', async () => {
    const dir = await tempDataDir({
      posts: { kept: postRecord({ title: 'Kept' }), gone: postRecord({ title: 'Gone' }) },
      media: { 'kept.png': new Uint8Array([2]) },
    });
    const deleted = [path.join(dir, 'posts', 'gone.json')];
    const result = await new DataFolder(dir, { fs: deletingFs(deleted) }).load();
    expect(result.problems.map(formatProblem)).toEqual(deleted.map((file) => `${file}: deleted while it was read   [warning]`));
    if (!result.ok) throw new Error('the folder did not load');
    expect(result.dataset.posts.map((p) => p.title)).toEqual(['Kept']);
    expect([...result.dataset.assets.keys()]).toEqual(['/media/kept.png']);
  });

  it('still refuses the folder when site.json goes, saying it does not exist', async () => {
    const dir = await tempDataDir({ posts: { kept: postRecord() } });
    const site = path.join(dir, 'site.json');
    const result = await new DataFolder(dir, { fs: deletingFs([site]) }).load();
    expect(result.ok).toBe(false);
    expect(result.problems.map(formatProblem)).toEqual([
      `${site}: deleted while it was read   [warning]`,
      `${site}: cannot be read (it does not exist)`,
    ]);
  });
});

describe('DataFolder limits', () => {
  it('refuses a post file over MAX_POST_BYTES before reading it, naming the file and the limit', async () => {
    const dir = await tempDataDir({ posts: { big: postRecord({ content: `<p>${'x'.repeat(2000)}</p>` }), small: postRecord() } });
    const { fs: counted, opened } = countingFs(dir);
    const folder = new DataFolder(dir, { fs: counted, limits: { maxPostBytes: 1000 } });
    const result = await folder.load();
    const size = fs.statSync(path.join(dir, 'posts', 'big.json')).size;
    expect(result.problems.map(formatProblem)).toEqual([`${path.join(dir, 'posts', 'big.json')}: ${size} bytes; the limit is 1000 (MAX_POST_BYTES)`]);
    // Opened to fstat it, but not read: the reader never asked for more than the size.
    expect(opened).toContain('posts/big.json');
  });

  it('refuses HTML nested too deep or with too many elements', async () => {
    const dir = await tempDataDir({
      posts: {
        deep: postRecord({ content: '<div>'.repeat(100_000) }),
        bold: postRecord({ content: `<p>${'<b>'.repeat(300)}</p>` }),
        many: postRecord({ content: '<br>'.repeat(20_001) }),
        fine: postRecord({ content: `<ul>${'<li>x</li>'.repeat(5000)}</ul>` }),
      },
    });
    const result = await new DataFolder(dir).load();
    const file = (name: string) => path.join(dir, 'posts', `${name}.json`);
    expect(result.problems.map(formatProblem)).toEqual([
      `${file('bold')}: content: nested 301 elements deep; the limit is 256 (MAX_HTML_DEPTH)`,
      `${file('deep')}: content: nested 100000 elements deep; the limit is 256 (MAX_HTML_DEPTH)`,
      `${file('deep')}: content: 100000 elements; the limit is 20000 (MAX_HTML_ELEMENTS)`,
      `${file('many')}: content: 20001 elements; the limit is 20000 (MAX_HTML_ELEMENTS)`,
    ]);
  });

  it('measures Markdown as the HTML it renders to', async () => {
    // Ten characters of Markdown, six nested elements: <blockquote> ×5 and <p>.
    const dir = await tempDataDir({ posts: { quoted: postRecord({ format: 'markdown', content: '> > > > > x' }) } });
    const result = await new DataFolder(dir, { limits: { maxHtmlDepth: 5 } }).load();
    expect(result.problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'posts', 'quoted.json')}: content: nested 6 elements deep; the limit is 5 (MAX_HTML_DEPTH)`,
    ]);
  });
});

describe('DataFolder and files that are not what they seem', () => {
  const mkfifo = findProgram('mkfifo');

  it.skipIf(!mkfifo)(`refuses a FIFO as site.json and as a post without opening it${mkfifo ? '' : ' (mkfifo not installed: skipped)'}`, async () => {
    const dir = await tempDataDir({ posts: { post: postRecord() } });
    await rm(path.join(dir, 'site.json'));
    execFileSync('mkfifo', [path.join(dir, 'site.json'), path.join(dir, 'posts', 'pipe.json')]);
    const { fs: counted, opened } = countingFs(dir);
    const result = await new DataFolder(dir, { fs: counted }).load();
    expect(result.problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'site.json')}: a named pipe (FIFO), not a regular file: refused, never opened`,
      `${path.join(dir, 'posts', 'pipe.json')}: a named pipe (FIFO), not a regular file: refused, never opened`,
    ]);
    expect(opened).toEqual(['posts/post.json']);
  });

  it('reports a loop of links as a problem line', async () => {
    const dir = await tempDataDir({ posts: { post: postRecord() } });
    await symlink(path.join(dir, 'posts', 'b.json'), path.join(dir, 'posts', 'a.json'));
    await symlink(path.join(dir, 'posts', 'a.json'), path.join(dir, 'posts', 'b.json'));
    await symlink(path.join(dir, 'posts'), path.join(dir, 'posts', 'again'));
    const result = await new DataFolder(dir).load();
    expect(result.problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'posts', 'a.json')}: cannot be read (a link that leads back to itself (ELOOP))`,
      `${path.join(dir, 'posts', 'again')}: a link to a folder, which is not followed, ignored   [warning]`,
      `${path.join(dir, 'posts', 'b.json')}: cannot be read (a link that leads back to itself (ELOOP))`,
    ]);
  });

  it('refuses links that lead out of the data folder, posts and media alike, unless allowed', async () => {
    const dir = await tempDataDir({ posts: { post: postRecord() }, media: { 'inside.png': 'PNG' } });
    const elsewhere = await tempDataDir({ posts: { outside: postRecord({ title: 'Outside' }) }, media: { 'secret.txt': 'secret' } });
    await symlink(path.join(elsewhere, 'posts', 'outside.json'), path.join(dir, 'posts', 'outside.json'));
    await symlink(path.join(elsewhere, 'media', 'secret.txt'), path.join(dir, 'media', 'shadow.txt'));
    await symlink(path.join(dir, 'media', 'inside.png'), path.join(dir, 'media', 'alias.png'));
    const refused = await new DataFolder(dir).load();
    expect(refused.ok).toBe(false);
    expect(refused.problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'media', 'shadow.txt')}: a link to ${fs.realpathSync(path.join(elsewhere, 'media', 'secret.txt'))}, outside the data folder, refused (ALLOW_EXTERNAL_LINKS=1 allows it)`,
      `${path.join(dir, 'posts', 'outside.json')}: a link to ${fs.realpathSync(path.join(elsewhere, 'posts', 'outside.json'))}, outside the data folder, refused (ALLOW_EXTERNAL_LINKS=1 allows it)`,
    ]);

    const allowed = await new DataFolder(dir, { limits: { allowExternalLinks: true } }).load();
    expect(allowed.problems).toEqual([]);
    expect(allowed.ok && [...allowed.dataset.assets.keys()]).toEqual(['/media/alias.png', '/media/inside.png', '/media/shadow.txt']);
    expect(allowed.ok && allowed.dataset.posts.map((p) => p.title).sort()).toEqual(['A post', 'Outside']);
  });

  // Tests run as root, whom chmod 000 does not stop: the permission errors come from a stand-in file system.
  it('reports permission errors on a folder and on a file as problem lines', async () => {
    const dir = await tempDataDir({ posts: { post: postRecord(), locked: postRecord() }, media: { 'a.png': 'PNG' } });
    const denied = (file: fs.PathLike) => {
      const error = Object.assign(new Error(`EACCES: permission denied, open '${String(file)}'`), { code: 'EACCES' });
      return error;
    };
    const lockedFs: FileSystem = {
      ...fs,
      openSync: ((file: fs.PathLike, ...rest: unknown[]) => {
        if (String(file).endsWith('locked.json')) throw denied(file);
        return (fs.openSync as (...args: unknown[]) => number)(file, ...rest);
      }) as typeof fs.openSync,
      readdirSync: ((folder: fs.PathLike, ...rest: unknown[]) => {
        if (String(folder).endsWith('media')) throw denied(folder);
        return (fs.readdirSync as (...args: unknown[]) => unknown)(folder, ...rest);
      }) as typeof fs.readdirSync,
    };
    const result = await new DataFolder(dir, { fs: lockedFs }).load();
    expect(result.problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'media')}: cannot be read (permission denied)`,
      `${path.join(dir, 'posts', 'locked.json')}: cannot be read (permission denied)`,
    ]);
  });

  it('reports a missing site.json and a broken one like the loader does', async () => {
    const dir = await tempDataDir({ site: siteRecord({ language: 42 }), posts: { post: postRecord() } });
    const folder = new DataFolder(dir);
    expect((await folder.load()).problems.map(formatProblem)).toEqual([
      `${path.join(dir, 'site.json')}: language: expected a language tag such as "en" or "en-GB", got 42`,
    ]);
    await rm(path.join(dir, 'site.json'));
    folder.changed(['site.json']);
    expect((await folder.load()).problems.map(formatProblem)).toEqual([`${path.join(dir, 'site.json')}: cannot be read (it does not exist)`]);
  });
});

describe('loadDataDir', () => {
  it('reads site.json, the posts and every file under media/, however deep', async () => {
    const dir = await tempDataDir({
      site: siteRecord({ title: 'Temp News' }),
      posts: { 'b-post': postRecord({ title: 'B' }), 'a-post': postRecord({ title: 'A' }) },
      media: { 'logo.svg': '<svg/>', 'photos/2022/plant.jpg': new Uint8Array([0xff, 0xd8, 0xff]) },
    });
    const result = await loadDataDir(dir);
    expect(result.problems).toEqual([]);
    if (!result.ok) throw new Error('the folder did not load');
    expect(result.dataset.site.title).toBe('Temp News');
    expect(result.dataset.posts.map((p) => p.file).sort()).toEqual([
      path.join(dir, 'posts', 'a-post.json'),
      path.join(dir, 'posts', 'b-post.json'),
    ]);
    // Media are stated, not read: their size, and no bytes held (Node streams them when served).
    expect([...result.dataset.assets.values()].map((a) => [a.path, a.file, a.size, a.bytes])).toEqual([
      ['media/logo.svg', path.join(dir, 'media', 'logo.svg'), 6, undefined],
      ['media/photos/2022/plant.jpg', path.join(dir, 'media', 'photos', '2022', 'plant.jpg'), 3, undefined],
    ]);
  });

  it('ignores hidden files and hidden folders', async () => {
    const dir = await tempDataDir({
      posts: { post: postRecord(), '.post.swp': 'not JSON at all' },
      media: { '.DS_Store': 'x', '.thumbs/a.png': 'x', 'a.png': 'PNG' },
    });
    const result = await loadDataDir(dir);
    expect(result.problems).toEqual([]);
    expect(result.ok && result.dataset.posts.map((p) => path.basename(p.file))).toEqual(['post.json']);
    expect(result.ok && [...result.dataset.assets.keys()]).toEqual(['/media/a.png']);
  });

  it('reads a folder with no posts and no media', async () => {
    const dir = await tempDataDir({});
    await rm(path.join(dir, 'posts'), { recursive: true });
    const result = await loadDataDir(dir);
    expect(result.problems).toEqual([]);
    expect(result.ok && result.dataset.posts).toEqual([]);
  });

  it('reads posts in folders of their own and follows links to files, warning about what it skips', async () => {
    const dir = await tempDataDir({ posts: { plain: postRecord({ title: 'Plain' }) }, media: { 'a.png': new Uint8Array([1]) } });
    const elsewhere = await tempDataDir({ posts: { linked: postRecord({ title: 'Linked' }) }, media: { 'b.png': new Uint8Array([2]) } });
    await mkdir(path.join(dir, 'posts', '2022'));
    await writeFile(path.join(dir, 'posts', '2022', 'nested.json'), JSON.stringify(postRecord({ title: 'Nested' })));
    await symlink(path.join(elsewhere, 'posts', 'linked.json'), path.join(dir, 'posts', 'linked.json'));
    await symlink(path.join(elsewhere, 'media', 'b.png'), path.join(dir, 'media', 'b.png'));
    await symlink(path.join(elsewhere, 'posts'), path.join(dir, 'posts', 'more'));
    await symlink(path.join(dir, 'nowhere.json'), path.join(dir, 'posts', 'dangling.json'));
    const result = await loadDataDir(dir, { limits: { allowExternalLinks: true } });
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
      `${path.join(dir, 'site.json')}: language: expected a language tag such as "en" or "en-GB", got ""`,
      `${path.join(dir, 'posts', 'README.md')}: not a .json file, ignored   [warning]`,
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
      // Stated, not read: Node streams media from the folder when they are served.
      expect(result.dataset.assets.get(urlPath)?.size).toBe((await readFile(file)).byteLength);
    }
  });
});
