import { ACCOUNT_KEY, exactSetKey, Identifier, identifierKey, registeredDomainKeys } from './bucket-keys';
import type { CaRateLimits, LimitName, RateLimit } from './limits';

/**
 * One bucket operation, as Boulder builds them:
 * - `check` and `spend`: allowed only if the tokens are there, and then taken;
 * - `check` only: allowed only if the tokens are there, nothing taken;
 * - `spend` only: always allowed; tokens taken when there (best effort).
 */
export interface BucketTransaction {
  limit: RateLimit;
  key: string;
  cost: number;
  check: boolean;
  spend: boolean;
}

/** Why an order is (partly) exempt: none, a renewal of an identifier set issued recently, an ARI renewal. */
export type Exemption = 'none' | 'renewal' | 'ari';

export interface NewOrder {
  identifiers: readonly Identifier[];
  /** Canonical identifier set (`identifierSetKey` from `@fleetcert/pki`). */
  identifierSet: string;
  exemption: Exemption;
}

/**
 * The transactions to run atomically before creating an order. Unlike the CA, which only
 * checks the certificate limits at newOrder and spends them at issuance, fleetcert spends
 * them at newOrder: an order that never becomes a certificate then costs a token the CA
 * would not have taken, which errs on the safe side, and two workers can never both take
 * the last token.
 *
 * An ARI renewal is exempt from everything; a renewal from the limits the CA names
 * (Let's Encrypt: new orders, registered domain). Failures are only checked here: an
 * identifier whose failure buckets are empty would be refused (or is paused) at the CA.
 */
export function newOrderTransactions(ca: CaRateLimits, order: NewOrder): BucketTransaction[] {
  if (order.exemption === 'ari' && ca.ariRenewalExempt) return [];
  const exempt = (name: LimitName) => order.exemption !== 'none' && ca.renewalExempt.includes(name);
  const txns: BucketTransaction[] = [];
  const add = (name: LimitName, key: string, check: boolean, spend: boolean) => {
    const limit = ca.limits[name];
    if (limit && !exempt(name)) txns.push({ limit, key, cost: 1, check, spend });
  };
  add('newOrdersPerAccount', ACCOUNT_KEY, true, true);
  for (const key of registeredDomainKeys(order.identifiers))
    add('certificatesPerRegisteredDomain', key, true, true);
  add('certificatesPerExactSet', exactSetKey(order.identifierSet), true, true);
  for (const key of distinctKeys(order.identifiers)) {
    add('failedAuthorizationsPerIdentifier', key, true, false);
    add('consecutiveAuthorizationFailuresPerIdentifier', key, true, false);
  }
  return txns;
}

/**
 * A failed authorization: the CA spends its failure bucket (best effort) and its
 * consecutive-failure bucket (which, once empty, pauses the identifier).
 */
export function authorizationFailureTransactions(
  ca: CaRateLimits,
  identifier: Identifier,
): BucketTransaction[] {
  const key = identifierKey(identifier);
  const txns: BucketTransaction[] = [];
  const failures = ca.limits.failedAuthorizationsPerIdentifier;
  if (failures) txns.push({ limit: failures, key, cost: 1, check: false, spend: true });
  const consecutive = ca.limits.consecutiveAuthorizationFailuresPerIdentifier;
  if (consecutive) txns.push({ limit: consecutive, key, cost: 1, check: false, spend: true });
  return txns;
}

/** The buckets a successful validation refills (the consecutive-failure count restarts). */
export function successResets(
  ca: CaRateLimits,
  identifiers: readonly Identifier[],
): { limit: LimitName; key: string }[] {
  if (!ca.limits.consecutiveAuthorizationFailuresPerIdentifier) return [];
  return distinctKeys(identifiers).map((key) => ({
    limit: 'consecutiveAuthorizationFailuresPerIdentifier' as const,
    key,
  }));
}

function distinctKeys(identifiers: readonly Identifier[]): string[] {
  return [...new Set(identifiers.map(identifierKey))];
}
