/** Injection token of the fleet zone's {@link DnsProvider}. */
export const DNS_PROVIDER = Symbol('DNS_PROVIDER');

/** Injection token of the {@link PropagationChecker} for the fleet zone's nameservers. */
export const DNS_PROPAGATION = Symbol('DNS_PROPAGATION');
