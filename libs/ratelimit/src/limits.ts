/**
 * The CA rate limits fleetcert models, named as in the configuration
 * (`FLEETCERT_RATE_LIMITS`). Let's Encrypt's meaning of each (Boulder's `ratelimits`):
 *
 * - `newOrdersPerAccount`: every newOrder of the account.
 * - `certificatesPerRegisteredDomain`: certificates naming a registered domain (public
 *   suffix + 1 label), an IPv4 address, or an IPv6 /64.
 * - `certificatesPerExactSet`: certificates for exactly the same set of identifiers.
 * - `failedAuthorizationsPerIdentifier`: failed validations of one identifier by the account.
 * - `consecutiveAuthorizationFailuresPerIdentifier`: failures in a row for one identifier;
 *   a successful validation resets it. Exhausting it pauses the identifier at the CA.
 */
export const LIMIT_NAMES = [
  'newOrdersPerAccount',
  'certificatesPerRegisteredDomain',
  'certificatesPerExactSet',
  'failedAuthorizationsPerIdentifier',
  'consecutiveAuthorizationFailuresPerIdentifier',
] as const;

export type LimitName = (typeof LIMIT_NAMES)[number];

/** One limit as a token bucket: `capacity` tokens, one more every `refillMs`. */
export interface RateLimit {
  name: LimitName;
  /** Tokens a full bucket holds (the CA's burst). */
  capacity: number;
  /** Time for one token to come back (the CA's period divided by its count). */
  refillMs: number;
}

/** The limits of one CA, and which of them its exemptions lift. */
export interface CaRateLimits {
  /** `letsencrypt`, `letsencrypt-staging`, `none`, or that name with overrides. */
  name: string;
  /** The limits the CA enforces; a limit it does not enforce is absent. */
  limits: Partial<Record<LimitName, RateLimit>>;
  /** Limits that a renewal (an order for a set of identifiers already issued recently) neither checks nor spends. */
  renewalExempt: readonly LimitName[];
  /** How far back a certificate for the same identifier set makes an order a renewal. */
  renewalLookbackMs: number;
  /** Whether an ARI renewal (`replaces`, inside the suggested window) is exempt from every limit. */
  ariRenewalExempt: boolean;
}

export function isLimitName(value: string): value is LimitName {
  return (LIMIT_NAMES as readonly string[]).includes(value);
}

/** `count` per `periodMs`, as CAs publish their limits. */
export function perPeriod(name: LimitName, count: number, periodMs: number, capacity = count): RateLimit {
  return { name, capacity, refillMs: periodMs / count };
}
