import { decide } from './gcra';
import type { LimitName } from './limits';
import type { BucketTransaction } from './transactions';

/** A bucket's identity within one scope (ACME account). */
export interface BucketRef {
  limit: LimitName;
  key: string;
}

export interface Settlement {
  /** Whether every checked bucket holds its tokens: then every spend happens, else none. */
  allowed: boolean;
  /** New TATs to store (empty when refused). */
  writes: (BucketRef & { tat: number })[];
  /** When every checked bucket will hold its tokens (now when allowed). */
  availableAt: number;
  /** The checked buckets without their tokens, and when each will have them. */
  blocking: (BucketRef & { remaining: number; availableAt: number })[];
}

/** The identity of a bucket as one string, for maps. */
export function bucketId(ref: BucketRef): string {
  return `${ref.limit}\u0000${ref.key}`;
}

/**
 * Decides a group of transactions all or nothing, given each bucket's current TAT
 * (`tats`, by {@link bucketId}; absent = full). Transactions on the same bucket are
 * combined. Pure: the repository runs it between locking the rows and writing them back.
 */
export function settle(
  transactions: readonly BucketTransaction[],
  tats: ReadonlyMap<string, number>,
  now: number,
): Settlement {
  const combined = combineTransactions(transactions);
  const blocking: Settlement['blocking'] = [];
  const writes: Settlement['writes'] = [];
  for (const txn of combined) {
    const ref = { limit: txn.limit.name, key: txn.key };
    const decision = decide(txn.limit, tats.get(bucketId(ref)), txn.cost, now);
    if (txn.check && !decision.allowed) {
      blocking.push({ ...ref, remaining: decision.remaining, availableAt: decision.availableAt });
    } else if (txn.spend && decision.allowed) {
      writes.push({ ...ref, tat: decision.tat });
    }
  }
  if (blocking.length > 0) {
    return {
      allowed: false,
      writes: [],
      availableAt: Math.max(...blocking.map((b) => b.availableAt)),
      blocking,
    };
  }
  return { allowed: true, writes, availableAt: Math.floor(now), blocking: [] };
}

/** Buckets named twice (e.g. one check-only, one spend) become one transaction. */
export function combineTransactions(transactions: readonly BucketTransaction[]): BucketTransaction[] {
  const byBucket = new Map<string, BucketTransaction>();
  for (const txn of transactions) {
    const id = bucketId({ limit: txn.limit.name, key: txn.key });
    const seen = byBucket.get(id);
    byBucket.set(
      id,
      seen
        ? {
            ...seen,
            cost: Math.min(seen.limit.capacity, Math.max(seen.cost, txn.cost)),
            check: seen.check || txn.check,
            spend: seen.spend || txn.spend,
          }
        : { ...txn },
    );
  }
  return [...byBucket.values()];
}
