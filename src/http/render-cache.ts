export interface RenderCacheOptions {
  /** At most this many entries. */
  maxEntries?: number;
  /** At most this many bytes, as each value's `size` counts them (a representation: all its encodings). */
  maxBytes?: number;
}

export const RENDER_CACHE_DEFAULTS = { maxEntries: 500, maxBytes: 64 * 1024 * 1024 } as const;

/**
 * What was rendered for one data version, kept until something newer pushes it out: least recently used
 * goes first, by count and by size, so a crawler walking every page cannot grow memory without bound.
 */
export class RenderCache<V extends { size: number }> {
  readonly #entries = new Map<string, V>();
  /** Renders under way: concurrent requests for one key share one render instead of racing. */
  readonly #pending = new Map<string, Promise<V>>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(options?: RenderCacheOptions) {
    this.#maxEntries = options?.maxEntries ?? RENDER_CACHE_DEFAULTS.maxEntries;
    this.#maxBytes = options?.maxBytes ?? RENDER_CACHE_DEFAULTS.maxBytes;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    // Map iteration order is insertion order: re-inserting marks the entry most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** The cached value, or the one `create` makes, made once however many ask for it meanwhile. */
  getOrCreate(key: string, create: () => Promise<V>): V | Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
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
      this.#bytes -= previous.size;
      this.#entries.delete(key);
    }
    // One body larger than the whole budget is served but not kept.
    if (value.size > this.#maxBytes) return;
    this.#entries.set(key, value);
    this.#bytes += value.size;
    for (const [oldKey, old] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldKey);
      this.#bytes -= old.size;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
