import { bucketStatus, decide, emptyUntil } from './gcra';
import { perPeriod } from './limits';

const NOW = Date.parse('2026-01-01T00:00:00Z');
// Let's Encrypt's new-orders limit: 300 per 3 h, one back every 36 s.
const ORDERS = perPeriod('newOrdersPerAccount', 300, 3 * 3600_000);

describe('GCRA', () => {
  describe(decide.name, () => {
    it('should treat an unknown bucket as full and take one token', () => {
      const d = decide(ORDERS, undefined, 1, NOW);
      expect(d).toEqual({ allowed: true, tat: NOW + 36_000, remaining: 299, availableAt: NOW });
    });

    it('should allow exactly `capacity` spends in a burst, then refuse until one token refilled', () => {
      let tat: number | undefined;
      for (let i = 0; i < 300; i++) {
        const d = decide(ORDERS, tat, 1, NOW);
        expect(d.allowed).toBe(true);
        tat = d.tat;
      }
      const refused = decide(ORDERS, tat, 1, NOW);
      expect(refused).toMatchObject({ allowed: false, remaining: 0, availableAt: NOW + 36_000, tat });
      expect(decide(ORDERS, tat, 1, NOW + 35_999).allowed).toBe(false);
      expect(decide(ORDERS, tat, 1, NOW + 36_000).allowed).toBe(true);
    });

    it('should not bank tokens beyond capacity while idle', () => {
      const d = decide(ORDERS, NOW - 24 * 3600_000, 1, NOW);
      expect(d.remaining).toBe(299);
    });

    it('should take the one token of a full one-token bucket whatever the sub-millisecond clock', () => {
      const one = perPeriod('certificatesPerExactSet', 1, 6000);
      expect(decide(one, NOW, 1, NOW + 0.5)).toMatchObject({ allowed: true, tat: NOW + 6000 });
      expect(decide(one, undefined, 1, NOW + 0.5)).toMatchObject({ allowed: true, tat: NOW + 6000 });
      expect(decide(one, NOW + 6000, 1, NOW + 0.5)).toMatchObject({
        allowed: false,
        availableAt: NOW + 6000,
      });
    });

    it('should refuse a cost above the capacity', () => {
      expect(() => decide(ORDERS, undefined, 301, NOW)).toThrow(RangeError);
    });
  });

  describe(bucketStatus.name, () => {
    it('should report a full bucket with no next token to wait for', () => {
      expect(bucketStatus(ORDERS, undefined, NOW)).toEqual({
        remaining: 300,
        nextTokenAt: null,
        fullAt: NOW,
      });
    });

    it('should report remaining tokens and refill times of a used bucket', () => {
      const tat = NOW + 10 * 36_000; // ten tokens spent just now
      expect(bucketStatus(ORDERS, tat, NOW)).toEqual({
        remaining: 290,
        nextTokenAt: NOW + 36_000,
        fullAt: tat,
      });
    });

    it('should say when an empty bucket can be spent from again', () => {
      const tat = NOW + 300 * 36_000 + 5_000;
      expect(bucketStatus(ORDERS, tat, NOW)).toMatchObject({ remaining: 0, nextTokenAt: NOW + 41_000 });
      expect(decide(ORDERS, tat, 1, NOW).availableAt).toBe(NOW + 41_000);
    });
  });

  describe(emptyUntil.name, () => {
    it('should leave no token before `until` and exactly one at `until`', () => {
      const until = NOW + 600_000;
      const tat = emptyUntil(ORDERS, until);
      expect(decide(ORDERS, tat, 1, NOW)).toMatchObject({ allowed: false, availableAt: until, remaining: 0 });
      expect(bucketStatus(ORDERS, tat, until).remaining).toBe(1);
      expect(decide(ORDERS, tat, 1, until).allowed).toBe(true);
    });
  });
});
