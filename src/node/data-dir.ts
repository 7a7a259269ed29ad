import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync, type BigIntStats, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadDataset, type AssetInput, type DataFile, type DataInput, type LoadResult } from '../posts/index.ts';
import { DataVersion } from '../posts/data-version.ts';
import type { Problem } from '../posts/problems.ts';

/** Files read back to back before the event loop gets a turn, so a reload never stalls requests long. */
const READ_BATCH = 256;

/**
 * Opens a data folder as the loader's input: `site.json` read and the files under `media/` stated at once,
 * `posts/*.json` read one by one as the loader takes them, so each text is dropped once parsed.
 * Node only; the worker gets its data from a bundled module.
 *
 * Files are read synchronously in batches: one `await readFile` per file spends most of its time
 * waiting for the thread pool (10,000 posts: 1.9 s against 0.14 s). The data version (`DataVersion`,
 * as `loadDataset` computes it) is hashed as the files arrive, so no second copy of the data is made for
 * it; it is ready once every post has been read.
 */
export async function openDataDir(dir: string): Promise<{ input: DataInput; problems: Problem[]; postFiles: () => number }> {
  const cwd = process.cwd();
  const shown = (file: string) => {
    const relative = path.relative(cwd, file);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
  };
  const problems: Problem[] = [];
  const version = new DataVersion(createHash('sha256'));
  let digest: string | undefined;
  let newest = 0;
  const touched = (mtimeMs: number) => {
    if (mtimeMs > newest) newest = mtimeMs;
  };
  /** `listed`: the file came from a folder listing, so if it is gone now it was deleted meanwhile. */
  const read = (file: string, shownAs: string, listed: boolean): Buffer | undefined => {
    try {
      const { bytes, mtimeMs } = readWithTime(file);
      touched(mtimeMs);
      return bytes;
    } catch (error) {
      if (listed && isMissing(error)) return undefined;
      problems.push({ file: shownAs, message: `cannot be read (${describe(error)})`, severity: 'error' });
      return undefined;
    }
  };
  const stat = (file: string, shownAs: string, listed: boolean): BigIntStats | undefined => {
    try {
      const stats = statSync(file, { bigint: true });
      touched(Number(stats.mtimeMs));
      return stats;
    } catch (error) {
      if (listed && isMissing(error)) return undefined;
      problems.push({ file: shownAs, message: `cannot be read (${describe(error)})`, severity: 'error' });
      return undefined;
    }
  };
  const readText = (file: string, shownAs: string, listed: boolean): DataFile | undefined => {
    const bytes = read(file, shownAs, listed);
    if (!bytes) return undefined;
    version.add(shownAs, bytes);
    return { file: shownAs, text: bytes.toString('utf8') };
  };
  /** Every file below a folder (links to files followed), as paths relative to `dir`, sorted. */
  const filesBelow = async (folder: string): Promise<string[]> => {
    let entries: Dirent[];
    try {
      touched(statSync(folder).mtimeMs); // a deleted or renamed file changes its folder's time
      entries = await readdir(folder, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (!isMissing(error)) problems.push({ file: shown(folder), message: `cannot be read (${describe(error)})`, severity: 'error' });
      return [];
    }
    const files: string[] = [];
    for (const entry of entries) {
      const file = path.join(entry.parentPath, entry.name);
      const relative = path.relative(dir, file).split(path.sep).join('/');
      // Hidden files and everything in hidden folders (.DS_Store, .git/, .thumbs/) are not the site's.
      if (relative.split('/').some((part) => part.startsWith('.'))) continue;
      if (entry.isFile()) files.push(relative);
      else if (entry.isDirectory()) touched(statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      else if (entry.isSymbolicLink()) {
        const target = statSync(file, { throwIfNoEntry: false });
        if (target?.isFile()) files.push(relative);
        else {
          const what = target ? 'a link to a folder, which is not followed' : 'a link to nothing';
          problems.push({ file: shown(file), message: `${what}, ignored`, severity: 'warning' });
        }
      }
    }
    return files.sort();
  };

  const sitePath = path.join(dir, 'site.json');
  const site = readText(sitePath, shown(sitePath), false);

  // Media are stated, not read: they are streamed from disk when served (./media-files.ts), so a large
  // video costs neither memory nor a reload's time. The version hashes their identity instead of bytes.
  const assets: AssetInput[] = [];
  for (const relative of await filesBelow(path.join(dir, 'media'))) {
    const file = path.join(dir, relative);
    // Deleted between the listing and the stat: a later listing will not show it either.
    const identity = stat(file, shown(file), true);
    if (!identity) continue;
    const stamp = `${identity.size}:${identity.mtimeNs}:${identity.ino}`;
    version.add(relative, stamp);
    assets.push({ path: relative, file: shown(file), size: Number(identity.size), stamp });
  }

  // Posts may sit in folders of their own (posts/2022/…): the slug comes from the file name alone.
  const postPaths = await filesBelow(path.join(dir, 'posts'));
  let postFiles = 0;
  async function* posts(): AsyncGenerator<DataFile> {
    let sinceYield = 0;
    for (const relative of postPaths) {
      const file = path.join(dir, relative);
      const shownAs = shown(file);
      if (!relative.endsWith('.json')) {
        problems.push({ file: shownAs, message: 'not a .json file, ignored', severity: 'warning' });
        continue;
      }
      const post = readText(file, shownAs, true);
      if (post) {
        postFiles++;
        yield post;
      }
      if (++sinceYield >= READ_BATCH) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    digest = await version.digest();
  }
  const input: DataInput = {
    site,
    posts: posts(),
    assets,
    get version() {
      if (digest === undefined) throw new Error('the data version is known only once every post has been read');
      return digest;
    },
    get modified() {
      return newest > 0 ? new Date(Math.floor(newest)) : undefined;
    },
  };
  return { input, problems, postFiles: () => postFiles };
}

/** `readFileSync` and the file's modification time from the same open file: no second look-up. */
function readWithTime(file: string): { bytes: Buffer; mtimeMs: number } {
  const fd = openSync(file, 'r');
  try {
    const { size, mtimeMs } = fstatSync(fd);
    const bytes = Buffer.allocUnsafe(size);
    let offset = 0;
    while (offset < size) {
      const read = readSync(fd, bytes, offset, size - offset, null);
      if (read === 0) break; // truncated while we read: the watcher will bring the rest
      offset += read;
    }
    return { bytes: offset === size ? bytes : bytes.subarray(0, offset), mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** A data folder read whole into the loader's input, every post text in a list. */
export async function readDataDir(
  dir: string,
): Promise<{ input: DataInput & { posts: readonly DataFile[] }; problems: Problem[] }> {
  const { input, problems } = await openDataDir(dir);
  const posts: DataFile[] = [];
  for await (const post of input.posts) posts.push(post);
  const { site, assets } = input;
  const { version, modified } = input;
  return { input: { site, posts, ...(assets ? { assets } : {}), version: version ?? '', modified }, problems };
}

/** Reads and validates a data folder: every problem of both steps, in one list. */
export async function loadDataDir(dir: string): Promise<LoadResult & { postFiles: number }> {
  const { input, problems, postFiles } = await openDataDir(dir);
  const result = await loadDataset(input);
  // The reader's problems last: some (a non-.json file) are only known once the posts have been read.
  const all = [...problems, ...result.problems];
  if (!result.ok || all.some((p) => p.severity === 'error')) return { ok: false, problems: all, postFiles: postFiles() };
  return { ok: true, dataset: result.dataset, problems: all, postFiles: postFiles() };
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
