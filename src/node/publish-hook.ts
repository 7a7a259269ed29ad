/**
 * WebSub publishing for the running server: after the data changes, and when a scheduled post becomes
 * due, tells the site's hub which feeds now serve something else, so subscribers are pushed the change
 * instead of waiting for their next poll.
 *
 * Which feeds changed is decided by the fingerprints of their first pages (`feed-fingerprints.ts`),
 * compared with those of the version served before. Nothing here runs on a request's path: a check is
 * started after the swap and runs on its own, and the notifier sends in the background.
 */
import { changedFeedUrls, feedFingerprints, type FeedFingerprints } from '../feeds/feed-fingerprints.ts';
import type { SafeContent } from '../feeds/safe-content.ts';
import { indexOf } from '../http/snapshot.ts';
import { plural, type Dataset } from '../posts/index.ts';
import { HubNotifier, type NotifyResult } from './hub-notifier.ts';

/** What the hook needs of a notifier: `HubNotifier`'s `notify`, which never rejects. */
export interface Notifier {
  notify(urls: Iterable<string>): Promise<NotifyResult[]>;
}

/** A timer to wake up at the next due post; injectable so tests move their own clock. */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** The longest delay `setTimeout` takes: beyond it Node fires at once (and warns). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface PublishHookOptions {
  /** The dataset served now, as the app sees it. */
  current: () => Dataset;
  /** The server's own, so each post is sanitised once for both. */
  safeContent: SafeContent;
  /** `SITE_URL`; overrides `site.json`'s `url`, as in the app. */
  siteUrl?: string | undefined;
  /** The notifier for a hub; default a `HubNotifier`, one per hub URL. */
  notifierFor?: (hub: string) => Notifier;
  now?: () => Date;
  /** Default: `setTimeout`, unref'd, so a pending due post never holds the process open. */
  timers?: Timers;
  /** One line per event; default `console.log`. */
  log?: (line: string) => void;
  /** Where a problem of ours is reported, with its stack; default `console.error`. */
  error?: (message: string, error: unknown) => void;
  /** Lets pending requests run before fingerprints are computed; default `setImmediate`. */
  defer?: () => Promise<void>;
}

export const nodeTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Notifies the hub named in `site.json` of the feeds that changed. `start()` takes the version served
 * at start-up as the baseline (a restart notifies nothing: `npm run notify` keeps state between runs,
 * the server does not); `changed()` after each swap; a timer checks again when the next scheduled post
 * is due. Checks run one at a time: a call during one is folded into one more check after it.
 * @example
 * const publishing = new PublishHook({ current: () => source.current(), safeContent, siteUrl });
 * publishing.start();
 * // after a reload that swapped: publishing.changed('files changed');
 */
export class PublishHook {
  readonly #current: () => Dataset;
  readonly #safeContent: SafeContent;
  readonly #siteUrl: string | undefined;
  readonly #notifierFor: (hub: string) => Notifier;
  readonly #now: () => Date;
  readonly #timers: Timers;
  readonly #log: (line: string) => void;
  readonly #error: (message: string, error: unknown) => void;
  readonly #defer: () => Promise<void>;
  readonly #notifiers = new Map<string, Notifier>();

  /** The fingerprints of what was served at the last check; undefined when nothing could be compared. */
  #previous: FeedFingerprints | undefined;
  /** False until the start-up baseline is taken: that check notifies nothing. */
  #primed = false;
  #warnedNoUrl = false;
  #timer: unknown;
  #running: Promise<void> | undefined;
  #again: string | undefined;
  #closed = false;

  constructor(options: PublishHookOptions) {
    this.#current = options.current;
    this.#safeContent = options.safeContent;
    this.#siteUrl = options.siteUrl;
    this.#notifierFor = options.notifierFor ?? ((hub) => new HubNotifier({ hub }));
    this.#now = options.now ?? (() => new Date());
    this.#timers = options.timers ?? nodeTimers;
    this.#log = options.log ?? ((line) => console.log(line));
    this.#error = options.error ?? ((message, error) => console.error(message, error));
    this.#defer = options.defer ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  }

  /** Takes the served version as the baseline, and arms the timer for its next due post. */
  start(): Promise<void> {
    // Taken now: a swap while the baseline is computed is then compared with it, not absorbed into it.
    return this.#check('start-up', this.#current());
  }

  /** The served version was swapped: notify what changed. Need not be awaited; never rejects. */
  changed(reason: string): Promise<void> {
    return this.#check(reason);
  }

  /** Resolves once no check is running (notifications may still be on their way). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** No more checks or timers; notifications already handed to a notifier still go out. */
  close(): void {
    this.#closed = true;
    this.#disarm();
  }

  #check(reason: string, dataset?: Dataset): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#running) {
      this.#again = reason;
      return this.#running;
    }
    this.#running = this.#run(reason, dataset).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #run(reason: string, first: Dataset | undefined): Promise<void> {
    let next: string | undefined = reason;
    let dataset = first;
    while (next !== undefined && !this.#closed) {
      this.#again = undefined;
      try {
        await this.#checkOnce(next, dataset ?? this.#current());
      } catch (error) {
        // A bug of ours: the server keeps serving, and the next check compares against the last good one.
        this.#error(`WebSub: checking which feeds changed (${next}) failed:`, error);
      }
      next = this.#again;
      dataset = undefined;
    }
  }

  async #checkOnce(reason: string, dataset: Dataset): Promise<void> {
    this.#disarm();
    const { hub, url } = dataset.site;
    const baseUrl = this.#siteUrl ?? url;
    if (!hub || !baseUrl) {
      // Nothing to compare with once a hub and an address appear: they will hear of every feed then.
      this.#previous = undefined;
      this.#primed = true;
      if (hub && !this.#warnedNoUrl) {
        this.#warnedNoUrl = true;
        this.#log(`WebSub: not notifying ${hub}: publishing needs the site's public address (set SITE_URL or "url" in site.json).`);
      }
      return;
    }
    // After the swap, with requests waiting: let them go first. feedFingerprints then awaits a digest per
    // feed, each on the thread pool, so a site with many categories does not hold the event loop either.
    await this.#defer();
    const at = this.#now();
    const fingerprints = await feedFingerprints(dataset, { baseUrl, at, safeContent: this.#safeContent });
    if (this.#closed) return;
    const previous = this.#previous;
    const primed = this.#primed;
    this.#previous = fingerprints;
    this.#primed = true;
    this.#arm(dataset, at);
    if (!primed) return;
    const urls = changedFeedUrls(previous, fingerprints);
    if (!urls.length) return;
    this.#log(`WebSub: notifying ${hub} of ${plural(urls.length, 'changed feed')} (${reason})`);
    void this.#notifier(hub)
      .notify(urls)
      .then((results) => {
        const accepted = results.filter((result) => result.outcome === 'accepted').length;
        // Refusals and failures are logged by the notifier, one line each with the hub's reason.
        if (accepted) this.#log(`WebSub: ${hub} accepted ${accepted} of ${plural(urls.length, 'feed')}`);
      });
  }

  /** Wakes up when the next scheduled post of `dataset` is due; a longer wait is cut and re-armed then. */
  #arm(dataset: Dataset, at: Date): void {
    const due = indexOf(dataset).published.nextDueAfter(at);
    if (!due) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, due.getTime() - this.#now().getTime()));
    this.#timer = this.#timers.set(() => {
      this.#timer = undefined;
      void this.#check('a scheduled post is due');
    }, delay);
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    this.#timers.clear(this.#timer);
    this.#timer = undefined;
  }

  #notifier(hub: string): Notifier {
    let notifier = this.#notifiers.get(hub);
    if (!notifier) this.#notifiers.set(hub, (notifier = this.#notifierFor(hub)));
    return notifier;
  }
}
