import { DnsError } from './dns.error';

/**
 * The DNS server could not be reached or did not answer in time (timeout, connection
 * refused, network unreachable, unresolvable host name, a broken response).
 *
 * Transient by nature: the API maps it to `503`, workers retry with backoff.
 */
export class DnsUnavailableError extends DnsError {
  constructor(
    /** The server as `host:port`. */
    readonly server: string,
    /** What went wrong, e.g. `timed out after 5000 ms`. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`DNS server ${server} is unavailable: ${reason}`, options);
  }
}
