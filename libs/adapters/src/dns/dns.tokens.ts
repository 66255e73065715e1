/** Injection token of the fleet zone's {@link DnsProvider}. */
export const DNS_PROVIDER = Symbol('DNS_PROVIDER');
