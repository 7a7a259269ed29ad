/**
 * WebSub for scheduled posts on Workers. No server runs between requests to notice a post become
 * due, so a Cron Trigger does: each run tells the hub of the feeds whose first page gained a post
 * whose time came since the run before (the window ends at the run's scheduled time and is as long
 * as the cron's interval, so consecutive runs tile time). Without state: a post dated in the window
 * is new on the first page of the main feeds and of its categories' and authors' feeds, in every
 * format. Publishing new data is not this handler's: run `npm run notify` after a deploy or publish.
 */
import type { ExecutionContext } from 'hono';
import { FEED_FORMATS, feedUrl, normalizeBaseUrl } from '../feeds/model.ts';
import { indexOf } from '../http/snapshot.ts';
import { HubNotifier, type NotifyResult } from '../node/hub-notifier.ts';
import type { Dataset } from '../posts/index.ts';

/** What a Cron Trigger hands the `scheduled` handler. */
export interface ScheduledEvent {
  /** When the run was due, in ms: the window ends there. */
  scheduledTime: number;
  /** The trigger's cron expression, as in wrangler.toml's `[triggers] crons`. */
  cron: string;
}

export interface ScheduledEnv {
  SITE_URL?: string;
  /** The window in seconds, when the cron expression does not say its interval plainly. */
  HUB_NOTIFY_WINDOW_SECONDS?: string;
}

/**
 * The interval of a cron expression of the forms a feed's schedule uses: every minute (`* * * * *`),
 * every N minutes (`*\/N * * * *`), every hour (`M * * * *`), every N hours (`M *\/N * * *`); undefined
 * for anything else.
 */
export function cronIntervalSeconds(cron: string): number | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 || fields.slice(2).some((field) => field !== '*')) return undefined;
  const [minute = '', hour = ''] = fields;
  const every = (field: string, limit: number) => {
    if (field === '*') return 1;
    const match = /^\*\/(\d{1,2})$/.exec(field);
    const n = match ? Number(match[1]) : NaN;
    // */N fires at 0, N, 2N…: evenly only when N divides the minutes of an hour or hours of a day.
    return n >= 1 && limit % n === 0 ? n : undefined;
  };
  if (/^\d{1,2}$/.test(minute) && Number(minute) < 60) {
    const hours = every(hour, 24);
    return hours === undefined ? undefined : hours * 3600;
  }
  const minutes = every(minute, 60);
  return hour === '*' && minutes !== undefined ? minutes * 60 : undefined;
}

/** The window a run covers, in seconds: the variable when set, else the cron's interval. */
export function windowSeconds(event: ScheduledEvent, env: ScheduledEnv): number | string {
  const setting = env.HUB_NOTIFY_WINDOW_SECONDS;
  if (setting !== undefined && setting !== '') {
    return /^\d+$/.test(setting) && Number(setting) > 0
      ? Number(setting)
      : `HUB_NOTIFY_WINDOW_SECONDS: expected a whole number of seconds above 0, got ${JSON.stringify(setting)}`;
  }
  return (
    cronIntervalSeconds(event.cron) ??
    `the cron "${event.cron}" has no plain interval: set HUB_NOTIFY_WINDOW_SECONDS to the seconds between two runs`
  );
}

/**
 * The feed URLs whose first page gained a post dated after `from` and by `to`: the main feeds and
 * those of every category and author with such a post, in every format.
 */
export function dueFeedUrls(dataset: Dataset, baseUrl: string, from: Date, to: Date): string[] {
  const index = indexOf(dataset);
  const gained = (posts: { countAt(now: Date): number }) => posts.countAt(to) > posts.countAt(from);
  if (!gained(index.published)) return [];
  const paths = [''];
  for (const kind of ['category', 'author'] as const) {
    for (const scope of index.scopes.bySlug[kind].values()) if (gained(scope.posts)) paths.push(scope.path);
  }
  const base = normalizeBaseUrl(baseUrl);
  return paths.flatMap((path) => FEED_FORMATS.map((format) => feedUrl(base, path, format)));
}

export interface DuePostsNotifyOptions<E extends ScheduledEnv> {
  /** The data as it is when the run comes; may read it first (R2). */
  current: (env: E) => Promise<Dataset | undefined>;
  /** Default: the runtime's `fetch`. */
  fetch?: typeof globalThis.fetch;
  log?: (line: string) => void;
}

/**
 * A Workers `scheduled` handler that tells the hub in `site.json` of the feeds a scheduled post has
 * just changed (see the module's comment). It does nothing, and says why once per run, without a hub
 * or a public base URL (SITE_URL, or `url` in site.json): the hub must fetch the feeds from there.
 */
export function duePostsNotifier<E extends ScheduledEnv>(options: DuePostsNotifyOptions<E>) {
  const log = options.log ?? ((line: string) => console.error(line));
  return async function scheduled(event: ScheduledEvent, env: E, ctx: Pick<ExecutionContext, 'waitUntil'>): Promise<NotifyResult[]> {
    const dataset = await options.current(env);
    if (!dataset) return [];
    const { hub, url } = dataset.site;
    const baseUrl = env.SITE_URL || url;
    if (!hub) return [];
    if (!baseUrl) {
      log('WebSub: the feeds have no public URL (set SITE_URL or url in site.json): the hub is not told of due posts.');
      return [];
    }
    const window = windowSeconds(event, env);
    if (typeof window === 'string') {
      log(`WebSub: ${window}.`);
      return [];
    }
    const to = new Date(event.scheduledTime);
    const urls = dueFeedUrls(dataset, baseUrl, new Date(to.getTime() - window * 1000), to);
    if (!urls.length) return [];
    const notifier = new HubNotifier({ hub, log, ...(options.fetch ? { fetch: options.fetch } : {}) });
    const sending = notifier.notify(urls, (result) => {
      if (result.outcome === 'accepted') log(`WebSub: ${hub} accepted ${result.url} (${result.detail})`);
    });
    ctx.waitUntil(sending);
    return sending;
  };
}
