// Public API of @fleetcert/dns. Anything not exported here is an implementation detail.

export type { AddressChange, DnsProvider, DnsZoneOptions } from './dns-provider';

export { DnsError } from './errors/dns.error';
export { DnsUnavailableError } from './errors/dns-unavailable.error';
export { DnsUpdateRefusedError } from './errors/dns-update-refused.error';
export { InvalidDnsRequestError } from './errors/invalid-dns-request.error';
export { PropagationTimeoutError } from './errors/propagation-timeout.error';
export type { LaggingNameserver } from './errors/propagation-timeout.error';
export { TsigVerificationError } from './errors/tsig-verification.error';

export {
  createDnsProvider,
  dnsProviderFactories,
  dnsProviderNames,
  isDnsProviderName,
} from './providers/registry';
export type { DnsProviderFactory, DnsProviderName, DnsProviderOptions } from './providers/registry';
export { Rfc2136Provider } from './providers/rfc2136/rfc2136.provider';
export { RFC2136_DEFAULTS } from './providers/rfc2136/rfc2136.options';
export type { Rfc2136ProviderOptions } from './providers/rfc2136/rfc2136.options';
export { renderBindUpdatePolicy } from './providers/rfc2136/bind-update-policy';
export type { BindUpdatePolicyOptions } from './providers/rfc2136/bind-update-policy';

export { PropagationChecker } from './propagation/propagation-checker';
export type { PropagationResult, WaitOptions } from './propagation/propagation-checker';
export { PROPAGATION_DEFAULTS } from './propagation/propagation.options';
export type { PropagationCheckerOptions } from './propagation/propagation.options';
export type { RecordExpectation } from './propagation/record-expectation';

// Lower-level building blocks, for tools and tests that speak DNS directly.
export { formatEndpoint, parseEndpoint } from './transport/dns-endpoint';
export type { DnsEndpoint } from './transport/dns-endpoint';
export { DEFAULT_DNS_TIMEOUT_MS, exchangeDnsMessage } from './transport/dns-exchange';
export type { DnsExchangeOptions } from './transport/dns-exchange';
export { queryDns } from './transport/dns-query';
export type { DnsQueryOptions, DnsQueryResult, DnsQueryType } from './transport/dns-query';
export { TSIG_ALGORITHMS } from './tsig/tsig-algorithm';
export type { TsigAlgorithm } from './tsig/tsig-algorithm';
export { TsigKey } from './tsig/tsig-key';
export type { TsigKeyOptions } from './tsig/tsig-key';
export { DEFAULT_TSIG_FUDGE, signMessage } from './tsig/tsig-sign';
export type { SignedMessage, TsigSignOptions } from './tsig/tsig-sign';
export { verifyMessage } from './tsig/tsig-verify';
export type { TsigVerifyOptions } from './tsig/tsig-verify';
export { isInZone, normalizeDnsName } from './wire/dns-name';
