export interface RenderCacheOptions {
  /** At most this many entries. */
  maxEntries?: number;
  /** At most this many bytes, as each value's `size` counts them (a representation: all its encodings). */
  maxBytes?: number;
  /**
   * Whether concurrent requests for one key wait for one render (default) or each render their own.
   * Off on Workers: there a request cannot wait on work another request started, since the runtime
   * cancels that work's continuations when the request that started it ends, and the one waiting hangs.
   */
  shareRenders?: boolean;
}

export const RENDER_CACHE_DEFAULTS = { maxEntries: 500, maxBytes: 64 * 1024 * 1024 } as const;

/**
 * What was rendered for one data version, kept until something newer pushes it out: least recently used
 * goes first, by count and by size, so a crawler walking every page cannot grow memory without bound.
 * A hit only stamps its entry with a use count (a poll answered from here changes no map); the order is
 * worked out when something has to go, which happens only after a render.
 */
export class RenderCache<V extends { size: number }> {
  readonly #entries = new Map<string, { value: V; used: number }>();
  /** Renders under way: concurrent requests for one key share one render instead of racing. */
  readonly #pending = new Map<string, Promise<V>>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #shareRenders: boolean;
  #bytes = 0;
  #uses = 0;

  constructor(options?: RenderCacheOptions) {
    this.#maxEntries = options?.maxEntries ?? RENDER_CACHE_DEFAULTS.maxEntries;
    this.#maxBytes = options?.maxBytes ?? RENDER_CACHE_DEFAULTS.maxBytes;
    this.#shareRenders = options?.shareRenders ?? true;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = ++this.#uses;
    return entry.value;
  }

  /** The cached value, or the one `create` makes, made once however many ask for it meanwhile (see `shareRenders`). */
  getOrCreate(key: string, create: () => Promise<V>): V | Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    if (!this.#shareRenders) {
      return create().then((value) => {
        this.set(key, value);
        return value;
      });
    }
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = create().then(
        (value) => {
          this.#pending.delete(key);
          this.set(key, value);
          return value;
        },
        (error: unknown) => {
          this.#pending.delete(key);
          throw error;
        },
      );
      this.#pending.set(key, pending);
    }
    return pending;
  }

  set(key: string, value: V): void {
    const previous = this.#entries.get(key);
    if (previous !== undefined) {
      this.#bytes -= previous.value.size;
      this.#entries.delete(key);
    }
    // One body larger than the whole budget is served but not kept.
    if (value.size > this.#maxBytes) return;
    this.#entries.set(key, { value, used: ++this.#uses });
    this.#bytes += value.size;
    if (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) return;
    const leastRecentFirst = [...this.#entries].sort(([, a], [, b]) => a.used - b.used);
    for (const [oldKey, old] of leastRecentFirst) {
      if (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldKey);
      this.#bytes -= old.value.size;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}

export interface RenderQueueOptions {
  /** Renders under way at once. */
  concurrency?: number;
  /**
   * Renders that may wait for a turn, most wanted first; one more is refused (`RenderQueueFull`). With
   * 0 none waits: a render runs at once while fewer than `concurrency` do, else it is refused.
   */
  maxWaiting?: number;
  /** Of those, renders few readers want (an odd `?limit`): they wait behind the rest, and fewer may. */
  maxWaitingUncommon?: number;
  /**
   * How a turn is started; default a timer of 0 ms. Where timers are forbidden (a worker's start-up,
   * src/worker/warm-up.ts), a microtask.
   */
  defer?: (start: () => void) => void;
}

export const RENDER_QUEUE_DEFAULTS = { concurrency: 2, maxWaiting: 64, maxWaitingUncommon: 8 } as const;

/** Why a render was not even queued: too many wait already. The request is told to come back. */
export class RenderQueueFull extends Error {
  constructor() {
    super('too many renders are waiting');
  }
}

/**
 * Renders that are not cached wait their turn here, a few at a time: a burst of junk URLs costs a
 * queue, not a pile of renders and compressions at once. Each turn starts on a timer, so the requests
 * answered from the cache that arrived meanwhile go first: they never wait behind more than one render.
 */
export class RenderQueue {
  readonly #concurrency: number;
  readonly #maxWaiting: number;
  readonly #maxWaitingUncommon: number;
  readonly #defer: (start: () => void) => void;
  readonly #common: (() => void)[] = [];
  readonly #uncommon: (() => void)[] = [];
  #running = 0;

  constructor(options?: RenderQueueOptions) {
    this.#concurrency = options?.concurrency ?? RENDER_QUEUE_DEFAULTS.concurrency;
    this.#maxWaiting = options?.maxWaiting ?? RENDER_QUEUE_DEFAULTS.maxWaiting;
    this.#maxWaitingUncommon = options?.maxWaitingUncommon ?? RENDER_QUEUE_DEFAULTS.maxWaitingUncommon;
    this.#defer = options?.defer ?? ((start) => setTimeout(start, 0));
  }

  get size(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#common.length + this.#uncommon.length };
  }

  /** Runs `task` when a turn comes; rejects with RenderQueueFull when the queue is full. */
  run<T>(task: () => Promise<T>, uncommon = false): Promise<T> {
    const waiting = this.#common.length + this.#uncommon.length;
    const free = waiting === 0 && this.#running < this.#concurrency;
    if (!free && (waiting >= this.#maxWaiting || (uncommon && this.#uncommon.length >= this.#maxWaitingUncommon))) {
      return Promise.reject(new RenderQueueFull());
    }
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.#running++;
        task()
          .then(resolve, reject)
          .finally(() => {
            this.#running--;
            this.#next();
          });
      };
      (uncommon ? this.#uncommon : this.#common).push(start);
      this.#next();
    });
  }

  #next(): void {
    if (this.#running >= this.#concurrency) return;
    const start = this.#common.shift() ?? this.#uncommon.shift();
    if (!start) return;
    this.#running++; // the turn is taken now, so a second call does not hand it out again
    this.#defer(() => {
      this.#running--;
      start();
    });
  }
}
