import { DnsError } from './dns.error';

/**
 * A TSIG signature could not be trusted: the server rejected ours (`BADSIG`, `BADKEY`,
 * `BADTIME`, ...), or its answer was unsigned, malformed, signed with another key, carried
 * a wrong MAC, or was signed outside the allowed time window.
 *
 * Usually a configuration problem (wrong secret, key name or algorithm, clock skew).
 */
export class TsigVerificationError extends DnsError {
  constructor(
    readonly reason: string,
    /** The TSIG error the server reported (`BADSIG`, `BADKEY`, `BADTIME`, ...), when it reported one. */
    readonly tsigError?: string,
  ) {
    super(`TSIG verification failed: ${reason}`);
  }
}
