// Public API of @fleetcert/ratelimit: the CA's rate limits as GCRA token buckets — limit
// definitions per CA, bucket keys, the transactions of an order, refusals, forecasts.
// Pure logic: the buckets live in Postgres (`RateLimitRepository` in @fleetcert/db).

export { isLimitName, LIMIT_NAMES, perPeriod } from './limits';
export type { CaRateLimits, LimitName, RateLimit } from './limits';
export { LETS_ENCRYPT, LETS_ENCRYPT_STAGING, NO_LIMITS, PRESETS } from './presets';
export { parseRateLimitSpec, resolveRateLimits } from './rate-limit-spec';
export type { RateLimitSpec } from './rate-limit-spec';
export { bucketStatus, decide, emptyUntil } from './gcra';
export type { BucketStatus, Decision } from './gcra';
export {
  ACCOUNT_KEY,
  exactSetKey,
  identifierKey,
  registeredDomainKey,
  registeredDomainKeys,
} from './bucket-keys';
export type { Identifier } from './bucket-keys';
export { authorizationFailureTransactions, newOrderTransactions, successResets } from './transactions';
export type { BucketTransaction, Exemption, NewOrder } from './transactions';
export { bucketId, combineTransactions, settle } from './settle';
export type { BucketRef, Settlement } from './settle';
export { bucketsNamedByRefusal } from './refusal';
export { forecastOnboarding, tokensWithin } from './capacity-forecast';
export type { OnboardingForecast, OnboardingForecastInput } from './capacity-forecast';
