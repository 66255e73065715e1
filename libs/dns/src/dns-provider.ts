/**
 * The contract every DNS backend implements (RFC 2136 first; cloud APIs later).
 *
 * Providers only write records. Checking that a record is visible at every
 * authoritative nameserver is the core's job (see `propagation/propagation-checker.ts`), so a new
 * provider never re-implements it.
 *
 * All names are absolute, lower-case FQDNs without the trailing dot
 * (`_acme-challenge.x7k2qf9a.devices.example.com`).
 */
export interface DnsProvider {
  /** Adds one TXT value at `fqdn` (other values at the same name are kept: several orders may overlap). */
  presentTxt(fqdn: string, value: string): Promise<void>;
  /** Removes exactly that TXT value; removing a value that is not there is not an error. */
  cleanUpTxt(fqdn: string, value: string): Promise<void>;
  /**
   * Replaces the A and AAAA records of `fqdn` in one atomic change.
   * `undefined` leaves that family untouched, `null` deletes its records,
   * a string replaces them with that single address.
   */
  setAddresses(fqdn: string, addresses: AddressChange): Promise<void>;
}

export interface AddressChange {
  ipv4?: string | null;
  ipv6?: string | null;
}

/** Options every provider receives. */
export interface DnsZoneOptions {
  /** The zone the provider may change, e.g. `devices.example.com`. */
  zone: string;
  /** Record TTL in seconds for records this provider writes. */
  ttl: number;
}
