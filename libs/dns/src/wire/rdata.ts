import ipaddr from 'ipaddr.js';
import { InvalidDnsRequestError } from '../errors/invalid-dns-request.error';

const MAX_CHARACTER_STRING = 255;
const MAX_RDATA = 0xffff;

/**
 * TXT RDATA for one value: its UTF-8 bytes split into character-strings of at most 255
 * octets (RFC 1035 §3.3.14). The split is deterministic, so removing a value later
 * produces byte-identical RDATA, which is what RFC 2136 matches on.
 */
export function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  let offset = 0;
  do {
    const chunk = bytes.subarray(offset, offset + MAX_CHARACTER_STRING);
    parts.push(Buffer.from([chunk.length]), chunk);
    offset += MAX_CHARACTER_STRING;
  } while (offset < bytes.length);
  const rdata = Buffer.concat(parts);
  if (rdata.length > MAX_RDATA)
    throw new InvalidDnsRequestError(`TXT value too long (${bytes.length} bytes)`);
  return rdata;
}

/** A RDATA; throws {@link InvalidDnsRequestError} unless `address` is a dotted-quad IPv4 address. */
export function aRdata(address: string): Buffer {
  if (!ipaddr.IPv4.isValidFourPartDecimal(address)) {
    throw new InvalidDnsRequestError(`"${address}" is not an IPv4 address`);
  }
  return Buffer.from(ipaddr.IPv4.parse(address).toByteArray());
}

/** AAAA RDATA; throws {@link InvalidDnsRequestError} unless `address` is an IPv6 address without zone id. */
export function aaaaRdata(address: string): Buffer {
  if (!ipaddr.IPv6.isValid(address) || address.includes('%')) {
    throw new InvalidDnsRequestError(`"${address}" is not an IPv6 address`);
  }
  return Buffer.from(ipaddr.IPv6.parse(address).toByteArray());
}
