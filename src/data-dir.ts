import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadDataset, type DataFile, type DataInput, type LoadResult } from './posts/index.ts';
import type { Problem } from './posts/problems.ts';

/**
 * Reads a data folder into the loader's input: `site.json`, `posts/*.json`, and the files under
 * `media/`. Node only; the worker gets the same input from a bundled module.
 */
export async function readDataDir(dir: string): Promise<{ input: DataInput; problems: Problem[] }> {
  const shown = (file: string) => {
    const relative = path.relative(process.cwd(), file);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
  };
  const problems: Problem[] = [];
  const readText = async (file: string): Promise<DataFile | undefined> => {
    try {
      return { file: shown(file), text: await readFile(file, 'utf8') };
    } catch (error) {
      problems.push({ file: shown(file), message: `cannot be read (${describe(error)})`, severity: 'error' });
      return undefined;
    }
  };

  const site = await readText(path.join(dir, 'site.json'));
  const postsDir = path.join(dir, 'posts');
  let names: string[] = [];
  try {
    names = (await readdir(postsDir, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    if (!isMissing(error)) problems.push({ file: shown(postsDir), message: `cannot be read (${describe(error)})`, severity: 'error' });
  }
  const posts: DataFile[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) {
      problems.push({ file: shown(path.join(postsDir, name)), message: 'not a .json file, ignored', severity: 'warning' });
      continue;
    }
    const file = await readText(path.join(postsDir, name));
    if (file) posts.push(file);
  }

  const assets: NonNullable<DataInput['assets']>[number][] = [];
  const mediaDir = path.join(dir, 'media');
  try {
    const entries = await readdir(mediaDir, { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      const relative = path.relative(dir, file).split(path.sep).join('/');
      // Hidden files and everything in hidden folders (.DS_Store, .git/, .thumbs/) are not the site's.
      if (relative.split('/').some((part) => part.startsWith('.'))) continue;
      try {
        assets.push({ path: relative, file: shown(file), bytes: new Uint8Array(await readFile(file)) });
      } catch (error) {
        problems.push({ file: shown(file), message: `cannot be read (${describe(error)})`, severity: 'error' });
      }
    }
  } catch (error) {
    if (!isMissing(error)) problems.push({ file: shown(mediaDir), message: `cannot be read (${describe(error)})`, severity: 'error' });
  }
  assets.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { input: { site, posts, assets }, problems };
}

/** Reads and validates a data folder: every problem of both steps, in one list. */
export async function loadDataDir(dir: string): Promise<LoadResult & { postFiles: number }> {
  const { input, problems } = await readDataDir(dir);
  const result = await loadDataset(input);
  const all = [...problems, ...result.problems];
  const failed = !result.ok || all.some((p) => p.severity === 'error');
  if (failed || !result.ok) return { ok: false, problems: all, postFiles: input.posts.length };
  return { ok: true, dataset: result.dataset, problems: all, postFiles: input.posts.length };
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
/** The reason in a publisher's words. */
const READ_ERRORS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of its path is a file, not a folder',
};
const describe = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code) return READ_ERRORS[code] ?? code;
  return error instanceof Error ? error.message : String(error);
};
