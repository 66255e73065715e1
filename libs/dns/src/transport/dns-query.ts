import { randomInt } from 'node:crypto';
import * as dnsPacket from 'dns-packet';
import { DnsUnavailableError } from '../errors/dns-unavailable.error';
import { rcodeName } from '../wire/constants';
import { readHeader } from '../wire/message-layout';
import { DnsEndpoint, formatEndpoint } from './dns-endpoint';
import { DnsExchangeOptions, exchangeDnsMessage } from './dns-exchange';

/** Record types the library queries. */
export type DnsQueryType = 'A' | 'AAAA' | 'TXT' | 'NS' | 'SOA';

export interface DnsQueryOptions extends DnsExchangeOptions {
  /** Set RD: `true` to ask a recursive resolver, `false` (default) to ask an authoritative server directly. */
  recursionDesired?: boolean;
}

export interface DnsQueryResult {
  /** RCODE mnemonic, e.g. `NOERROR`, `NXDOMAIN`, `REFUSED`. */
  rcode: string;
  /** AA flag: the server answered from its own zone data. */
  authoritative: boolean;
  /** The decoded response (dns-packet's shape). */
  packet: dnsPacket.DecodedPacket;
}

/** Asks `endpoint` one question (class IN) and returns the decoded answer, whatever its RCODE. */
export async function queryDns(
  endpoint: DnsEndpoint,
  name: string,
  type: DnsQueryType,
  options: DnsQueryOptions = {},
): Promise<DnsQueryResult> {
  const request = dnsPacket.encode({
    type: 'query',
    id: randomInt(0x10000),
    flags: options.recursionDesired ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ name, type, class: 'IN' }],
  });
  const response = await exchangeDnsMessage(endpoint, request, options);
  try {
    const header = readHeader(response);
    return { rcode: rcodeName(header.rcode), authoritative: header.aa, packet: dnsPacket.decode(response) };
  } catch (error) {
    throw new DnsUnavailableError(formatEndpoint(endpoint), `malformed answer: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
