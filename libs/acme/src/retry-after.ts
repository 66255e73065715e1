/**
 * `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date. Returns the moment it
 * names, or `undefined` when the header is absent or unreadable. A date in the past means
 * "now".
 */
export function parseRetryAfter(
  value: string | string[] | null | undefined,
  now: number = Date.now(),
): Date | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    // Beyond a year is nonsense from any CA; cap rather than overflow Date.
    return new Date(now + Math.min(seconds, 366 * 24 * 3600) * 1000);
  }
  // HTTP-date needs a day-month-year with letters (Date.parse alone accepts "1" or "2024").
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return new Date(Math.max(at, now));
}

/** `value` limited to `[min, max]`. */
export function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/** How long to wait before polling again. */
export interface PollDelayOptions {
  /** First wait when the CA gave no `Retry-After`, in ms. */
  initialDelayMs: number;
  /** Longest wait when the CA gave no `Retry-After` (the backoff doubles up to it), in ms. */
  maxDelayMs: number;
  /** Shortest wait a `Retry-After` may ask for, in ms (a CA answering `0` is not polled in a busy loop). */
  minRetryAfterMs: number;
  /** Longest wait a `Retry-After` may ask for, in ms (a huge value must not stall an order past its deadline unnoticed). */
  maxRetryAfterMs: number;
}

/**
 * The wait before poll number `attempt + 1` (attempt 0 = after the first look): the CA's
 * `Retry-After` clamped to `[minRetryAfterMs, maxRetryAfterMs]` when it sent one, else
 * `initialDelayMs · 2^attempt` capped at `maxDelayMs`.
 */
export function pollDelayMs(
  retryAfter: Date | undefined,
  attempt: number,
  options: PollDelayOptions,
  now: number = Date.now(),
): number {
  if (retryAfter) return clamp(retryAfter.getTime() - now, options.minRetryAfterMs, options.maxRetryAfterMs);
  return Math.min(options.initialDelayMs * 2 ** Math.min(attempt, 30), options.maxDelayMs);
}
