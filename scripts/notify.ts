/**
 * `npm run notify [-- --data ./data] [--site-url URL] [--hub URL] [--state FILE] [--all]`: after a deploy,
 * tells the site's WebSub hub which feeds changed, so subscribers get them pushed.
 *
 * Which feeds changed is decided against the state file (default `.pressroom-notify.json` in the
 * current folder, not in the data folder, where the server's watcher would see each write): the
 * fingerprints of the feeds the hub last accepted. The first run, `--all`, or another site URL names
 * every feed. A feed the hub refused or could not take keeps its old fingerprint, so the next run
 * tries it again. Exit status 1 when the data is invalid, a setting is missing, or the hub refused or
 * failed any feed.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { changedFeedUrls, feedFingerprints, type FeedFingerprints } from '../src/feeds/feed-fingerprints.ts';
import { sanitizingOncePerPost } from '../src/feeds/sanitize.ts';
import { loadDataDir } from '../src/node/data-folder.ts';
import { readDataLimits } from '../src/node/data-limits.ts';
import { HubNotifier, type HubNotifierOptions, type NotifyResult } from '../src/node/hub-notifier.ts';
import { formatProblem, isHttpUrl, plural, summarizeProblems } from '../src/posts/index.ts';

export const DEFAULT_STATE_FILE = '.pressroom-notify.json';

/** Past this many URLs a terminal shows a counter instead of a line per URL. */
const LINES_UP_TO = 20;

const StateSchema = v.object({ baseUrl: v.string(), feeds: v.record(v.string(), v.string()) });

export interface NotifyRun {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  /** Progress and the summary. */
  out: (text: string) => void;
  /** Problems, one line each. */
  err: (line: string) => void;
  /** Whether `out` is a terminal, where a counter can redraw itself. */
  isTTY: boolean;
  /** The clock that decides which scheduled posts are published. */
  now?: () => Date;
  /** Passed on to the notifier: `fetch` and `sleep` in tests. */
  notifier?: Omit<HubNotifierOptions, 'hub' | 'log'>;
}

async function readState(file: string, err: (line: string) => void): Promise<FeedFingerprints | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = v.safeParse(StateSchema, json);
  if (parsed.success) return parsed.output;
  err(`${file}: not a state file this version writes; every feed is notified and the file rewritten.`);
  return undefined;
}

/** Written beside itself first, then renamed: an interrupted run leaves the old state whole. */
async function writeState(file: string, state: FeedFingerprints): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, file);
}

/** The whole command, in-process: returns the exit status. */
export async function runNotify(run: NotifyRun): Promise<number> {
  const { values } = parseArgs({
    args: [...run.argv],
    options: {
      data: { type: 'string' },
      'site-url': { type: 'string' },
      hub: { type: 'string' },
      state: { type: 'string' },
      all: { type: 'boolean', default: false },
    },
  });
  const dataDir = values.data ?? (run.env.DATA_DIR || undefined) ?? './data';
  // The server's limits, so that the hub hears of what the server would serve.
  const limits = readDataLimits(run.env);
  for (const problem of limits.problems) run.err(problem);
  if (limits.problems.length) return 1;
  const loaded = await loadDataDir(dataDir, { limits: limits.limits });
  for (const problem of loaded.problems) run.err(formatProblem(problem));
  if (loaded.problems.length) run.err(summarizeProblems(loaded.problems, loaded.postFiles));
  if (!loaded.ok) return 1;
  const { site } = loaded.dataset;

  const siteUrl = values['site-url'] ?? (run.env.SITE_URL || undefined) ?? site.url;
  // A hub fetches the feed URL it is given: it must be the public one, never a request's origin.
  if (!siteUrl || !isHttpUrl(siteUrl)) {
    run.err(
      `Notifying a hub needs the site's public address: set SITE_URL, --site-url or "url" in site.json to an absolute http(s) URL${siteUrl ? `, not ${JSON.stringify(siteUrl)}` : ''}.`,
    );
    return 1;
  }
  const hub = values.hub ?? site.hub;
  if (!hub || !isHttpUrl(hub)) {
    run.err(`No hub to notify: set "hub" in site.json (the feeds name it to subscribers) or pass --hub${hub ? `, not ${JSON.stringify(hub)}` : ''}.`);
    return 1;
  }

  const stateFile = values.state ?? DEFAULT_STATE_FILE;
  const previous = values.all ? undefined : await readState(stateFile, run.err);
  const next = await feedFingerprints(loaded.dataset, { baseUrl: siteUrl, at: (run.now ?? (() => new Date()))(), safeContent: sanitizingOncePerPost() });
  const urls = changedFeedUrls(previous, next);
  if (!urls.length) {
    run.out(`No feed changed since the last notify (${stateFile}); nothing sent to ${hub}.\n`);
    return 0;
  }

  run.out(`Notifying ${hub} of ${plural(urls.length, 'feed')}${previous ? ' changed since the last notify' : ''}:\n`);
  const counter = run.isTTY && urls.length > LINES_UP_TO;
  let done = 0;
  const report = (result: NotifyResult) => {
    done++;
    if (counter) run.out(`\r${done}/${urls.length}`);
    else run.out(`  ${result.outcome.padEnd(8)} ${result.url}${result.outcome === 'accepted' ? '' : ` (${result.detail})`}\n`);
  };
  const problems: string[] = [];
  const notifier = new HubNotifier({ ...run.notifier, hub, log: (line) => problems.push(line) });
  const results = await notifier.notify(urls, report);
  if (counter) run.out('\n');
  // The notifier's log is the reasons, one line each; on a terminal they would break the counter, so they follow it.
  for (const line of problems) run.err(line);

  // Accepted feeds take their new fingerprint; the others keep the one the hub last took, if any.
  const accepted = new Set(results.filter((result) => result.outcome === 'accepted').map((result) => result.url));
  const sent = new Set(urls);
  const kept = previous && previous.baseUrl === next.baseUrl ? previous.feeds : {};
  const feeds: Record<string, string> = {};
  for (const [feedPath, fingerprint] of Object.entries(next.feeds)) {
    const known = Object.hasOwn(kept, feedPath) ? kept[feedPath] : undefined;
    const taken = accepted.has(`${next.baseUrl}${feedPath}`) || !sent.has(`${next.baseUrl}${feedPath}`) ? fingerprint : known;
    if (taken !== undefined) feeds[feedPath] = taken;
  }
  await writeState(stateFile, { baseUrl: next.baseUrl, feeds });

  const count = (outcome: NotifyResult['outcome']) => results.filter((result) => result.outcome === outcome).length;
  const [refused, failed] = [count('refused'), count('failed')];
  run.out(`${accepted.size} accepted, ${refused} refused, ${failed} failed.${refused + failed ? ' Those are tried again by the next notify.' : ''}\n`);
  return refused + failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runNotify({
    argv: process.argv.slice(2),
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (line) => console.error(line),
    isTTY: process.stdout.isTTY === true,
  });
}
