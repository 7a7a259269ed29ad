import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * Runs a CommonJS file with V8's code cache: the bytecode of the functions a start compiled, kept in a
 * file beside it, so that the next start skips parsing and compiling them. Node 22 has this built in
 * (`module.enableCompileCache`); Node 20 has only `vm.Script`'s `cachedData`, which this uses on both.
 *
 * V8 accepts a cache made for a source of the same length, whatever its text: a rebuilt bundle of the
 * same size would run the old bytecode. So the cache file starts with the SHA-256 of the source it was
 * made from, and is used only for that source. V8 itself rejects a cache from another V8 version or
 * other flags, and one whose checksum fails (`cachedDataRejected`): the file then runs uncached.
 */

/** Bytes of the source's SHA-256 at the head of a cache file. */
const DIGEST_BYTES = 32;
/** A cache file larger than this is not read: the cache of the server's bundle is under 1 MB. */
const MAX_CACHE_BYTES = 32 * 1024 * 1024;

export interface CachedRun {
  /** What the file assigned to `module.exports`. */
  exports: unknown;
  /** `used`: compiled from the cache; `rejected`: V8 refused it; `none`: no cache for this source. */
  cache: 'used' | 'rejected' | 'none';
  /**
   * Writes the cache of what has been compiled so far (call it once the start's work is done, so that
   * it holds the functions that work needed), unless the run used a cache holding as much: a start on
   * an empty folder leaves out the code that reads posts, and the next start on an archive adds it.
   * Never throws: a read-only folder only means the next start compiles again. True when written.
   */
  writeCache(): boolean;
}

/** Runs `file` as Node runs a CommonJS module, through the cache in `cacheFile`. */
export function runWithCodeCache(file: string, cacheFile: string): CachedRun {
  const source = readFileSync(file, 'utf8');
  const digest = createHash('sha256').update(source).digest();
  let cachedData: Buffer | undefined;
  try {
    // Its size first: whatever else lies there is not read into memory.
    const size = statSync(cacheFile).size;
    const cached = size > DIGEST_BYTES && size <= MAX_CACHE_BYTES ? readFileSync(cacheFile) : undefined;
    if (cached && digest.equals(cached.subarray(0, DIGEST_BYTES))) cachedData = cached.subarray(DIGEST_BYTES);
  } catch {
    // No cache yet (or unreadable, or a folder): compiled as usual.
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const cache = !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  const module = { exports: {} as unknown };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return {
    exports: module.exports,
    cache,
    writeCache() {
      const data = script.createCachedData();
      if (cache === 'used' && data.length <= (cachedData?.length ?? 0)) return false;
      // Written beside and renamed over: a start reading it meanwhile sees the old file or the new, whole.
      const partial = `${cacheFile}.${process.pid}.partial`;
      try {
        writeFileSync(partial, Buffer.concat([digest, data]));
        renameSync(partial, cacheFile);
        return true;
      } catch {
        try {
          rmSync(partial, { force: true });
        } catch {
          // Not even that: a stray partial file, never read (only `cacheFile` is).
        }
        return false;
      }
    },
  };
}
