import { watch } from 'node:fs';

// Editors save in bursts (write, rename, touch): wait until the files have been quiet for a moment, then
// validate once. A folder that never goes quiet (a sync tool copying thousands of files) is still
// reloaded at least once a second.
const DEBOUNCE_MS = 150;
const MAX_WAIT_MS = 1000;

/**
 * Calls `onChange` once each burst of edits below `dir` has settled. None when the system refuses a
 * watcher (out of inotify watches): the reason is logged, and SIGHUP still reloads.
 */
export function watchDataDir(dir: string, onChange: () => void): { close(): void } | undefined {
  let timer: NodeJS.Timeout | undefined;
  let burstStart: number | undefined;
  const scheduleReload = () => {
    const at = Date.now();
    burstStart ??= at;
    clearTimeout(timer);
    timer = setTimeout(
      () => {
        burstStart = undefined;
        onChange();
      },
      Math.min(DEBOUNCE_MS, Math.max(0, burstStart + MAX_WAIT_MS - at)),
    );
  };
  let watcher: ReturnType<typeof watch>;
  try {
    watcher = watch(dir, { recursive: true }, scheduleReload);
  } catch (error) {
    console.error(`Cannot watch ${dir} (${(error as Error).message}); edits need SIGHUP to be seen.`);
    return undefined;
  }
  watcher.on('error', (error) => console.error(`Watching ${dir} stopped (${error.message}); SIGHUP still reloads.`));
  return {
    close() {
      watcher.close();
      clearTimeout(timer);
    },
  };
}
