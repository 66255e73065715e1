import type { NetworkInterfaceInfo } from 'node:os';

/**
 * Picks the address of one family to report from the machine's interfaces (the shape of
 * `os.networkInterfaces()`): never loopback or link-local; for IPv6, global addresses
 * before unique-local ones. With `name`, only that interface is considered; otherwise the
 * first interface (in the kernel's order) with a suitable address wins.
 *
 * @returns the address, or null when there is none
 */
export function pickInterfaceAddress(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
  family: 'ipv4' | 'ipv6',
  name?: string,
): string | null {
  const entries = name ? [[name, interfaces[name] ?? []] as const] : Object.entries(interfaces);
  let best: { address: string; rank: number } | null = null;
  for (const [, infos] of entries) {
    for (const info of infos ?? []) {
      if (info.internal || familyOf(info) !== family) continue;
      const rank = family === 'ipv4' ? rankV4(info.address) : rankV6(info.address);
      if (rank > 0 && (!best || rank > best.rank)) best = { address: info.address, rank };
    }
  }
  return best?.address ?? null;
}

function familyOf(info: NetworkInterfaceInfo): 'ipv4' | 'ipv6' {
  // Node 18.0–18.3 reported the family as a number.
  const family = info.family as string | number;
  return family === 'IPv4' || family === 4 ? 'ipv4' : 'ipv6';
}

function rankV4(address: string): number {
  if (address.startsWith('127.') || address.startsWith('169.254.')) return 0;
  return 1;
}

function rankV6(address: string): number {
  const first = parseInt(address.split(':')[0] || '0', 16);
  if ((first & 0xffc0) === 0xfe80) return 0; // link-local
  if (address === '::1' || address.startsWith('::')) return 0; // loopback, unspecified, v4-compatible
  if ((first & 0xfe00) === 0xfc00) return 1; // unique local
  return 2; // global
}
