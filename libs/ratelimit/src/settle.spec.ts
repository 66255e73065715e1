import { perPeriod } from './limits';
import { bucketId, settle } from './settle';
import type { BucketTransaction } from './transactions';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const ORDERS = perPeriod('newOrdersPerAccount', 2, 60_000);
const EXACT = perPeriod('certificatesPerExactSet', 1, 60_000);
const FAILS = perPeriod('failedAuthorizationsPerIdentifier', 1, 60_000);

const txn = (limit = ORDERS, key = 'account', check = true, spend = true): BucketTransaction => ({
  limit,
  key,
  cost: 1,
  check,
  spend,
});

describe(settle.name, () => {
  it('should spend every bucket when all have tokens', () => {
    const result = settle([txn(), txn(EXACT, 'set')], new Map(), NOW);
    expect(result.allowed).toBe(true);
    expect(result.writes).toEqual([
      { limit: 'newOrdersPerAccount', key: 'account', tat: NOW + 30_000 },
      { limit: 'certificatesPerExactSet', key: 'set', tat: NOW + 60_000 },
    ]);
  });

  it('should spend nothing when one checked bucket is empty, and say when all will have tokens', () => {
    const tats = new Map([[bucketId({ limit: 'certificatesPerExactSet', key: 'set' }), NOW + 45_000]]);
    const result = settle([txn(), txn(EXACT, 'set')], tats, NOW);
    expect(result).toEqual({
      allowed: false,
      writes: [],
      availableAt: NOW + 45_000,
      blocking: [{ limit: 'certificatesPerExactSet', key: 'set', remaining: 0, availableAt: NOW + 45_000 }],
    });
  });

  it('should take the latest time when several buckets block', () => {
    const tats = new Map([
      [bucketId({ limit: 'newOrdersPerAccount', key: 'account' }), NOW + 70_000],
      [bucketId({ limit: 'certificatesPerExactSet', key: 'set' }), NOW + 20_000],
    ]);
    expect(settle([txn(), txn(EXACT, 'set')], tats, NOW).availableAt).toBe(NOW + 40_000);
  });

  it('should never block on a spend-only transaction, and spend it only when it fits', () => {
    const full = settle([txn(FAILS, 'a', false, true)], new Map(), NOW);
    expect(full).toMatchObject({ allowed: true, writes: [{ key: 'a', tat: NOW + 60_000 }] });
    const tats = new Map([
      [bucketId({ limit: 'failedAuthorizationsPerIdentifier', key: 'a' }), NOW + 60_000],
    ]);
    expect(settle([txn(FAILS, 'a', false, true)], tats, NOW)).toMatchObject({ allowed: true, writes: [] });
  });

  it('should check without spending for a check-only transaction', () => {
    expect(settle([txn(FAILS, 'a', true, false)], new Map(), NOW)).toMatchObject({
      allowed: true,
      writes: [],
    });
  });
});
