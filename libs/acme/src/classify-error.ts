import { AcmeDeadlineError } from './acme-deadline.error';
import { AcmeNetworkError } from './acme-network.error';
import { AcmeProblemError } from './acme-problem.error';

/**
 * What the caller should do about an error:
 * - `retry`: transient (badNonce, 5xx, network, timeout, a wait that ran out): try again
 *   soon — after `retryAfter` when set — resuming the same order.
 * - `defer`: the CA is rate-limiting us: do nothing for this request before `retryAfter`.
 * - `reorder`: the CA refused `replaces` (`alreadyReplaced`): create the order again
 *   without it, at once.
 * - `fail`: permanent for this request (bad CSR or identifier, CAA, failed validation, ...).
 */
export type AcmeErrorKind = 'retry' | 'defer' | 'reorder' | 'fail';

export interface AcmeErrorClassification {
  kind: AcmeErrorKind;
  retryAfter?: Date;
  /** Problem type URN (ours for non-ACME errors: `urn:fleetcert:acme:network`, ...). */
  type: string;
  /** Human-readable, safe to show to the device and operator. */
  detail: string;
}

/** When a rate limit answer carries no `Retry-After` (Let's Encrypt always sends one). */
export const DEFAULT_DEFER_MS = 60 * 60 * 1000;

/** Error types that are not ACME problem documents. */
export const FLEETCERT_ERROR_TYPES = {
  network: 'urn:fleetcert:acme:network',
  deadline: 'urn:fleetcert:acme:deadline',
  /** {@link AccountKeyChangedError}: classified by the worker (it publishes again), never retried as is. */
  accountKeyChanged: 'urn:fleetcert:acme:accountKeyChanged',
  internal: 'urn:fleetcert:acme:internal',
} as const;

/**
 * Decides retry / defer / reorder / fail for any error thrown by `AcmeCa`.
 *
 * Failed validations (`dns`, `connection`, `incorrectResponse`, `unauthorized`, `caa`,
 * `tls`) are `fail`: the authorization is invalid and a retry needs a new order, which
 * counts against the CA's failed-validation limit (5 per identifier per hour at Let's
 * Encrypt) — the request fails and the device or operator decides. Unknown 4xx problems
 * are `fail` too; unknown 5xx are `retry`.
 */
export function classifyAcmeError(error: unknown, now: number = Date.now()): AcmeErrorClassification {
  if (error instanceof AcmeProblemError) {
    const base = { type: error.type, detail: error.detail || error.message };
    switch (error.code) {
      case 'badNonce':
        return { ...base, kind: 'retry' };
      case 'rateLimited':
        return { ...base, kind: 'defer', retryAfter: error.retryAfter ?? new Date(now + DEFAULT_DEFER_MS) };
      case 'alreadyReplaced':
        return { ...base, kind: 'reorder' };
      case 'serverInternal':
        return { ...base, kind: 'retry', ...(error.retryAfter && { retryAfter: error.retryAfter }) };
    }
    // 429 without the rateLimited type still means "slow down"; 503s from request limits are retried after Retry-After.
    if (error.status === 429) {
      return { ...base, kind: 'defer', retryAfter: error.retryAfter ?? new Date(now + DEFAULT_DEFER_MS) };
    }
    if (error.status >= 500) {
      return { ...base, kind: 'retry', ...(error.retryAfter && { retryAfter: error.retryAfter }) };
    }
    return { ...base, kind: 'fail' };
  }
  if (error instanceof AcmeNetworkError) {
    return { kind: 'retry', type: FLEETCERT_ERROR_TYPES.network, detail: error.message };
  }
  if (error instanceof AcmeDeadlineError) {
    return { kind: 'retry', type: FLEETCERT_ERROR_TYPES.deadline, detail: error.message };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { kind: 'fail', type: FLEETCERT_ERROR_TYPES.internal, detail };
}

/** True for the one error the client retries at once, with a fresh nonce. */
export function isBadNonce(error: unknown): boolean {
  return error instanceof AcmeProblemError && error.code === 'badNonce';
}
