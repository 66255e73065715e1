import { setTimeout as sleep } from 'node:timers/promises';
import { classifyAcmeError, isBadNonce } from './classify-error';

/** How one ACME call is retried. */
export interface RetryOptions {
  /** Attempts (including the first) for network errors, timeouts and 5xx. Default `4`. */
  maxAttempts: number;
  /**
   * Attempts (including the first) when the CA answers `badNonce`. Each is signed again
   * with a fresh nonce, without delay. Default `10` (Pebble rejects 5% of good nonces by
   * default, and tests run it at 50%).
   */
  badNonceAttempts: number;
  /** First backoff, in ms; doubles per attempt. Default `500`. */
  baseDelayMs: number;
  /** Backoff cap, in ms. Default `8000`. */
  maxDelayMs: number;
  /**
   * Longest `Retry-After` of a 5xx that is waited out inside the call, in ms; a longer
   * one is thrown to the caller (classified `retry` with `retryAfter`). Default `10000`.
   */
  maxInlineRetryAfterMs: number;
}

export const RETRY_DEFAULTS: RetryOptions = {
  maxAttempts: 4,
  badNonceAttempts: 10,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxInlineRetryAfterMs: 10_000,
};

/** One retry about to happen: for metrics and debug logs (never contains a request body). */
export interface RetryEvent {
  reason: 'badNonce' | 'transient';
  /** Retries of this reason so far in this call, this one included. */
  retry: number;
  delayMs: number;
  error: unknown;
}

/** Observation and injection points (tests fake time and randomness). */
export interface RetryHooks {
  onRetry?: (event: RetryEvent) => void;
  sleep?: (ms: number) => Promise<unknown>;
  random?: () => number;
  now?: () => number;
  /**
   * The client's close signal. Once aborted, no error is retried: a backoff in progress
   * ends at once (the default sleep listens), and the error of the call that follows it
   * (refused by the closed client) is thrown.
   */
  signal?: AbortSignal;
}

/**
 * Runs `call` until it succeeds or fails for good. `call` must build and sign its request
 * anew each time (acme-client's own retries resend the same signed body, which the CA
 * rejects for its spent nonce). Only transient errors are retried: `rateLimited` and every
 * permanent problem are thrown at once.
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  options: RetryOptions = RETRY_DEFAULTS,
  hooks: RetryHooks = {},
): Promise<T> {
  const { signal } = hooks;
  const wait = hooks.sleep ?? ((ms: number) => sleep(ms, undefined, { signal }).catch(ignoreAbort));
  const random = hooks.random ?? Math.random;
  const now = hooks.now ?? Date.now;
  let badNonces = 0;
  let transient = 0;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (signal?.aborted) throw error;
      if (isBadNonce(error)) {
        if (++badNonces >= options.badNonceAttempts) throw error;
        hooks.onRetry?.({ reason: 'badNonce', retry: badNonces, delayMs: 0, error });
        continue;
      }
      const verdict = classifyAcmeError(error, now());
      if (verdict.kind !== 'retry' || ++transient >= options.maxAttempts) throw error;
      let delay = backoffMs(transient - 1, options, random);
      if (verdict.retryAfter) {
        const asked = verdict.retryAfter.getTime() - now();
        if (asked > options.maxInlineRetryAfterMs) throw error;
        delay = Math.max(delay, asked);
      }
      hooks.onRetry?.({ reason: 'transient', retry: transient, delayMs: delay, error });
      await wait(delay);
    }
  }
}

/** An aborted sleep ends the wait; the loop then sees the signal. */
function ignoreAbort(error: unknown): void {
  // By name: Node's AbortError is not an instance of the Error of every realm (Jest's).
  if ((error as { name?: unknown } | null)?.name !== 'AbortError') throw error;
}

/**
 * Capped exponential backoff with "equal jitter": half of `base · 2^attempt` (capped)
 * fixed, the other half random, so retries from many workers spread out but never
 * collapse to zero.
 */
export function backoffMs(
  attempt: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>,
  random = Math.random,
): number {
  const ceiling = Math.min(options.baseDelayMs * 2 ** Math.min(attempt, 30), options.maxDelayMs);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
