import { isIP } from 'node:net';

// Ranges a public CA will never validate (RFC 6890 special-purpose registries, the
// parts relevant to hosts), as [first address, prefix length].
const NON_PUBLIC_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
];

/**
 * Whether an address is publicly routable, i.e. one a CA on the internet can connect to:
 * IPv4 outside the private, shared, loopback, link-local, documentation, benchmarking and
 * multicast ranges; IPv6 inside global unicast 2000::/3 minus documentation 2001:db8::/32.
 */
export function isPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) {
    const value = v4(address);
    return !NON_PUBLIC_V4.some(([base, bits]) => value >>> (32 - bits) === v4(base) >>> (32 - bits));
  }
  if (version === 6) {
    const groups = expandV6(address);
    if (groups[0] >> 13 !== 0b001) return false; // not 2000::/3
    if (groups[0] === 0x2001 && groups[1] === 0x0db8) return false; // documentation
    return true;
  }
  return false;
}

function v4(address: string): number {
  return address.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail is converted). */
function expandV6(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const n = v4(tail[1]);
    text = text.slice(0, -tail[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16));
}
