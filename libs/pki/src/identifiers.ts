import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';

/** One ACME identifier (RFC 8555 §9.7.7, RFC 8738), always in canonical form. */
export interface CertificateIdentifier {
  type: 'dns' | 'ip';
  value: string;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const FOUR_PART_DECIMAL = /^(?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3}$/;

/**
 * Canonical form of a DNS name: lower-case, one trailing dot removed, IDN U-labels
 * converted to A-labels (`ünicode.example` → `xn--nicode-2ya.example`, UTS #46 as in
 * WHATWG URL), then checked as an LDH host name of at most 253 characters.
 *
 * Wildcards are not valid here: they are never a device's own name.
 *
 * @throws RangeError when the name is not a valid host name, or looks like an IP address
 *   (WHATWG would rewrite `127.1` to `127.0.0.1`; a CA refuses it as a DNS name).
 */
export function normalizeDnsName(name: string): string {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed.includes('*')) throw new RangeError(`'${name}' is a wildcard, not a host name`);
  const lastLabel = trimmed.slice(trimmed.lastIndexOf('.') + 1);
  // Checked before domainToASCII, which turns numeric hosts into IPv4 addresses.
  if (isIP(trimmed) !== 0 || /^(?:\d+|0x[0-9a-f]*)$/i.test(lastLabel)) {
    throw new RangeError(`'${name}' is an IP address or ends in a number, not a host name`);
  }
  const ascii = domainToASCII(trimmed);
  if (ascii === '' || ascii.length > 253 || !ascii.split('.').every((label) => LABEL.test(label))) {
    throw new RangeError(`'${name}' is not a valid host name`);
  }
  return ascii;
}

/**
 * Canonical text of an IP address: dotted decimal for IPv4, RFC 5952 for IPv6
 * (`2001:DB8:0:0:0:0:0:1` → `2001:db8::1`), so that one address has one spelling.
 *
 * Only the spellings a CA accepts are parsed: four-part decimal IPv4 without leading zeros
 * (not `127.1`, `0x7f.0.0.1` or `010.0.0.1`, which other parsers read differently) and
 * IPv6 without a zone (`%eth0` names a local interface, not an address).
 *
 * @throws RangeError when the text is not such an address.
 */
export function canonicalIp(address: string): string {
  if (FOUR_PART_DECIMAL.test(address) && ipaddr.IPv4.isValid(address))
    return ipaddr.IPv4.parse(address).toString();
  if (!address.includes('%') && ipaddr.IPv6.isValid(address))
    return ipaddr.IPv6.parse(address).toRFC5952String();
  throw new RangeError(`'${address}' is not an IPv4 or IPv6 address`);
}

/**
 * Canonicalises, de-duplicates and orders identifiers: DNS names first, then IP addresses,
 * each sorted by code unit (locale-independent, so every process agrees on the order).
 *
 * @throws RangeError from {@link normalizeDnsName} / {@link canonicalIp}.
 */
export function canonicalIdentifiers(ids: readonly CertificateIdentifier[]): CertificateIdentifier[] {
  const dns = new Set<string>();
  const ip = new Set<string>();
  for (const id of ids) {
    if (id.type === 'dns') dns.add(normalizeDnsName(id.value));
    else if (id.type === 'ip') ip.add(canonicalIp(id.value));
    else throw new RangeError(`unknown identifier type '${(id as { type: unknown }).type}'`);
  }
  const sorted = (values: Set<string>) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    ...sorted(dns).map((value) => ({ type: 'dns' as const, value })),
    ...sorted(ip).map((value) => ({ type: 'ip' as const, value })),
  ];
}

/**
 * The key of an identifier set, e.g. `dns:a.example.com,ip:192.0.2.1`: the same for any
 * spelling or order of the same identifiers. Used as the CA's "new certificates per exact
 * set of identifiers" rate-limit key and to recognise renewals of exactly the same set.
 *
 * @throws RangeError from {@link canonicalIdentifiers}.
 */
export function identifierSetKey(ids: readonly CertificateIdentifier[]): string {
  return canonicalIdentifiers(ids)
    .map((id) => `${id.type}:${id.value}`)
    .join(',');
}
