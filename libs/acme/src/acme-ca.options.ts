import type { AccountOptions } from './account';
import type { AccountStore } from './account-store.port';
import type { PollDelayOptions } from './retry-after';
import { RETRY_DEFAULTS, RetryEvent, RetryOptions } from './retry';

/** Configuration of an {@link AcmeClientCa}. */
export interface AcmeCaOptions {
  /** The CA's directory URL (Let's Encrypt staging/production, Pebble, ...). */
  directoryUrl: string;
  /** Where the account key and URL live (the key sealed at rest). */
  accountStore: AccountStore;
  /** Registration details used the first time. */
  account?: AccountOptions;
  /** Extra PEM certificates to trust for the directory's TLS (`FLEETCERT_ACME_CA_BUNDLE`'s contents). */
  caBundlePem?: string;
  /** Budget of one HTTP exchange with the CA, in ms. Default `30000`. */
  requestTimeoutMs?: number;
  /** Retries of one call (badNonce, network, 5xx). Defaults: {@link RETRY_DEFAULTS}. */
  retry?: Partial<RetryOptions>;
  /** Polling of authorizations and orders. Defaults: {@link POLL_DEFAULTS}. */
  poll?: Partial<PollDelayOptions>;
  /** How long a fetched directory is reused, in ms. Default `3600000` (profiles and endpoints rarely change). */
  directoryMaxAgeMs?: number;
  /** `User-Agent` product token. Default `fleetcert`. */
  userAgent?: string;
  /** Called before every retry (metrics: badNonce and transient-error rates). */
  onRetry?: (event: RetryEvent) => void;
  /**
   * How old a pending account key (a key rollover's) must be before a session that finds it
   * settles it: asks the CA, then adopts or drops it. Younger, it is a rollover under way
   * elsewhere (one signed request), not a crash's leftover. Default `60000`.
   */
  rolloverSettleMs?: number;
}

/**
 * Polling defaults: 250 ms doubling to 10 s without `Retry-After`; a `Retry-After` is obeyed
 * between 1 s and 60 s (longer waits are the caller's business: it has the deadline).
 */
export const POLL_DEFAULTS: PollDelayOptions = {
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  minRetryAfterMs: 1_000,
  maxRetryAfterMs: 60_000,
};

export const ACME_CA_DEFAULTS = {
  requestTimeoutMs: 30_000,
  directoryMaxAgeMs: 3_600_000,
  userAgent: 'fleetcert',
  maxResponseBytes: 1024 * 1024,
  rolloverSettleMs: 60_000,
} as const;

/** Options with defaults applied; throws `TypeError` on nonsense at construction. */
export interface ResolvedAcmeCaOptions {
  directoryUrl: string;
  accountStore: AccountStore;
  account: AccountOptions;
  caBundlePem?: string;
  requestTimeoutMs: number;
  retry: RetryOptions;
  poll: PollDelayOptions;
  directoryMaxAgeMs: number;
  userAgent: string;
  onRetry?: (event: RetryEvent) => void;
  rolloverSettleMs: number;
}

export function resolveAcmeCaOptions(options: AcmeCaOptions): ResolvedAcmeCaOptions {
  let url: URL;
  try {
    url = new URL(options.directoryUrl);
  } catch {
    throw new TypeError('acme: directoryUrl must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError('acme: directoryUrl must be https');
  if (!options.accountStore) throw new TypeError('acme: accountStore is required');
  const eab = options.account?.externalAccountBinding;
  if (eab && (!eab.kid || !/^[A-Za-z0-9_-]+=*$/.test(eab.hmacKey ?? ''))) {
    throw new TypeError('acme: externalAccountBinding needs a kid and a base64url hmacKey');
  }
  if (options.caBundlePem !== undefined && !options.caBundlePem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TypeError('acme: caBundlePem holds no PEM certificate');
  }
  const resolved: ResolvedAcmeCaOptions = {
    directoryUrl: options.directoryUrl,
    accountStore: options.accountStore,
    account: options.account ?? {},
    caBundlePem: options.caBundlePem,
    requestTimeoutMs: options.requestTimeoutMs ?? ACME_CA_DEFAULTS.requestTimeoutMs,
    retry: { ...RETRY_DEFAULTS, ...options.retry },
    poll: { ...POLL_DEFAULTS, ...options.poll },
    directoryMaxAgeMs: options.directoryMaxAgeMs ?? ACME_CA_DEFAULTS.directoryMaxAgeMs,
    userAgent: options.userAgent ?? ACME_CA_DEFAULTS.userAgent,
    onRetry: options.onRetry,
    rolloverSettleMs: options.rolloverSettleMs ?? ACME_CA_DEFAULTS.rolloverSettleMs,
  };
  const numbers: [string, number, number][] = [
    ['requestTimeoutMs', resolved.requestTimeoutMs, 1],
    ['directoryMaxAgeMs', resolved.directoryMaxAgeMs, 0],
    ['rolloverSettleMs', resolved.rolloverSettleMs, 0],
    ['retry.maxAttempts', resolved.retry.maxAttempts, 1],
    ['retry.badNonceAttempts', resolved.retry.badNonceAttempts, 1],
    ['retry.baseDelayMs', resolved.retry.baseDelayMs, 0],
    ['retry.maxDelayMs', resolved.retry.maxDelayMs, 0],
    ['retry.maxInlineRetryAfterMs', resolved.retry.maxInlineRetryAfterMs, 0],
    ['poll.initialDelayMs', resolved.poll.initialDelayMs, 1],
    ['poll.maxDelayMs', resolved.poll.maxDelayMs, 1],
    ['poll.minRetryAfterMs', resolved.poll.minRetryAfterMs, 0],
    ['poll.maxRetryAfterMs', resolved.poll.maxRetryAfterMs, 0],
  ];
  for (const [name, value, min] of numbers) {
    if (!Number.isFinite(value) || value < min)
      throw new TypeError(`acme: ${name} must be a number >= ${min}`);
  }
  return resolved;
}
