import { ClientThrottle } from './client-throttle';

describe(ClientThrottle.name, () => {
  it('should allow a client up to its quota per window, then say when to come back', () => {
    const throttle = new ClientThrottle(3, 60_000);
    const t0 = 120_000;
    expect([1, 2, 3].map(() => throttle.take('a', t0))).toEqual([null, null, null]);
    expect(throttle.take('a', t0 + 10_000)).toBe(50);
    expect(throttle.take('b', t0 + 10_000)).toBeNull();
    expect(throttle.take('a', t0 + 60_000)).toBeNull();
  });

  it('should keep memory bounded by forgetting all clients when the table is full', () => {
    const throttle = new ClientThrottle(1, 60_000, 2);
    throttle.take('a', 0);
    throttle.take('b', 0);
    throttle.take('c', 0);
    expect(throttle.take('a', 0)).toBeNull();
  });
});
