/**
 * A file deleted between the folder listing and the read, as happens while a publisher removes posts
 * and the server reloads: made deterministic by deleting the file just before the reader opens it.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadDataDir } from '../../src/node/data-dir.ts';
import { makeDataDir, postRecord, removeDir } from '../fixtures.ts';

const hooks = vi.hoisted(() => ({ beforeRead: undefined as ((file: string) => void) | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const original = await importOriginal<typeof fs>();
  const openSync = ((file: Parameters<typeof original.openSync>[0], ...rest: unknown[]) => {
    hooks.beforeRead?.(String(file));
    return (original.openSync as (...args: unknown[]) => unknown)(file, ...rest);
  }) as typeof original.openSync;
  // Media files are stated, not opened.
  const statSync = ((file: Parameters<typeof original.statSync>[0], ...rest: unknown[]) => {
    hooks.beforeRead?.(String(file));
    return (original.statSync as (...args: unknown[]) => unknown)(file, ...rest);
  }) as typeof original.statSync;
  return { ...original, default: { ...original, openSync, statSync }, openSync, statSync };
});

const dirs: string[] = [];
afterEach(async () => {
  hooks.beforeRead = undefined;
  await Promise.all(dirs.splice(0).map(removeDir));
});

describe('loadDataDir while files are deleted', () => {
  it('leaves out a post deleted after the listing, without calling it an error', async () => {
    const dir = await makeDataDir({
      posts: { kept: postRecord({ title: 'Kept' }), gone: postRecord({ title: 'Gone' }) },
      media: { 'gone.png': new Uint8Array([1]), 'kept.png': new Uint8Array([2]) },
    });
    dirs.push(dir);
    const deleted = [path.join(dir, 'posts', 'gone.json'), path.join(dir, 'media', 'gone.png')];
    hooks.beforeRead = (file) => {
      if (deleted.includes(file)) fs.rmSync(file);
    };
    const result = await loadDataDir(dir);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    if (!result.ok) throw new Error('the folder did not load');
    expect(result.dataset.posts.map((p) => p.title)).toEqual(['Kept']);
    expect([...result.dataset.assets.keys()]).toEqual(['/media/kept.png']);
  });

  it('still reports a missing site.json, which was never listed', async () => {
    const dir = await makeDataDir({ posts: { kept: postRecord() } });
    dirs.push(dir);
    hooks.beforeRead = (file) => {
      if (file.endsWith('site.json')) fs.rmSync(file);
    };
    const result = await loadDataDir(dir);
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.message)).toEqual(['cannot be read (it does not exist)']);
  });
});
