import * as fs from 'node:fs';
import type { Dirent, FSWatcher, Stats } from 'node:fs';
import path from 'node:path';

/** Editors save in bursts (write, rename, touch): wait until the files have been quiet this long. */
export const QUIET_MS = 150;
/** A folder that never goes quiet (a sync tool copying thousands of files) is still reloaded this often. */
export const MAX_WAIT_MS = 1000;
/** The safety net's shortest interval, and its interval as a multiple of its own last duration. */
export const RESCAN_MIN_MS = 5000;
export const RESCAN_COST_FACTOR = 20;

export interface Timers {
  now: () => number;
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}
const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Collects changed paths and hands them over once no new one arrived for `quietMs`, or at the latest
 * `maxWaitMs` after the first of the burst.
 */
export function debounceChanges(
  flush: (paths: Set<string>) => void,
  options: { quietMs?: number; maxWaitMs?: number; timers?: Timers } = {},
): { add: (file: string) => void; cancel: () => void } {
  const quietMs = options.quietMs ?? QUIET_MS;
  const maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS;
  const timers = options.timers ?? realTimers;
  let paths = new Set<string>();
  let timer: unknown;
  let burstStart: number | undefined;
  const fire = () => {
    const batch = paths;
    paths = new Set();
    burstStart = undefined;
    timer = undefined;
    flush(batch);
  };
  return {
    add(file) {
      const at = timers.now();
      burstStart ??= at;
      paths.add(file);
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = timers.setTimeout(fire, Math.min(quietMs, Math.max(0, burstStart + maxWaitMs - at)));
    },
    cancel() {
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * Runs `scan` again and again, each time waiting at least `minMs` and `costFactor` times as long as the
 * last scan took, so the safety net costs a bounded share of the machine however large the folder is.
 */
export function repeatScans(
  scan: () => Promise<void>,
  options: { minMs?: number; costFactor?: number; timers?: Timers } = {},
): { stop: () => void } {
  const minMs = options.minMs ?? RESCAN_MIN_MS;
  const costFactor = options.costFactor ?? RESCAN_COST_FACTOR;
  const timers = options.timers ?? realTimers;
  let stopped = false;
  let timer: unknown;
  const next = (lastMs: number) => {
    if (stopped) return;
    timer = timers.setTimeout(() => void once(), Math.max(minMs, costFactor * lastMs));
  };
  const once = async () => {
    const started = timers.now();
    try {
      await scan();
    } finally {
      next(timers.now() - started);
    }
  };
  next(0);
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
    },
  };
}

export interface DataWatcher {
  /** Resolves once the initial tree has been read: later changes are all reported. */
  ready: Promise<void>;
  close: () => Promise<void>;
}

/** Folders below the data folder deeper than this are not watched (the folder reader refuses them too). */
const MAX_WATCHED_DEPTH = 65;

/**
 * Watches a data folder: one `fs.watch` per folder (the data folder, `posts/`, `media/` and every folder
 * below them), never one per file. A folder's watch names each child that is created, written,
 * deleted or renamed, so an atomic save (a temporary file renamed over the post) is seen every time,
 * which a watch on the file itself (following its inode) sees once at most; and 100,000 posts cost a
 * handful of watches, not 100,000, nor a re-read of a folder of 100,000 names at every change. A
 * folder that appears (created, or copied in whole) is watched with everything below it, and reported:
 * the folder reader walks it. Hidden files and folders are not watched; links are not followed (a
 * link's target outside the folder is not ours to watch, and the periodic scan sees a changed target).
 * `onChanges` gets each burst's paths, debounced.
 */
export function watchDataFolder(
  dir: string,
  onChanges: (paths: Set<string>) => void,
  options: { onError?: (error: Error) => void; quietMs?: number; maxWaitMs?: number } = {},
): DataWatcher {
  const root = path.resolve(dir);
  const burst = debounceChanges(onChanges, options);
  /** Each watched folder, with the inode watched: a folder renamed over it is another folder. */
  const watches = new Map<string, { watch: FSWatcher; ino: number }>();
  let closed = false;
  const fail = (error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error)));
  const depthOf = (folder: string) => (folder === root ? 0 : path.relative(root, folder).split(path.sep).length);
  const unwatch = (folder: string) => {
    for (const [watched, { watch }] of watches) {
      if (watched !== folder && !watched.startsWith(`${folder}${path.sep}`)) continue;
      watch.close();
      watches.delete(watched);
    }
  };
  /** Watches `folder` and every folder below it; what is found below is not reported (the reader walks it). */
  const watchTree = async (folder: string, ino?: number): Promise<void> => {
    if (closed || watches.has(folder) || depthOf(folder) > MAX_WATCHED_DEPTH) return;
    let watch: FSWatcher;
    try {
      ino ??= fs.statSync(folder).ino;
      watch = fs.watch(folder, { persistent: false }, (_event, name) => void changed(folder, name));
    } catch (error) {
      // Gone already (nothing to watch), or out of watches: said once per folder, the scan still looks.
      if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') fail(error);
      return;
    }
    watch.on('error', (error) => {
      unwatch(folder);
      if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'EPERM') fail(error);
    });
    watches.set(folder, { watch, ino });
    let children: Dirent[];
    try {
      children = await fs.promises.readdir(folder, { withFileTypes: true });
    } catch {
      return; // gone meanwhile: its parent's watch reports it
    }
    for (const child of children) {
      if (child.isDirectory() && !child.name.startsWith('.') && (folder !== root || TOP_FOLDERS.has(child.name))) {
        await watchTree(path.join(folder, child.name));
      }
    }
  };
  /** One event in a watched folder: the path it names is the hint; a folder that appeared is watched too. */
  const changed = async (folder: string, name: string | Buffer | null) => {
    if (closed) return;
    if (name === null) {
      burst.add(folder); // the platform did not say which child: the reader walks the folder
      return;
    }
    const child = String(name);
    if (child.split(path.sep).some((part) => part.startsWith('.'))) return;
    const file = path.join(folder, child);
    burst.add(file);
    if (folder === root && !TOP_FOLDERS.has(child)) return;
    let stats: Stats | undefined;
    try {
      stats = await fs.promises.lstat(file);
    } catch {
      stats = undefined;
    }
    if (stats?.isDirectory() && watches.get(file)?.ino === stats.ino) return;
    if (watches.has(file)) unwatch(file);
    if (stats?.isDirectory()) await watchTree(file, stats.ino);
  };
  const ready = watchTree(root);
  return {
    ready,
    close: async () => {
      closed = true;
      burst.cancel();
      await ready;
      unwatch(root);
    },
  };
}

/** The data folder's own folders; anything else at its top is not data (`site.json` is a file). */
const TOP_FOLDERS = new Set(['posts', 'media']);
const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

export interface KeepFreshOptions {
  /** The folder as loaded: told what changed, and asked to scan. */
  folder: { changed: (paths: Iterable<string>) => void; scan: () => Promise<string[]>; rescanAll: () => void };
  /** Validates and serves what changed; `why` is for the log line. */
  reload: (why: string) => Promise<void>;
  /** Watch the folder (`WATCH=1`); SIGHUP and the periodic scan work either way. */
  watch: boolean;
  /**
   * Started before the folder's first load: a change during it is a hint for the next load already,
   * so the watcher needs no full scan when it is ready.
   */
  beforeFirstLoad?: boolean;
  log?: { log: (line: string) => void; error: (line: string) => void };
}

/**
 * Keeps the served data in step with the folder: the watcher's events (debounced, their paths passed on as
 * the hint of what to re-read), a stat-only scan now and then as a safety net for lost events, and
 * SIGHUP for a full look. Returns what stops them.
 */
export function keepFresh(dir: string, options: KeepFreshOptions): { close: () => Promise<void> } {
  const { folder, reload } = options;
  const log = options.log ?? console;
  const watcher = options.watch
    ? startWatcher(dir, (paths) => {
        folder.changed(paths);
        void reload('files changed');
      }, log)
    : undefined;
  const scan = async (why: string) => {
    let differing: string[];
    try {
      differing = await folder.scan();
    } catch (error) {
      log.error(`Scanning ${dir} failed (${error instanceof Error ? error.message : String(error)}); it is tried again later.`);
      return;
    }
    if (differing.length) await reload(why);
  };
  const scans = options.watch ? repeatScans(() => scan('found by the periodic scan')) : undefined;
  // What changed between the first load and the watcher's start was seen by no one: look once.
  void watcher?.ready.then(async () => {
    log.log(`Watching ${dir} for changes.`);
    if (!options.beforeFirstLoad) await scan('changed while the watcher started');
  });
  const onHangUp = () => {
    folder.rescanAll();
    void reload('SIGHUP');
  };
  process.on('SIGHUP', onHangUp);
  return {
    close: async () => {
      process.off('SIGHUP', onHangUp);
      scans?.stop();
      await watcher?.close();
    },
  };
}

function startWatcher(dir: string, onChanges: (paths: Set<string>) => void, log: { error: (line: string) => void }): DataWatcher | undefined {
  try {
    return watchDataFolder(dir, onChanges, {
      // An error is per folder (out of inotify watches, a folder gone meanwhile); the others are still
      // watched: say what happened, never that watching stopped.
      onError: (error) =>
        log.error(`Watching ${dir}: ${error.message}. Changes there may be seen only by the periodic scan or SIGHUP.`),
    });
  } catch (error) {
    log.error(`Cannot watch ${dir} (${error instanceof Error ? error.message : String(error)}); the periodic scan and SIGHUP still reload.`);
    return undefined;
  }
}
