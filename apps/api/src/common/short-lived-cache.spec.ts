import { ShortLivedCache } from './short-lived-cache';

describe(ShortLivedCache.name, () => {
  it('should compute once for concurrent callers and reuse the result within its lifetime', async () => {
    const cache = new ShortLivedCache<number>(60_000);
    let computed = 0;
    const compute = async () => ++computed;
    const results = await Promise.all([cache.get(compute), cache.get(compute), cache.get(compute)]);
    expect(results).toEqual([1, 1, 1]);
    expect(await cache.get(compute)).toBe(1);
    expect(computed).toBe(1);
  });

  it('should compute again once the result is older than its lifetime', async () => {
    const cache = new ShortLivedCache<number>(0);
    let computed = 0;
    await cache.get(async () => ++computed);
    expect(await cache.get(async () => ++computed)).toBe(2);
  });

  it('should not keep a failure', async () => {
    const cache = new ShortLivedCache<number>(60_000);
    await expect(cache.get(async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get(async () => 7)).toBe(7);
  });

  describe('serving a recent result while the next is computed', () => {
    function deferred(): { promise: Promise<number>; resolve(v: number): void; reject(e: Error): void } {
      let resolve!: (v: number) => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<number>((res, rej) => ([resolve, reject] = [res, rej]));
      return { promise, resolve, reject };
    }

    it('should answer at once with the last result and compute the next one once, in the background', async () => {
      const cache = new ShortLivedCache<number>(0, { serveStaleForMs: 60_000 });
      expect(await cache.get(async () => 1)).toBe(1);
      const next = deferred();
      let computed = 0;
      const slow = () => (computed++, next.promise);
      // The recomputation has not finished: both callers get the last result, one computation runs.
      expect(await Promise.all([cache.get(slow), cache.get(slow)])).toEqual([1, 1]);
      expect(computed).toBe(1);
      next.resolve(2);
      await next.promise;
      await new Promise((r) => setImmediate(r));
      // The background result is now the one answered.
      expect(await cache.get(async () => 3)).toBe(2);
    });

    it('should make callers wait once the last result is older than it may be served', async () => {
      const cache = new ShortLivedCache<number>(0, { serveStaleForMs: 0 });
      expect(await cache.get(async () => 1)).toBe(1);
      expect(await cache.get(async () => 2)).toBe(2);
    });

    it('should drop a background failure and try again on the next call', async () => {
      const unhandled = jest.fn();
      process.on('unhandledRejection', unhandled);
      try {
        const cache = new ShortLivedCache<number>(0, { serveStaleForMs: 60_000 });
        expect(await cache.get(async () => 1)).toBe(1);
        const failing = deferred();
        expect(await cache.get(() => failing.promise)).toBe(1);
        failing.reject(new Error('database down'));
        await new Promise((r) => setImmediate(r));
        await new Promise((r) => setImmediate(r));
        expect(unhandled).not.toHaveBeenCalled();
        // Still the last good result, and a new computation was started for it.
        let computed = 0;
        expect(await cache.get(async () => ++computed + 1)).toBe(1);
        expect(computed).toBe(1);
      } finally {
        process.off('unhandledRejection', unhandled);
      }
    });
  });
});
