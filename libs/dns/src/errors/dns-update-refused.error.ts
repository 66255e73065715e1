import { DnsError } from './dns.error';

/**
 * The server answered a (correctly signed) dynamic update with a non-zero RCODE:
 * `REFUSED` (the key's `update-policy` does not cover the change), `NOTAUTH`,
 * `NOTZONE`, `SERVFAIL`, `FORMERR`, ...
 *
 * Retrying the same change will not help, except after `SERVFAIL`.
 */
export class DnsUpdateRefusedError extends DnsError {
  constructor(
    /** The server as `host:port`. */
    readonly server: string,
    /** The RCODE mnemonic, e.g. `REFUSED`. */
    readonly rcode: string,
    /** What the update tried to do, e.g. `add TXT _acme-challenge.x.devices.example.com`. */
    readonly operation: string,
  ) {
    super(`DNS server ${server} refused the update (${operation}): ${rcode}`);
  }
}
