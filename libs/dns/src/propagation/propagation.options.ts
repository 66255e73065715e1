/** Configuration of a {@link PropagationChecker}. */
export interface PropagationCheckerOptions {
  /**
   * Explicit authoritative nameservers as `host:port` (`[v6]:port` for IPv6), for private
   * setups and tests. When set, no NS discovery happens. Default: discover.
   */
  nameservers?: readonly string[];
  /**
   * Server asked for the zone's NS RRset and the nameservers' addresses, as `host:port`:
   * a recursive resolver (queried with RD set) or the zone's primary. Default: the first
   * server of the system resolver configuration.
   */
  resolver?: string;
  /** Port of discovered nameservers. Default `53`. */
  nameserverPort?: number;
  /** Address families of discovered nameservers to check. Default both: `[4, 6]`. */
  ipFamilies?: ReadonlyArray<4 | 6>;
  /** Longest wait for every nameserver to serve the record, in ms. Default `120000`. */
  timeoutMs?: number;
  /** Pause between polling rounds, in ms. Default `2000`. */
  intervalMs?: number;
  /** Budget of one query to one nameserver (and of each discovery query), in ms. Default `2000`. */
  queryTimeoutMs?: number;
}

export const PROPAGATION_DEFAULTS = {
  nameserverPort: 53,
  ipFamilies: [4, 6] as ReadonlyArray<4 | 6>,
  timeoutMs: 120_000,
  intervalMs: 2_000,
  queryTimeoutMs: 2_000,
} as const;
