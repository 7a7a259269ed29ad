/**
 * Tells a WebSub hub that feeds changed, so it fetches them and pushes them to subscribers.
 *
 * WebSub §6 (Publishing) leaves the publisher-to-hub request to the hub; what hubs take is the
 * PubSubHubbub form: `POST hub.mode=publish&hub.url=<feed URL>` as `application/x-www-form-urlencoded`,
 * answered `204` (or any 2xx). One request per feed URL: hubs that accept several `hub.url` in one
 * request answer for them all at once, so one refused URL would hide which, and a retry would repeat
 * the rest.
 */

export interface HubNotifierOptions {
  /** The hub's URL (`site.json` `hub`). */
  hub: string;
  /** Default: the runtime's `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Waits between attempts; injectable so tests do not wait. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** The clock, for a `Retry-After` given as a date. */
  now?: () => Date;
  /** Attempts after the first when the hub fails (5xx, 408, 429) or cannot be reached; default 5. */
  retries?: number;
  /** The first wait, doubled for each retry; default 1000 ms. */
  backoffMs?: number;
  /** No wait is longer, a `Retry-After` included; default 60 s. */
  maxBackoffMs?: number;
  /** One request's time limit; default 10 s. */
  timeoutMs?: number;
  /** Requests to the hub at once; default 4. */
  concurrency?: number;
  /** Where refusals, failures and retries are reported, one line each; default `console.error`. */
  log?: (line: string) => void;
}

export const HUB_NOTIFIER_DEFAULTS = {
  retries: 5,
  backoffMs: 1000,
  maxBackoffMs: 60_000,
  timeoutMs: 10_000,
  concurrency: 4,
} as const;

/**
 * How one feed URL fared: `accepted` (2xx), `refused` (the hub said no: 3xx or 4xx, not retried), or
 * `failed` (5xx or unreachable after every retry).
 */
export interface NotifyResult {
  url: string;
  outcome: 'accepted' | 'refused' | 'failed';
  /** Requests made for it. */
  attempts: number;
  /** The hub's last answer: `204 No Content`, `400 Bad Request: hub.url is not allowed`, `connection refused`. */
  detail: string;
}

interface SendState {
  /** A request for this URL is on its way now. */
  sending: boolean;
  /** The feed changed again while a request was on its way: the hub may have fetched it before. */
  again: boolean;
}

interface Pending {
  state: SendState;
  promise: Promise<NotifyResult>;
}

type Answer = { retry: false; result: Omit<NotifyResult, 'url' | 'attempts'> } | { retry: true; detail: string; waitMs?: number };

/** Retry on what may pass: the hub's own trouble, a timeout, a rate limit (RFC 9110 §15.5.9, RFC 6585 §4). */
const RETRYABLE = (status: number) => status >= 500 || status === 408 || status === 429;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One line of a hub's answer body, for the log: hubs say why they refuse there. */
const firstLine = (text: string) => text.trim().split(/\r?\n/, 1)[0]?.slice(0, 200) ?? '';

/**
 * Notifies a hub of changed feed URLs in the background: `notify` never throws and need not be awaited;
 * it resolves, for whoever wants to know, with how each URL fared. A URL already waiting to be sent is
 * not queued twice.
 * @example
 * const notifier = new HubNotifier({ hub: site.hub });
 * void notifier.notify(changedFeedUrls(before, after));
 */
export class HubNotifier {
  readonly #hub: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => Date;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #timeoutMs: number;
  readonly #concurrency: number;
  readonly #log: (line: string) => void;
  readonly #pending = new Map<string, Pending>();
  /** Requests waiting for one of the `concurrency` slots. */
  readonly #waiting: (() => void)[] = [];
  #active = 0;

  constructor(options: HubNotifierOptions) {
    this.#hub = options.hub;
    // Called as a plain function: Workers' fetch refuses any other `this` ("Illegal invocation").
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#sleep = options.sleep ?? defaultSleep;
    this.#now = options.now ?? (() => new Date());
    this.#retries = options.retries ?? HUB_NOTIFIER_DEFAULTS.retries;
    this.#backoffMs = options.backoffMs ?? HUB_NOTIFIER_DEFAULTS.backoffMs;
    this.#maxBackoffMs = options.maxBackoffMs ?? HUB_NOTIFIER_DEFAULTS.maxBackoffMs;
    this.#timeoutMs = options.timeoutMs ?? HUB_NOTIFIER_DEFAULTS.timeoutMs;
    this.#concurrency = Math.max(1, options.concurrency ?? HUB_NOTIFIER_DEFAULTS.concurrency);
    this.#log = options.log ?? ((line) => console.error(line));
  }

  /**
   * Sends one publish request per URL (duplicates dropped), retrying failures with backoff. Never rejects.
   * @param onResult - called as each URL is settled, for progress
   */
  notify(urls: Iterable<string>, onResult?: (result: NotifyResult) => void): Promise<NotifyResult[]> {
    return Promise.all(
      [...new Set(urls)].map((url) =>
        this.#enqueue(url).then((result) => {
          try {
            onResult?.(result);
          } catch (error) {
            this.#log(`WebSub: reporting ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
          }
          return result;
        }),
      ),
    );
  }

  /** Resolves once nothing is pending: before a process exits, say. */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending.values()].map((pending) => pending.promise));
  }

  #enqueue(url: string): Promise<NotifyResult> {
    const existing = this.#pending.get(url);
    if (existing) {
      if (existing.state.sending) existing.state.again = true;
      return existing.promise;
    }
    const state: SendState = { sending: false, again: false };
    // #run deletes the entry only after its first request, so it is always set first.
    const promise = this.#run(url, state);
    this.#pending.set(url, { state, promise });
    return promise;
  }

  async #run(url: string, pending: SendState): Promise<NotifyResult> {
    let result: NotifyResult;
    try {
      do result = await this.#deliver(url, pending);
      while (pending.again && result.outcome === 'accepted');
    } catch (error) {
      // Only a bug of ours gets here (a throwing injected function): report it, never reject.
      const detail = error instanceof Error ? error.message : String(error);
      this.#log(`WebSub: notifying ${this.#hub} of ${url} failed: ${detail}`);
      result = { url, outcome: 'failed', attempts: 0, detail };
    }
    // In the same turn as the last check of `again`: a later notify starts afresh.
    this.#pending.delete(url);
    return result;
  }

  async #deliver(url: string, pending: SendState): Promise<NotifyResult> {
    for (let attempt = 1; ; attempt++) {
      const answer = await this.#slot(async () => {
        pending.sending = true;
        pending.again = false;
        try {
          return await this.#post(url);
        } finally {
          pending.sending = false;
        }
      });
      if (!answer.retry) {
        if (answer.result.outcome === 'refused') this.#log(`WebSub: ${this.#hub} refused ${url}: ${answer.result.detail}`);
        return { url, attempts: attempt, ...answer.result };
      }
      if (attempt > this.#retries) {
        this.#log(`WebSub: gave up notifying ${this.#hub} of ${url} after ${attempt} attempts: ${answer.detail}`);
        return { url, outcome: 'failed', attempts: attempt, detail: answer.detail };
      }
      const backoff = this.#backoffMs * 2 ** (attempt - 1);
      const wait = Math.min(this.#maxBackoffMs, Math.max(backoff, answer.waitMs ?? 0));
      this.#log(`WebSub: ${this.#hub} for ${url}: ${answer.detail}; retrying in ${formatMs(wait)} (attempt ${attempt + 1} of ${this.#retries + 1})`);
      await this.#sleep(wait);
    }
  }

  /** Runs `task` once fewer than `concurrency` requests are on their way. */
  async #slot<T>(task: () => Promise<T>): Promise<T> {
    // A finished request hands its slot straight to the next waiting one, so no newcomer slips in between.
    if (this.#active >= this.#concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }

  async #post(url: string): Promise<Answer> {
    let response: Response;
    try {
      response = await this.#fetch(this.#hub, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': url }).toString(),
        // A 301 or 302 would turn the POST into a GET (Fetch §4.4) that any web page "accepts".
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      return { retry: true, detail: describeFetchError(error) };
    }
    const body = firstLine(await response.text().catch(() => ''));
    const detail = [`${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, body].filter(Boolean).join(': ');
    if (response.ok) return { retry: false, result: { outcome: 'accepted', detail } };
    if (RETRYABLE(response.status)) {
      const waitMs = retryAfterMs(response.headers.get('Retry-After'), this.#now());
      return { retry: true, detail, ...(waitMs !== undefined ? { waitMs } : {}) };
    }
    const location = response.headers.get('Location');
    return { retry: false, result: { outcome: 'refused', detail: location ? `${detail} (moved to ${location}: set the hub to it)` : detail } };
  }
}

/** RFC 9110 §10.2.3: `Retry-After` is seconds or an HTTP date. */
export function retryAfterMs(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

/** `connection refused`, `timed out after 10 s`: undici hides the reason in `cause`. */
function describeFetchError(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

const formatMs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
