/**
 * `npm run export` and its output folder: it writes only into an empty folder or one it wrote before,
 * never touches a file it did not write, and exporting again rewrites only what changed.
 */
import { mkdir, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST } from '../../scripts/export.ts';
import { makeDataDir, postRecord, removeDir, run, siteRecord, writeDataDir } from '../fixtures.ts';

const SITE_URL = 'https://news.example.com';
const POSTS = {
  'board-meeting': postRecord({ title: 'Board meeting', published: '2024-02-01', categories: ['Board'] }),
  'new-plant': postRecord({ title: 'New plant', published: '2024-03-01', categories: ['Plant'] }),
  'plant-tour': postRecord({ title: 'Plant tour', published: '2024-03-05', categories: ['Plant'] }),
  'spring-report': postRecord({ title: 'Spring report', published: '2024-04-01' }),
};

const exportInto = (dataDir: string, out: string) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/export.ts', '--out', out, '--data', dataDir, '--site-url', SITE_URL]);

/** Every file below `dir` with its mtime, `/`-separated. */
async function mtimesBelow(dir: string, prefix = ''): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [file, mtime] of await mtimesBelow(dir, name)) found.set(file, mtime);
    else found.set(name, (await stat(path.join(dir, name))).mtimeMs);
  }
  return found;
}

const counts = (stdout: string) => /: (\d+) written, (\d+) unchanged, (\d+) removed, in /.exec(stdout)?.slice(1).map(Number);

describe('the export folder', () => {
  let dataDir = '';
  let work = '';
  beforeAll(async () => {
    dataDir = await makeDataDir({ site: siteRecord({ feedLimit: 2 }), posts: POSTS });
    work = await mkdtemp(path.join(tmpdir(), 'pressroom-export-folder-'));
  });
  afterAll(async () => {
    if (work) await removeDir(work);
    if (dataDir) await removeDir(dataDir);
  });

  it('refuses a folder holding files it did not write, in one line, and leaves it as it was', async () => {
    const dist = path.join(work, 'dist');
    await mkdir(dist);
    await writeFile(path.join(dist, 'node.mjs'), 'the server bundle');
    const result = await exportInto(dataDir, dist);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `${dist}: holds 1 file the export did not write (node.mjs); it writes only into an empty folder or one it wrote before, such as --out site\n`,
    );
    expect(await readdir(dist)).toEqual(['node.mjs']);
    expect(await readFile(path.join(dist, 'node.mjs'), 'utf8')).toBe('the server bundle');
  });

  it('rewrites only what changed, keeps the mtimes of the rest, removes what it wrote that is gone, and keeps files of others', async () => {
    const out = path.join(work, 'site');
    const first = await exportInto(dataDir, out);
    expect(first.code, first.stderr).toBe(0);
    const [written = 0] = counts(first.stdout) ?? [];
    expect(counts(first.stdout)).toEqual([written, 0, 0]);
    const manifest = JSON.parse(await readFile(path.join(out, MANIFEST), 'utf8')) as { files: Record<string, unknown> };
    expect(Object.keys(manifest.files)).toHaveLength(written);

    // Someone else's file, where the export writes nothing: kept through every export below.
    await mkdir(path.join(out, 'extra'));
    await writeFile(path.join(out, 'extra', 'keep.txt'), 'not the export’s');
    const before = await mtimesBelow(out);

    const again = await exportInto(dataDir, out);
    expect(counts(again.stdout)).toEqual([0, written, 0]);
    const after = await mtimesBelow(out);
    for (const [file, mtime] of before) if (file !== MANIFEST) expect(after.get(file), file).toBe(mtime);

    // One post changes: its page, the lists and feeds that show it; nothing else.
    await writeDataDir(dataDir, { site: siteRecord({ feedLimit: 2 }), posts: { ...POSTS, 'plant-tour': postRecord({ title: 'Plant tour, with photos', published: '2024-03-05', categories: ['Plant'] }) } });
    const changed = await exportInto(dataDir, out);
    const [rewritten = 0, unchanged = 0, removed = 0] = counts(changed.stdout) ?? [];
    expect(rewritten + unchanged).toBe(written);
    expect(removed).toBe(0);
    expect(rewritten).toBeGreaterThan(0);
    expect(rewritten).toBeLessThan(written / 2);
    const afterChange = await mtimesBelow(out);
    expect(afterChange.get('style.css')).toBe(before.get('style.css'));
    expect(afterChange.get('posts/board-meeting/index.html')).toBe(before.get('posts/board-meeting/index.html'));
    expect(await readFile(path.join(out, 'posts', 'plant-tour', 'index.html'), 'utf8')).toContain('Plant tour, with photos');

    // A post is deleted: its page goes, with the folder it emptied; the other file stays.
    await removeDir(path.join(dataDir, 'posts', 'spring-report.json'));
    const deleted = await exportInto(dataDir, out);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(counts(deleted.stdout)?.[2]).toBeGreaterThan(0);
    await expect(stat(path.join(out, 'posts', 'spring-report'))).rejects.toThrow(/ENOENT/);
    expect(await readFile(path.join(out, 'extra', 'keep.txt'), 'utf8')).toBe('not the export’s');
  });

  it('refuses to overwrite a file it did not write, in one line, and keeps that file', async () => {
    const out = path.join(work, 'collision');
    expect((await exportInto(dataDir, out)).code).toBe(0);
    await mkdir(path.join(out, 'posts', 'late-news'), { recursive: true });
    await writeFile(path.join(out, 'posts', 'late-news', 'index.html'), 'hand-made');
    await writeFile(path.join(dataDir, 'posts', 'late-news.json'), JSON.stringify(postRecord({ title: 'Late news', published: '2024-05-01' })));
    try {
      const result = await exportInto(dataDir, out);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `${path.join(out, 'posts', 'late-news', 'index.html')}: not written by the export, and it would overwrite it; move it away or choose another folder\n`,
      );
      expect(await readFile(path.join(out, 'posts', 'late-news', 'index.html'), 'utf8')).toBe('hand-made');
    } finally {
      await removeDir(path.join(dataDir, 'posts', 'late-news.json'));
    }
  });
});
