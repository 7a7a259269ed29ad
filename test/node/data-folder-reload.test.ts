import fc from 'fast-check';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFolder, loadDataDir } from '../../src/node/data-folder.ts';
import { loadDataset, type DataInput, type LoadResult } from '../../src/posts/index.ts';
import { makeDataDir, postRecord, removeDir } from '../fixtures.ts';

/**
 * The folder's reloads keep what spans files between loads (slug and id claims, the order, each post's
 * local links) and patch it with what changed: after any run of edits, a reload must say exactly what a
 * fresh load of the same folder says.
 */

const NAMES = ['a', 'b', 'c', 'd', 'e'] as const;
const MEDIA = ['one.png', 'two.png'] as const;

/** What an edit may write: clashing slugs and ids, links to posts and media that may not exist, drafts, broken files. */
const postFile = fc.oneof(
  { weight: 8, arbitrary: fc.record({
    title: fc.constantFrom('First', 'Second', 'Third'),
    published: fc.constantFrom('2024-01-01', '2024-01-02', '2024-01-03'),
    slug: fc.option(fc.constantFrom('same', 'other'), { nil: undefined }),
    id: fc.option(fc.constantFrom('urn:x:1', 'urn:x:2'), { nil: undefined }),
    draft: fc.boolean(),
    categories: fc.option(fc.subarray(['News', 'Sport']), { nil: undefined }),
    link: fc.option(fc.constantFrom('/posts/a', '/posts/same', '/posts/nothing', '/media/one.png', '/media/two.png', 'media/one.png'), { nil: undefined }),
    image: fc.option(fc.constantFrom('/media/one.png', '/media/two.png'), { nil: undefined }),
  }) },
  { weight: 1, arbitrary: fc.constant('{ "title": ') },
);
type PostFile = typeof postFile extends fc.Arbitrary<infer T> ? T : never;

const edit = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), name: fc.constantFrom(...NAMES), file: postFile }),
  fc.record({ kind: fc.constant('delete' as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant('media' as const), name: fc.constantFrom(...MEDIA), present: fc.boolean() }),
);

const text = (file: PostFile) => {
  if (typeof file === 'string') return file;
  const { slug, id, draft, categories, link, image, title, published } = file;
  return `${JSON.stringify(
    postRecord({
      title,
      published,
      content: link ? `<p><a href="${link}">more</a></p>` : '<p>Body.</p>',
      ...(slug ? { slug } : {}),
      ...(id ? { id } : {}),
      ...(draft ? { draft } : {}),
      ...(categories ? { categories } : {}),
      ...(image ? { image: { url: image, alt: '' } } : {}),
    }),
  )}\n`;
};

/** The folder's files as the pure loader takes them, named as the folder names them, in name order. */
async function inputOf(dir: string): Promise<DataInput> {
  const names = async (folder: string) => (await readdir(path.join(dir, folder)).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();
  return {
    site: { file: 'site.json', text: await readFile(path.join(dir, 'site.json'), 'utf8') },
    posts: await Promise.all((await names('posts')).map(async (name) => ({ file: `posts/${name}`, text: await readFile(path.join(dir, 'posts', name), 'utf8') }))),
    assets: await Promise.all((await names('media')).map(async (name) => ({ path: `media/${name}`, file: `media/${name}`, bytes: await readFile(path.join(dir, 'media', name)) }))),
  };
}

/** A result as plain data: the verdict, every problem in order, and the posts, version and warnings. */
const shown = (result: LoadResult & { postFiles: number }) => ({
  ok: result.ok,
  problems: result.problems,
  postFiles: result.postFiles,
  ...(result.ok
    ? {
        posts: result.dataset.posts.map((p) => [p.slug, p.title, p.file, p.id, p.draft, p.image?.size]),
        version: result.dataset.version,
        modified: result.dataset.modified,
        warnings: result.dataset.warnings,
        assets: [...result.dataset.assets.keys()],
      }
    : {}),
});

describe('DataFolder reloads', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map(removeDir));
  });

  it('judge a link to a post again when the post it names comes, goes or takes the slug', async () => {
    const dir = await makeDataDir({ posts: { a: postRecord({ content: '<p><a href="/posts/b">B</a></p>' }) } });
    dirs.push(dir);
    const folder = new DataFolder(dir, { cwd: dir });
    const warnings = async (...changed: string[]) => {
      folder.changed(changed.map((name) => path.join(dir, 'posts', `${name}.json`)));
      const result = await folder.load();
      return result.ok ? result.dataset.warnings.map((w) => `${w.file}: ${w.message}`) : ['not ok'];
    };
    const missing = 'posts/a.json: "/posts/b" resolves to /posts/b, which is no post';
    expect(await warnings()).toEqual([missing]);
    await writeFile(path.join(dir, 'posts', 'b.json'), text({ title: 'First', published: '2024-01-01', draft: false, slug: undefined, id: undefined, categories: undefined, link: undefined, image: undefined }));
    expect(await warnings('b')).toEqual([]);
    await writeFile(path.join(dir, 'posts', 'b.json'), text({ title: 'First', published: '2024-01-01', draft: false, slug: 'other', id: undefined, categories: undefined, link: undefined, image: undefined }));
    expect(await warnings('b')).toEqual([missing]);
    await writeFile(path.join(dir, 'posts', 'c.json'), `${JSON.stringify(postRecord({ slug: 'b' }))}\n`);
    expect(await warnings('c')).toEqual([]);
    await rm(path.join(dir, 'posts', 'c.json'));
    expect(await warnings('c')).toEqual([missing]);
  });

  it('give the version a fresh load gives when a file far down a long list changes', async () => {
    // More files than one block of the version's input holds: the edit lands in the second block.
    const posts = Object.fromEntries(Array.from({ length: 1100 }, (_, i) => [`p${String(i).padStart(4, '0')}`, postRecord({ title: `Post ${i}` })]));
    const dir = await makeDataDir({ posts });
    dirs.push(dir);
    const folder = new DataFolder(dir, { cwd: dir });
    await folder.load();
    for (const name of ['p1099', 'p0001']) {
      const file = path.join(dir, 'posts', `${name}.json`);
      await writeFile(file, `${JSON.stringify(postRecord({ title: `${name}, edited` }))}\n`);
      folder.changed([file]);
      const reloaded = await folder.load();
      const fresh = await loadDataDir(dir, { cwd: dir });
      expect(reloaded.ok && fresh.ok && reloaded.dataset.version === fresh.dataset.version).toBe(true);
    }
  });

  it('say what a fresh load says, edit after edit, whether told which files changed or scanning', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(edit, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }), fc.boolean(), async (steps, scanning) => {
        const dir = await makeDataDir({ posts: { a: postRecord({ title: 'A' }) }, media: { 'one.png': 'png' } });
        dirs.push(dir);
        const folder = new DataFolder(dir, { cwd: dir });
        await folder.load();
        for (const edits of steps) {
          const changed: string[] = [];
          for (const change of edits) {
            const file = change.kind === 'media' ? path.join(dir, 'media', change.name) : path.join(dir, 'posts', `${change.name}.json`);
            changed.push(file);
            if (change.kind === 'write') await writeFile(file, text(change.file));
            else if (change.kind === 'delete' || (change.kind === 'media' && !change.present)) await rm(file, { force: true });
            else {
              await mkdir(path.dirname(file), { recursive: true });
              await writeFile(file, `${change.name} ${Math.random()}`);
            }
          }
          if (scanning) await folder.scan();
          else folder.changed(changed);
          const reloaded = await folder.load();
          const fresh = await loadDataDir(dir, { cwd: dir });
          expect(shown(reloaded)).toEqual(shown(fresh));
          // And what the pure loader says of the same files, so the reader's own rules are pinned too.
          const { version: _version, modified: _modified, postFiles: _postFiles, ...judged } = shown(reloaded);
          const { version: _v, modified: _m, postFiles: _p, ...expected } = shown({ ...(await loadDataset(await inputOf(dir))), postFiles: 0 });
          expect(judged).toEqual(expected);
        }
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
