/** `build:data` as `npm run dev:worker` runs it: invalid data becomes a module that answers 503 with the problems. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildData } from '../../scripts/build-data.ts';
import { dataProblemsWorker } from '../../src/worker/data-problems.ts';
import { makeDataDir, postRecord, removeDir } from '../fixtures.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await removeDir(dir);
});

describe('buildData with serveErrors', () => {
  it('writes the problem report into the module and succeeds; without it, fails and writes nothing', async () => {
    const dir = await makeDataDir({ posts: { bad: postRecord({ published: 'yesterday' }) } });
    const outDir = await mkdtemp(path.join(tmpdir(), 'pressroom-build-errors-'));
    dirs.push(dir, outDir);
    const out = path.join(outDir, 'data.ts');

    const failed = await buildData({ dataDir: dir, out });
    expect(failed.code).toBe(1);
    expect(failed.written).toBeUndefined();
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);

    const served = await buildData({ dataDir: dir, out, serveErrors: true });
    expect(served.code).toBe(0);
    expect(served.report[0]).toContain(`${path.join(dir, 'posts', 'bad.json')}: published: expected an ISO 8601 date`);
    const module = (await import(pathToFileURL(out).href)) as { bundle: unknown; problems: readonly string[] };
    expect(module.bundle).toBeUndefined();
    expect(module.problems).toEqual(served.report);

    const res = dataProblemsWorker(module.problems).fetch();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe(
      ['The data has errors; fix them and this page will show the site.', '', ...served.report].join('\n') + '\n',
    );
  });

  it('writes the bundle with no problems when the data is valid, with the media bytes read from disk', async () => {
    const dir = await makeDataDir({ posts: { good: postRecord() }, media: { 'a.txt': 'hello' } });
    const outDir = await mkdtemp(path.join(tmpdir(), 'pressroom-build-errors-'));
    dirs.push(dir, outDir);
    const out = path.join(outDir, 'data.ts');
    const built = await buildData({ dataDir: dir, out, serveErrors: true });
    expect(built.code).toBe(0);
    const module = (await import(pathToFileURL(out).href)) as { bundle: { assets: { path: string; size: number; base64: string }[] }; problems: string[] };
    expect(module.problems).toEqual([]);
    expect(module.bundle.assets).toEqual([expect.objectContaining({ path: 'media/a.txt', size: 5, base64: btoa('hello') })]);
  });
});
