import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { DnsUnavailableError } from '../errors/dns-unavailable.error';
import { DnsEndpoint, formatEndpoint } from './dns-endpoint';

/** An endpoint whose host is an IP address, with its family. */
export interface ResolvedEndpoint {
  address: string;
  family: 4 | 6;
  port: number;
}

/**
 * Turns the endpoint's host into an address: IP literals as they are, host names through
 * the system resolver (as `dgram`/`net` would, but once, so UDP retries and the TCP
 * fallback reach the same address).
 */
export async function resolveEndpoint(endpoint: DnsEndpoint): Promise<ResolvedEndpoint> {
  const literal = isIP(endpoint.host);
  if (literal === 4 || literal === 6) return { address: endpoint.host, family: literal, port: endpoint.port };
  try {
    const { address, family } = await lookup(endpoint.host);
    return { address, family: family === 6 ? 6 : 4, port: endpoint.port };
  } catch (error) {
    throw new DnsUnavailableError(formatEndpoint(endpoint), `cannot resolve "${endpoint.host}"`, {
      cause: error,
    });
  }
}
