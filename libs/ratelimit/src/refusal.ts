import { ACCOUNT_KEY, exactSetKey, Identifier, identifierKey } from './bucket-keys';
import type { CaRateLimits } from './limits';
import type { BucketRef } from './settle';

/**
 * The buckets a CA's `rateLimited` answer is about, read from its detail. The phrases are
 * Boulder's (`ratelimits/limiter.go`), which quotes the registered domain or identifier it
 * counted:
 *
 * - `too many new orders (300) from this account in the last 3h0m0s, …` → the account's orders
 * - `too many certificates (50) already issued for "example.com" in the last 168h0m0s, …`
 * - `too many certificates (5) already issued for this exact set of identifiers …` (older: "domains")
 * - `too many failed authorizations (5) for "a.example.com" in the last 1h0m0s, …`
 * - `Your account is temporarily prevented from requesting certificates for a.example.com, …` (paused)
 *
 * An answer in other words is taken as account-wide: the cautious reading. Only limits the
 * CA is modelled with are returned (there is no bucket to empty otherwise).
 */
export function bucketsNamedByRefusal(
  ca: CaRateLimits,
  detail: string,
  order: { identifiers: readonly Identifier[]; identifierSet: string },
): BucketRef[] {
  const quoted = /"([^"]+)"/.exec(detail)?.[1]?.toLowerCase();
  const refs: BucketRef[] = [];
  if (/exact set of/i.test(detail)) {
    refs.push({ limit: 'certificatesPerExactSet', key: exactSetKey(order.identifierSet) });
  } else if (/already issued for/i.test(detail) && quoted) {
    refs.push({ limit: 'certificatesPerRegisteredDomain', key: quoted });
  } else if (/failed authorizations/i.test(detail)) {
    const keys = quoted ? [quoted] : order.identifiers.map(identifierKey);
    for (const key of keys) refs.push({ limit: 'failedAuthorizationsPerIdentifier', key });
  } else if (/prevented from requesting certificates for/i.test(detail)) {
    const named = /certificates for (.+?)(?: and possibly others)?\.\s*(?:Please|$)/i.exec(detail)?.[1];
    const keys = named
      ? named.split(/,\s*/).map((v) => v.trim().toLowerCase())
      : order.identifiers.map(identifierKey);
    for (const key of keys) refs.push({ limit: 'consecutiveAuthorizationFailuresPerIdentifier', key });
  } else {
    refs.push({ limit: 'newOrdersPerAccount', key: ACCOUNT_KEY });
  }
  return refs.filter((ref) => ca.limits[ref.limit] !== undefined);
}
