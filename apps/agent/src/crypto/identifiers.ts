import { isIP } from 'node:net';
import type { Identifier } from '../api/device-api.types';

/**
 * Canonical text of an identifier, so that sets can be compared: DNS names lower-case
 * without a trailing dot, IPv4 as is, IPv6 compressed lower-case (RFC 5952, through the
 * URL parser, which implements exactly that).
 */
export function canonicalIdentifier(id: Identifier): Identifier {
  if (id.type === 'dns') return { type: 'dns', value: id.value.toLowerCase().replace(/\.$/, '') };
  const version = isIP(id.value);
  if (version === 6) return { type: 'ip', value: new URL(`http://[${id.value}]/`).hostname.slice(1, -1) };
  return { type: 'ip', value: id.value };
}

/** A stable key of an identifier set, whatever the order and spelling. */
export function identifierSetKey(ids: readonly Identifier[]): string {
  return ids
    .map(canonicalIdentifier)
    .map((i) => `${i.type}:${i.value}`)
    .sort()
    .join(',');
}

export function sameIdentifiers(a: readonly Identifier[], b: readonly Identifier[]): boolean {
  return identifierSetKey(a) === identifierSetKey(b);
}

/** `dns:a.example, ip:192.0.2.1` for messages. */
export function describeIdentifiers(ids: readonly Identifier[]): string {
  return ids.map((i) => i.value).join(', ');
}
