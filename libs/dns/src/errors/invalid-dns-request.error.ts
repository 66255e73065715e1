import { DnsError } from './dns.error';

/**
 * A change was refused locally, before anything was sent: a malformed name, a name
 * outside the provider's zone, an address of the wrong family, a TXT value too long.
 */
export class InvalidDnsRequestError extends DnsError {
  constructor(readonly reason: string) {
    super(reason);
  }
}
