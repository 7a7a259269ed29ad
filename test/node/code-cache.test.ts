import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { runWithCodeCache } from '../../src/node/code-cache.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A CommonJS module that uses what Node gives one: require, __filename, __dirname, module.exports. */
const moduleSource = (answer: number) => `
const { sep } = require('node:path');
function answer() { return ${answer}; }
function later() { return [1, 2, 3].map((n) => n * ${answer}).join(); }
module.exports = { answer, later, file: __filename, dir: __dirname, sep, self: this === module.exports };
`;

async function moduleFile(source: string): Promise<{ file: string; cacheFile: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pressroom-code-cache-'));
  dirs.push(dir);
  const file = path.join(dir, 'server.cjs');
  await writeFile(file, source);
  return { file, cacheFile: `${file}.cache` };
}

/** Runs `file` through `cacheFile`, which it finds as `found`, with `answer()` the module's; the cache it then writes is used next time. */
function runsThenCaches(file: string, cacheFile: string, found: 'none' | 'rejected', answer: number): void {
  const run = runWithCodeCache(file, cacheFile);
  expect(run.cache).toBe(found);
  expect((run.exports as Exports).answer()).toBe(answer);
  expect(run.writeCache()).toBe(true);
  expect(runWithCodeCache(file, cacheFile).cache).toBe('used');
}

type Exports = { answer: () => number; later: () => string; file: string; dir: string; sep: string; self: boolean };

describe('runWithCodeCache', () => {
  it('runs the file as a CommonJS module, writes its cache headed by the source digest, and uses it next time', async () => {
    const source = moduleSource(42);
    const { file, cacheFile } = await moduleFile(source);
    const first = runWithCodeCache(file, cacheFile);
    const exports = first.exports as Exports;
    expect([exports.answer(), exports.file, exports.dir, exports.sep, exports.self]).toEqual([42, file, path.dirname(file), path.sep, true]);
    expect(first.cache).toBe('none');
    expect(first.writeCache()).toBe(true);
    const written = await readFile(cacheFile);
    expect(written.subarray(0, 32).equals(createHash('sha256').update(source).digest())).toBe(true);
    expect(written.length).toBeGreaterThan(32);

    const second = runWithCodeCache(file, cacheFile);
    expect(second.cache).toBe('used');
    expect((second.exports as Exports).answer()).toBe(42);
    // A valid cache is not written again while the run compiled nothing it lacks…
    const before = await readFile(cacheFile);
    expect(second.writeCache()).toBe(false);
    expect((await readFile(cacheFile)).equals(before)).toBe(true);
    // …and is when it did: \`later\` ran for the first time, so its code joins the cache.
    expect((second.exports as Exports).later()).toBe('42,84,126');
    expect(second.writeCache()).toBe(true);
    expect((await readFile(cacheFile)).length).toBeGreaterThan(before.length);
    const third = runWithCodeCache(file, cacheFile);
    expect(third.cache).toBe('used');
    expect((third.exports as Exports).later()).toBe('42,84,126');
    expect(third.writeCache()).toBe(false);
  });

  it('never runs a cache made for another source of the same length, which V8 alone would accept', async () => {
    const { file, cacheFile } = await moduleFile(moduleSource(42));
    runWithCodeCache(file, cacheFile).writeCache();
    const changed = moduleSource(43);
    expect(changed.length).toBe(moduleSource(42).length);
    // V8's own check: the length, not the text. The digest is what tells the two apart.
    const v8Data = (await readFile(cacheFile)).subarray(32);
    expect(new vm.Script(Module.wrap(changed), { filename: file, cachedData: v8Data }).cachedDataRejected).toBe(false);
    await writeFile(file, changed);
    runsThenCaches(file, cacheFile, 'none', 43);
  });

  it('runs uncached when V8 rejects the cache, and replaces it', async () => {
    const source = moduleSource(7);
    const { file, cacheFile } = await moduleFile(source);
    const digest = createHash('sha256').update(source).digest();
    await writeFile(cacheFile, Buffer.concat([digest, Buffer.from('not a code cache at all')]));
    runsThenCaches(file, cacheFile, 'rejected', 7);
  });

  it('ignores a cache file too short to hold a digest, a folder in its place, and one it cannot write, without throwing', async () => {
    const { file, cacheFile } = await moduleFile(moduleSource(1));
    await writeFile(cacheFile, 'short');
    expect(runWithCodeCache(file, cacheFile).cache).toBe('none');
    await rm(cacheFile);
    await mkdir(path.join(cacheFile, 'inside'), { recursive: true });
    const beside = runWithCodeCache(file, cacheFile);
    expect(beside.cache).toBe('none');
    expect(beside.writeCache()).toBe(false);
    expect(await readdir(path.dirname(file))).toEqual(['server.cjs', 'server.cjs.cache']);
    const nowhere = path.join(path.dirname(file), 'no-such-folder', 'server.cjs.cache');
    const run = runWithCodeCache(file, nowhere);
    expect(run.writeCache()).toBe(false);
    expect((run.exports as Exports).answer()).toBe(1);
  });
});
