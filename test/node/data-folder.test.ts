import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataFolder, type FileSystem } from '../../src/node/data-folder.ts';
import { formatProblem } from '../../src/posts/problems.ts';
import { findProgram, makeDataDir, postRecord, removeDir, siteRecord, type FixtureData } from '../fixtures.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeDir));
});

async function tempDataDir(data: FixtureData): Promise<string> {
  const dir = await makeDataDir(data);
  dirs.push(dir);
  return dir;
}

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

  it('sanitises each post once, at load, and exposes the result', async () => {
    const dir = await tempDataDir({ posts: { post: postRecord({ content: '<p onclick="x()">Hi<script>alert(1)</script></p>' }) } });
    const folder = new DataFolder(dir);
    const result = await folder.load();
    if (!result.ok) throw new Error('expected valid data');
    const [post] = result.dataset.posts;
    expect(post && folder.safeContent(post)).toBe('<p>Hi</p>');
    expect(post?.content).toBe('<p>Hi</p>');
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
