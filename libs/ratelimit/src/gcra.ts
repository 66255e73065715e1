import type { RateLimit } from './limits';

/**
 * The Generic Cell Rate Algorithm, the token bucket Let's Encrypt itself uses
 * (Boulder's `ratelimits/gcra.go`). A bucket is one number, its theoretical arrival time
 * (TAT): the moment it is full again. A bucket never seen, or with a TAT in the past, is full.
 * All times are milliseconds since the epoch.
 */

/** What spending `cost` tokens now would do. */
export interface Decision {
  /** Whether the bucket holds `cost` tokens now. */
  allowed: boolean;
  /** The TAT after the spend when allowed, the TAT unchanged otherwise. */
  tat: number;
  /** Tokens left after the spend (when allowed) or now (when not). */
  remaining: number;
  /** When `cost` tokens will be there: now when allowed. */
  availableAt: number;
}

/** A bucket as an operator sees it. */
export interface BucketStatus {
  remaining: number;
  /** When the next token arrives; `null` when the bucket is full. With none left, when a spend can happen again. */
  nextTokenAt: number | null;
  /** When the bucket is full again (now when it is). */
  fullAt: number;
}

/**
 * The decision for spending `cost` tokens from a bucket whose TAT is `tat` (absent: full).
 * Times are whole milliseconds (the database stores TATs to the millisecond): `now` is
 * truncated, and a stored TAT is only ever rounded up, so the model never grants early.
 */
export function decide(limit: RateLimit, tat: number | undefined, cost: number, now: number): Decision {
  if (!(cost >= 0) || cost > limit.capacity) throw new RangeError(`cost ${cost} outside 0–${limit.capacity}`);
  const t = Math.floor(now);
  const base = Math.max(tat ?? t, t);
  const burst = limit.capacity * limit.refillMs;
  const newTat = base + cost * limit.refillMs;
  // Compared before any rounding: a bucket of one token is exactly full when base = now.
  if (newTat - burst > t) {
    return {
      allowed: false,
      tat: base,
      remaining: remainingAt(limit, base, t),
      availableAt: Math.ceil(newTat - burst),
    };
  }
  const stored = Math.ceil(newTat);
  return { allowed: true, tat: stored, remaining: remainingAt(limit, stored, t), availableAt: t };
}

/** Remaining tokens, next token and refill time of a bucket. */
export function bucketStatus(limit: RateLimit, tat: number | undefined, now: number): BucketStatus {
  const base = Math.max(tat ?? now, now);
  const burst = limit.capacity * limit.refillMs;
  const remaining = remainingAt(limit, base, now);
  return {
    remaining,
    nextTokenAt:
      remaining >= limit.capacity ? null : Math.ceil(base - burst + (remaining + 1) * limit.refillMs),
    fullAt: base,
  };
}

/**
 * The TAT of a bucket that is empty until `until` and then refills at its normal rate:
 * what a CA's `rateLimited` answer with that `Retry-After` says about the bucket.
 */
export function emptyUntil(limit: RateLimit, until: number): number {
  return Math.ceil(until - limit.refillMs + limit.capacity * limit.refillMs);
}

function remainingAt(limit: RateLimit, base: number, now: number): number {
  const burst = limit.capacity * limit.refillMs;
  const tokens = Math.floor((now - (base - burst)) / limit.refillMs + 1e-9);
  return Math.min(limit.capacity, Math.max(0, tokens));
}
