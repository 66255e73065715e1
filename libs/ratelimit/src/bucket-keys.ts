import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { getDomain } from 'tldts';

/** An ACME identifier in canonical form (see `@fleetcert/pki` `canonicalIdentifiers`). */
export interface Identifier {
  type: 'dns' | 'ip';
  value: string;
}

/** Key of the buckets that exist once per account (`newOrdersPerAccount`). */
export const ACCOUNT_KEY = 'account';

/** Identifier sets longer than this are keyed by their hash (an index entry has a size limit). */
const MAX_PLAIN_SET_KEY = 512;

/**
 * What `certificatesPerRegisteredDomain` counts an identifier against, as Let's Encrypt does:
 * a DNS name's registered domain by the Public Suffix List including its private section
 * (`a.b.example.co.uk` → `example.co.uk`, `me.github.io` → `me.github.io`; a name that is
 * itself a public suffix counts as itself), an IPv4 address alone (`192.0.2.7/32`), an IPv6
 * address by its /64 (`2001:db8:1:2::/64`).
 */
export function registeredDomainKey(identifier: Identifier): string {
  if (identifier.type === 'ip') {
    const address = ipaddr.parse(identifier.value);
    if (address.kind() === 'ipv4') return `${address.toString()}/32`;
    const parts = (address as ipaddr.IPv6).parts.slice(0, 4).concat([0, 0, 0, 0]);
    return `${new ipaddr.IPv6(parts).toRFC5952String()}/64`;
  }
  const name = identifier.value.toLowerCase();
  return getDomain(name, { allowPrivateDomains: true }) ?? name;
}

/** The distinct registered-domain keys of an order (a certificate counts once per key). */
export function registeredDomainKeys(identifiers: readonly Identifier[]): string[] {
  return [...new Set(identifiers.map(registeredDomainKey))].sort();
}

/** The key of `certificatesPerExactSet`: the canonical set itself, or `sha256:<hex>` of a very long one. */
export function exactSetKey(identifierSet: string): string {
  if (identifierSet.length <= MAX_PLAIN_SET_KEY) return identifierSet;
  return `sha256:${createHash('sha256').update(identifierSet).digest('hex')}`;
}

/** The key of the per-identifier failure limits: the identifier's value, as the CA names it. */
export function identifierKey(identifier: Identifier): string {
  return identifier.value.toLowerCase();
}
