import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
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

/**
 * Watches a data folder with chokidar: edits, atomic saves (a temporary file renamed over the post),
 * renames, new and deleted files and folders, whole folders copied in. Hidden files and folders are
 * not watched; links are not followed (a link's target outside the folder is not ours to watch, and the
 * periodic scan sees a changed target). `onChanges` gets each burst's paths, debounced.
 */
export function watchDataFolder(
  dir: string,
  onChanges: (paths: Set<string>) => void,
  options: { onError?: (error: Error) => void; quietMs?: number; maxWaitMs?: number } = {},
): DataWatcher {
  const root = path.resolve(dir);
  const burst = debounceChanges(onChanges, options);
  const hidden = (file: string) => path.relative(root, file).split(path.sep).some((part) => part.startsWith('.'));
  const watcher: FSWatcher = chokidarWatch(root, { ignoreInitial: true, followSymlinks: false, ignored: hidden });
  for (const event of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) {
    watcher.on(event, (file: string) => burst.add(file));
  }
  // chokidar drops a second `change` of a path within 50 ms of the first: the raw events of the
  // underlying fs.watch handles still name it. A hint is only where to look, so a stray one costs a stat.
  watcher.on('raw', (_event, name, details) => {
    const watched = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
    if (typeof watched !== 'string' || !name) return;
    const file = path.basename(watched) === name ? watched : path.join(watched, name);
    if (!hidden(file)) burst.add(file);
  });
  watcher.on('error', (error) => options.onError?.(error instanceof Error ? error : new Error(String(error))));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    close: async () => {
      burst.cancel();
      await watcher.close();
    },
  };
}

export interface KeepFreshOptions {
  /** The folder as loaded: told what changed, and asked to scan. */
  folder: { changed: (paths: Iterable<string>) => void; scan: () => Promise<string[]>; rescanAll: () => void };
  /** Validates and serves what changed; `why` is for the log line. */
  reload: (why: string) => Promise<void>;
  /** Watch with chokidar (`WATCH=1`); SIGHUP and the periodic scan work either way. */
  watch: boolean;
  log?: { log: (line: string) => void; error: (line: string) => void };
}

/**
 * Keeps the served data in step with the folder: chokidar events (debounced, their paths passed on as
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
    await scan('changed while the watcher started');
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
      // chokidar reports an error per path it could not watch (out of inotify watches, a file gone
      // meanwhile) and keeps watching the rest: say what happened, never that watching stopped.
      onError: (error) =>
        log.error(`Watching ${dir}: ${error.message}. Changes there may be seen only by the periodic scan or SIGHUP.`),
    });
  } catch (error) {
    log.error(`Cannot watch ${dir} (${error instanceof Error ? error.message : String(error)}); the periodic scan and SIGHUP still reload.`);
    return undefined;
  }
}
