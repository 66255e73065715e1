import { parseRetryAfter, pollDelayMs } from './retry-after';

const NOW = Date.parse('2025-06-01T12:00:00Z');

describe(parseRetryAfter.name, () => {
  it('should read delta-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toEqual(new Date(NOW + 120_000));
    expect(parseRetryAfter(' 0 ', NOW)).toEqual(new Date(NOW));
    expect(parseRetryAfter('2025', NOW)).toEqual(new Date(NOW + 2025_000));
    expect(parseRetryAfter(['30', '60'], NOW)).toEqual(new Date(NOW + 30_000));
  });

  it('should read an HTTP-date', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:05:00 GMT', NOW)).toEqual(new Date('2025-06-01T12:05:00Z'));
  });

  it('should treat a date in the past as now', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', NOW)).toEqual(new Date(NOW));
  });

  it('should ignore what it cannot read', () => {
    for (const value of [undefined, null, '', '-5', '1.5', 'soon', 'Xyz, 99 Foo 2025']) {
      expect(parseRetryAfter(value as string | undefined, NOW)).toBeUndefined();
    }
  });

  it('should cap absurdly large delays at a year', () => {
    expect(parseRetryAfter('99999999999999', NOW)!.getTime()).toBe(NOW + 366 * 24 * 3600_000);
  });
});

describe(pollDelayMs.name, () => {
  const options = {
    initialDelayMs: 250,
    maxDelayMs: 10_000,
    minRetryAfterMs: 1_000,
    maxRetryAfterMs: 60_000,
  };

  it('should back off exponentially up to the cap without Retry-After', () => {
    expect([0, 1, 2, 3, 5, 6, 100].map((attempt) => pollDelayMs(undefined, attempt, options, NOW))).toEqual([
      250, 500, 1000, 2000, 8000, 10_000, 10_000,
    ]);
  });

  it('should obey Retry-After within its bounds', () => {
    expect(pollDelayMs(new Date(NOW + 3_000), 0, options, NOW)).toBe(3_000);
    expect(pollDelayMs(new Date(NOW + 3_000), 9, options, NOW)).toBe(3_000);
  });

  it('should clamp Retry-After to [min, max]', () => {
    expect(pollDelayMs(new Date(NOW), 0, options, NOW)).toBe(1_000);
    expect(pollDelayMs(new Date(NOW + 3600_000), 0, options, NOW)).toBe(60_000);
  });
});
