import { DnsError } from './dns.error';

/** One authoritative nameserver that did not serve the expected record in time. */
export interface LaggingNameserver {
  /** `name (address:port)` or, for an explicit override, `address:port`. */
  nameserver: string;
  /** What it served last, e.g. `NXDOMAIN`, `TXT "abc"`, `timed out after 2000 ms`. */
  lastSeen: string;
}

/** Not every authoritative nameserver served the expected record before the deadline. */
export class PropagationTimeoutError extends DnsError {
  constructor(
    /** The record that was awaited, e.g. `TXT _acme-challenge.x.devices.example.com = "abc"`. */
    readonly record: string,
    readonly waitedMs: number,
    readonly lagging: readonly LaggingNameserver[],
  ) {
    const who = lagging.map((l) => `${l.nameserver} (${l.lastSeen})`).join(', ');
    super(`${record} was not served by every authoritative nameserver after ${waitedMs} ms; lagging: ${who}`);
  }
}
