import { Backoff, MAX_RETRY_AFTER_MS } from './backoff';

describe(Backoff.name, () => {
  const fixed = (value: number) => () => value;

  it('should double the ceiling per attempt up to the maximum', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, random: fixed(0) });
    expect(Array.from({ length: 6 }, () => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoff.attempts).toBe(6);
  });

  it('should draw each delay from the upper half of its ceiling with the default jitter', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 1000, random: fixed(0.999999) });
    expect(Array.from({ length: 5 }, () => low.next())).toEqual([50, 100, 200, 400, 500]);
    const random = new Backoff({ initialMs: 1000, maxMs: 60_000 });
    for (let attempt = 0; attempt < 10; attempt++) {
      const ceiling = Math.min(60_000, 1000 * 2 ** attempt);
      const delay = random.next();
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it('should never shrink from one attempt to the next before the maximum, whatever the randomness', () => {
    for (let run = 0; run < 200; run++) {
      const backoff = new Backoff({ initialMs: 10, maxMs: 10 * 2 ** 8 });
      const delays = Array.from({ length: 8 }, () => backoff.next());
      expect(delays).toEqual([...delays].sort((a, b) => a - b));
    }
  });

  it('should spread a fleet that failed at the same moment', () => {
    const delays = new Set(
      Array.from({ length: 100 }, () => new Backoff({ initialMs: 60_000, maxMs: 60_000 }).next()),
    );
    expect(delays.size).toBeGreaterThan(90);
  });

  it('should honour a longer Retry-After, capped at a day', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, random: fixed(0) });
    expect(backoff.next(5000)).toBe(5000);
    expect(backoff.next(50)).toBe(200);
    expect(backoff.next(30 * 24 * 3600_000)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('should start over after reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it('should use no randomness with jitter 0', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0, random: fixed(0.7) });
    expect([backoff.next(), backoff.next()]).toEqual([100, 200]);
  });

  it('should refuse nonsensical bounds', () => {
    expect(() => new Backoff({ initialMs: 0, maxMs: 10 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 100, maxMs: 10 })).toThrow(RangeError);
  });
});
