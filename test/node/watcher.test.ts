import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { debounceChanges, repeatScans, watchDataFolder, type DataWatcher, type Timers } from '../../src/node/watcher.ts';
import { makeDataDir, postRecord, removeDir } from '../fixtures.ts';

/** Timers driven by vitest's fake clock. */
const fakeTimers = (): Timers => ({
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
});

describe('debounceChanges', () => {
  afterEach(() => vi.useRealTimers());

  it('hands over a burst once it has been quiet, with every path in it', () => {
    vi.useFakeTimers();
    const batches: string[][] = [];
    const burst = debounceChanges((paths) => batches.push([...paths].sort()), { timers: fakeTimers() });
    burst.add('a');
    vi.advanceTimersByTime(100);
    burst.add('b');
    burst.add('a');
    vi.advanceTimersByTime(149);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([['a', 'b']]);
  });

  it('hands over a burst that never goes quiet at least once a second', () => {
    vi.useFakeTimers();
    const batches: number[] = [];
    const burst = debounceChanges((paths) => batches.push(paths.size), { timers: fakeTimers() });
    for (let ms = 0; ms < 2500; ms += 100) {
      burst.add(`file-${ms}`);
      vi.advanceTimersByTime(100);
    }
    expect(batches).toEqual([10, 10]);
  });
});

describe('repeatScans', () => {
  afterEach(() => vi.useRealTimers());

  it('waits at least the minimum, and 20 times as long as the last scan took', async () => {
    vi.useFakeTimers({ now: 0 });
    const starts: number[] = [];
    // The scans' own durations, added to the clock the scheduler reads while the timers stand still.
    let spent = 0;
    let costMs = 10;
    const timers: Timers = { ...fakeTimers(), now: () => Date.now() + spent };
    const scans = repeatScans(
      async () => {
        starts.push(Date.now());
        spent += costMs;
      },
      { timers },
    );
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts).toEqual([5000]);
    costMs = 1000; // a slow scan: the next one waits 20 s
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts).toEqual([5000, 10_000]);
    await vi.advanceTimersByTimeAsync(19_999);
    expect(starts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([5000, 10_000, 30_000]);
    scans.stop();
    await vi.advanceTimersByTimeAsync(100_000);
    expect(starts).toHaveLength(3);
  });
});

describe('watchDataFolder', () => {
  const dirs: string[] = [];
  let watcher: DataWatcher | undefined;
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await Promise.all(dirs.splice(0).map(removeDir));
  });

  /** A watcher on a new folder, and a way to wait (bounded) for a burst naming a path. */
  async function watched() {
    const dir = await makeDataDir({ posts: { post: postRecord() } });
    dirs.push(dir);
    const seen: Set<string>[] = [];
    watcher = watchDataFolder(dir, (paths) => seen.push(paths), { quietMs: 20, maxWaitMs: 200 });
    await watcher.ready;
    const waitFor = async (file: string, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!seen.some((paths) => paths.has(file))) {
        if (Date.now() > deadline) throw new Error(`never seen: ${file}; seen: ${JSON.stringify(seen.map((p) => [...p]))}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      seen.length = 0;
    };
    return { dir, waitFor };
  }

  it('sees 20 atomic saves in a row of the same file, each one', async () => {
    const { dir, waitFor } = await watched();
    const post = path.join(dir, 'posts', 'post.json');
    for (let i = 1; i <= 20; i++) {
      const temporary = path.join(dir, 'posts', `.t${i}`);
      await writeFile(temporary, JSON.stringify(postRecord({ title: `Save ${i}` })));
      await rename(temporary, post);
      await waitFor(post);
    }
  });

  it('watches a folder copied in, down to its subfolders, and one deleted and made again', async () => {
    const { dir, waitFor } = await watched();
    const staging = path.join(dir, '.staging');
    await mkdir(path.join(staging, 'deep'), { recursive: true });
    await rename(staging, path.join(dir, 'posts', '2024'));
    await waitFor(path.join(dir, 'posts', '2024'));
    const deep = path.join(dir, 'posts', '2024', 'deep', 'a.json');
    await writeFile(deep, JSON.stringify(postRecord()));
    await waitFor(deep);
    await rm(path.join(dir, 'posts'), { recursive: true });
    await waitFor(path.join(dir, 'posts'));
    await mkdir(path.join(dir, 'posts'));
    await waitFor(path.join(dir, 'posts'));
    await writeFile(path.join(dir, 'posts', 'b.json'), JSON.stringify(postRecord()));
    await waitFor(path.join(dir, 'posts', 'b.json'));
    await writeFile(path.join(dir, 'site.json'), '{}');
    await waitFor(path.join(dir, 'site.json'));
  });

  it('sees a folder copied in, with the files inside it, and a deletion', async () => {
    const { dir, waitFor } = await watched();
    const staging = path.join(dir, '.staging');
    await mkdir(path.join(staging, 'deep'), { recursive: true });
    await writeFile(path.join(staging, 'deep', 'a.json'), JSON.stringify(postRecord()));
    await rename(staging, path.join(dir, 'posts', '2024'));
    await waitFor(path.join(dir, 'posts', '2024'));
    await rm(path.join(dir, 'posts', 'post.json'));
    await waitFor(path.join(dir, 'posts', 'post.json'));
  });
});
