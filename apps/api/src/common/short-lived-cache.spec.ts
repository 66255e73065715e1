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
});
