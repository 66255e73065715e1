// Public API of @fleetcert/acme: the one ACME account, orders on acme-client, profiles, ARI
// and error classification. Anything not exported here is an implementation detail.

export type {
  AccountKeyRollover,
  AcmeAuthorization,
  AcmeAuthorizationStatus,
  AcmeCa,
  AcmeChallenge,
  AcmeChallengeStatus,
  AcmeDirectory,
  AcmeDirectoryMeta,
  AcmeIdentifier,
  AcmeIdentifierType,
  AcmeOrder,
  AcmeOrderStatus,
  AcmeProblemDocument,
  NewOrderRequest,
  RenewalInfo,
  RevocationReason,
} from './acme-client.port';
export { AcmeClientCa, dns01TxtValueOf } from './acme-ca';
export { AccountKeyChangedError, AccountKeyRolloverInProgressError } from './account-key.errors';
export { ACME_CA_DEFAULTS, POLL_DEFAULTS } from './acme-ca.options';
export type { AcmeCaOptions } from './acme-ca.options';

export type { AccountStore, PendingAccountKey, StoredAccount } from './account-store.port';
export { accountKeyThumbprint, generateAccountKeyPem } from './account';
export type { AccountOptions, ExternalAccountBinding } from './account';

export { AcmeProblemError, acmeErrorType, problemCode } from './acme-problem.error';
export type { AcmeProblemContext, AcmeSubproblem } from './acme-problem.error';
export { AcmeNetworkError } from './acme-network.error';
export { AcmeClientClosedError } from './acme-client-closed.error';
export { AcmeDeadlineError } from './acme-deadline.error';
export { ProfileUnavailableError } from './profile-unavailable.error';
export { classifyAcmeError, DEFAULT_DEFER_MS, FLEETCERT_ERROR_TYPES, isBadNonce } from './classify-error';
export type { AcmeErrorClassification, AcmeErrorKind } from './classify-error';

export { RETRY_DEFAULTS, backoffMs, withRetries } from './retry';
export type { RetryEvent, RetryHooks, RetryOptions } from './retry';
export { clamp, parseRetryAfter, pollDelayMs } from './retry-after';
export type { PollDelayOptions } from './retry-after';

export { chooseProfile, SHORTLIVED_PROFILE } from './profiles';
export type { ProfileChoice } from './profiles';
export {
  ARI_DEFAULT_RETRY_MS,
  ARI_RETRY_AFTER_BOUNDS_MS,
  ariCertId,
  fallbackRenewalTime,
  fallbackRenewalWindow,
  parseRenewalInfo,
  pickRenewalTime,
} from './ari';
