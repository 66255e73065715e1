import { BadRequestException } from '@nestjs/common';
import ipaddr from 'ipaddr.js';

/**
 * Canonical text of an address a device reports for its A/AAAA record (RFC 5952 for
 * IPv6), or a 400 for addresses no host can have. Private ranges are allowed on
 * purpose: the name is meant to resolve inside the customer's own network.
 */
export function canonicalAddress(family: 'ipv4' | 'ipv6', value: string): string {
  const addr = ipaddr.parse(value);
  const range = addr.range();
  if (
    ['unspecified', 'multicast', 'broadcast', 'reserved'].includes(range) &&
    !(family === 'ipv6' && range === 'reserved')
  ) {
    throw new BadRequestException(
      `${family} ${value} is a ${range} address, not one a device can be reached at`,
    );
  }
  if (family === 'ipv6' && (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052')) {
    throw new BadRequestException(`ipv6 ${value} embeds an IPv4 address; report it as ipv4 instead`);
  }
  return addr.toString();
}
