/**
 * Holds the result of an expensive read for a moment and shares it: calls within `ttlMs`
 * of the last computation get its result, and calls while one is running wait for it
 * instead of starting another. For aggregate views polled by dashboards, so that N
 * operators (or one load test) cost one computation a second, not N.
 */
export class ShortLivedCache<T> {
  private value?: { result: T; at: number };
  private running?: Promise<T>;

  constructor(private readonly ttlMs: number) {}

  get(compute: () => Promise<T>): Promise<T> {
    if (this.value && Date.now() - this.value.at < this.ttlMs) return Promise.resolve(this.value.result);
    this.running ??= compute()
      .then((result) => {
        this.value = { result, at: Date.now() };
        return result;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
