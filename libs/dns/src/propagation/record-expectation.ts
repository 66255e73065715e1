import ipaddr from 'ipaddr.js';
import { DnsQueryResult } from '../transport/dns-query';
import { InvalidDnsRequestError } from '../errors/invalid-dns-request.error';

/** A record the checker waits for: one value at a name, among possibly several. */
export interface RecordExpectation {
  name: string;
  type: 'TXT' | 'A' | 'AAAA';
  /** The TXT value (character-strings concatenated) or the address. */
  value: string;
}

/** What one nameserver's answer says about the expectation. */
export interface Observation {
  served: boolean;
  /** Human summary of the answer, for timeout errors: `NXDOMAIN`, `TXT "a", "b"`, ... */
  seen: string;
}

/** `TXT _acme-challenge.x.zone = "v"`: how errors name what was awaited. */
export function describeExpectation(expectation: RecordExpectation): string {
  return `${expectation.type} ${expectation.name} = ${JSON.stringify(expectation.value)}`;
}

/** Canonical text of an address, so `2001:DB8:0::1` matches `2001:db8::1`; throws on a bad one. */
export function canonicalAddress(type: 'A' | 'AAAA', address: string): string {
  const valid = type === 'A' ? ipaddr.IPv4.isValidFourPartDecimal(address) : ipaddr.IPv6.isValid(address);
  if (!valid)
    throw new InvalidDnsRequestError(`"${address}" is not an ${type === 'A' ? 'IPv4' : 'IPv6'} address`);
  return ipaddr.parse(address).toString();
}

/**
 * Judges one answer: served only when it is authoritative (AA set: a lame or caching server
 * proves nothing), NOERROR, and the answer section holds the value at that name.
 */
export function observe(result: DnsQueryResult, expectation: RecordExpectation): Observation {
  if (result.rcode !== 'NOERROR') return { served: false, seen: result.rcode };
  if (!result.authoritative) return { served: false, seen: 'non-authoritative answer' };
  const values: string[] = [];
  for (const answer of result.packet.answers ?? []) {
    if (answer.type !== expectation.type || answer.name.toLowerCase() !== expectation.name) continue;
    if (answer.type === 'TXT') {
      const parts = Array.isArray(answer.data) ? answer.data : [answer.data];
      values.push(Buffer.concat(parts.map((p) => Buffer.from(p))).toString('utf8'));
    } else if (answer.type === 'A' || answer.type === 'AAAA') {
      values.push(ipaddr.parse(answer.data).toString());
    }
  }
  const wanted =
    expectation.type === 'TXT' ? expectation.value : canonicalAddress(expectation.type, expectation.value);
  const seen =
    values.length === 0
      ? `no ${expectation.type} record`
      : `${expectation.type} ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return { served: values.includes(wanted), seen };
}
