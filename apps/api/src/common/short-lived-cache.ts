/** Options of {@link ShortLivedCache}. */
export interface ShortLivedCacheOptions {
  /**
   * Once the result has outlived `ttlMs`, callers still get it at once, for up to this long
   * after it was computed, while one new computation runs in the background; later callers
   * wait for that one. 0 (the default): every caller past `ttlMs` waits.
   */
  serveStaleForMs?: number;
}

/**
 * Holds the result of an expensive read for a moment and shares it: calls within `ttlMs`
 * of the last computation get its result, and calls while one is running wait for it
 * instead of starting another. For aggregate views polled by dashboards, so that N
 * operators (or one load test) cost one computation a second, not N. With
 * `serveStaleForMs`, no caller waits for a recomputation while the last result is recent
 * enough: the one whose turn it is would otherwise wait for the whole aggregate.
 */
export class ShortLivedCache<T> {
  private value?: { result: T; at: number };
  private running?: Promise<T>;
  private readonly serveStaleForMs: number;

  constructor(
    private readonly ttlMs: number,
    options: ShortLivedCacheOptions = {},
  ) {
    this.serveStaleForMs = options.serveStaleForMs ?? 0;
  }

  get(compute: () => Promise<T>): Promise<T> {
    const value = this.value;
    const age = value ? Date.now() - value.at : Infinity;
    if (value && age < this.ttlMs) return Promise.resolve(value.result);
    const running = (this.running ??= this.recompute(compute));
    return value && age < this.serveStaleForMs ? Promise.resolve(value.result) : running;
  }

  private recompute(compute: () => Promise<T>): Promise<T> {
    const running = compute()
      .then((result) => {
        this.value = { result, at: Date.now() };
        return result;
      })
      .finally(() => (this.running = undefined));
    // Callers that wait get a failure; one that ran in the background for callers served
    // the last result is dropped here (not an unhandled rejection), and the next call retries.
    running.catch(() => undefined);
    return running;
  }
}
