import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchDataDir } from '../../src/node/watch.ts';
import { makeDataDir, removeDir } from '../fixtures.ts';

const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(dirs.splice(0).map(removeDir));
});

const until = async (condition: () => boolean, timeoutMs = 5000) => {
  const end = Date.now() + timeoutMs;
  while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('watchDataDir', () => {
  it('calls back once a burst of edits has settled, for files in sub-folders too', async () => {
    const dir = await makeDataDir();
    dirs.push(dir);
    let calls = 0;
    const watcher = watchDataDir(dir, () => calls++);
    expect(watcher).toBeDefined();
    for (let i = 0; i < 20; i++) writeFileSync(path.join(dir, 'posts', `p${i}.json`), '{}');
    await until(() => calls > 0);
    watcher?.close();
    expect(calls).toBeGreaterThanOrEqual(1);
    // A burst of 20 writes in a few milliseconds is one reload, not twenty.
    expect(calls).toBeLessThan(5);
  });

  it('drops a reload still waiting for the burst to settle when closed', async () => {
    const dir = await makeDataDir();
    dirs.push(dir);
    let calls = 0;
    const watcher = watchDataDir(dir, () => calls++);
    writeFileSync(path.join(dir, 'site.json'), '{}');
    await new Promise((resolve) => setTimeout(resolve, 60));
    watcher?.close();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(calls).toBe(0);
  });

  it('says why when the folder cannot be watched, and gives no watcher', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const missing = path.join(process.cwd(), 'no-such-data-folder');
    expect(watchDataDir(missing, () => undefined)).toBeUndefined();
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0]?.[0]).toMatch(
      new RegExp(`^Cannot watch ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.*ENOENT.*\\); edits need SIGHUP to be seen\\.$`),
    );
  });
});
