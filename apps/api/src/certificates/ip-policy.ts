import ipaddr from 'ipaddr.js';

/**
 * ipaddr.js ranges that are reachable on the public Internet. Everything else — private,
 * loopback, link-local, CGNAT (100.64/10), documentation, benchmarking, multicast,
 * 6to4/Teredo relays, unique-local — is refused: no public CA validates it, and a request
 * for it is a mistake or a probe.
 */
const PUBLIC_RANGES = new Set(['unicast']);

/** Null for a public address; otherwise the name of the range it falls in. */
export function nonPublicRange(ip: string): string | null {
  const range = ipaddr.parse(ip).range();
  return PUBLIC_RANGES.has(range) ? null : range;
}
