import type { DataSource } from '../http/app.ts';
import type { Dataset, LoadResult, Problem } from '../posts/index.ts';

export type Loader = () => Promise<LoadResult>;

export interface ReloadingSourceOptions {
  /**
   * Work a new version needs before it serves, done before the swap so no request waits for it: the
   * server builds the new version's index from the served one's (see `indexOf`).
   */
  prepare?: (next: Dataset, previous: Dataset) => void | Promise<void>;
}

/**
 * The data a running server serves, replaced only by a newer version that validated whole. An edit
 * that breaks the data (half-saved JSON, a schema error, a duplicate slug) leaves the last good version
 * serving and its problems on /healthz until the files are fixed.
 */
export class ReloadingSource implements DataSource {
  #dataset: Dataset;
  #problems: readonly Problem[] = [];
  #loading: Promise<ReloadOutcome> | undefined;
  #again = false;

  readonly #prepare: ReloadingSourceOptions['prepare'];

  constructor(
    initial: Dataset,
    private readonly load: Loader,
    options: ReloadingSourceOptions = {},
  ) {
    this.#dataset = initial;
    this.#prepare = options.prepare;
  }

  current(): Dataset {
    return this.#dataset;
  }

  health(): { status: 'ok' | 'degraded'; problems: readonly Problem[] } {
    return { status: this.#problems.length ? 'degraded' : 'ok', problems: this.#problems };
  }

  /**
   * Loads and validates everything again. Calls during a load are folded into one more load after it,
   * so the last edit of a burst is always seen and two loads never race to swap.
   */
  reload(): Promise<ReloadOutcome> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = this.#run().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #run(): Promise<ReloadOutcome> {
    let outcome: ReloadOutcome;
    do {
      this.#again = false;
      outcome = await this.#loadOnce();
    } while (this.#again);
    return outcome;
  }

  async #loadOnce(): Promise<ReloadOutcome> {
    let result: LoadResult;
    try {
      result = await this.load();
      if (result.ok && result.dataset.version !== this.#dataset.version) await this.#prepare?.(result.dataset, this.#dataset);
    } catch (error) {
      // A bug of ours while loading must not take the feeds down either: keep serving, report it.
      const message = error instanceof Error ? error.message : String(error);
      this.#problems = [{ file: '(loader)', message: `could not load the data: ${message}`, severity: 'error' }];
      return { swapped: false, problems: this.#problems };
    }
    if (!result.ok) {
      this.#problems = result.problems.filter((p) => p.severity === 'error');
      return { swapped: false, problems: result.problems };
    }
    this.#problems = [];
    const changed = result.dataset.version !== this.#dataset.version;
    if (changed) this.#dataset = result.dataset;
    return { swapped: changed, problems: result.problems };
  }
}

export interface ReloadOutcome {
  swapped: boolean;
  problems: readonly Problem[];
}
