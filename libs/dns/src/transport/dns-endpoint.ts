import { isIP } from 'node:net';

/** Where a DNS server listens. */
export interface DnsEndpoint {
  /** IP address or host name. */
  host: string;
  port: number;
}

/** `host:port`, with brackets around IPv6 addresses: how endpoints appear in errors. */
export function formatEndpoint(endpoint: DnsEndpoint): string {
  return isIP(endpoint.host) === 6
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`;
}

/**
 * Parses `host`, `host:port`, `1.2.3.4:5353`, `[2001:db8::1]:5353` or a bare IPv6 address.
 * Throws `TypeError` on anything else (this validates configuration).
 */
export function parseEndpoint(text: string, defaultPort = 53): DnsEndpoint {
  const value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  let host: string;
  let port: string | undefined;
  if (bracketed) {
    [, host, port] = bracketed;
    if (isIP(host) !== 6) throw new TypeError(`"${text}" is not host:port (bracketed part is not IPv6)`);
  } else if (isIP(value) === 6) {
    host = value;
  } else {
    const match = /^([A-Za-z0-9._-]+)(?::(\d+))?$/.exec(value);
    if (!match) throw new TypeError(`"${text}" is not host:port`);
    [, host, port] = match;
  }
  const portNumber = port === undefined ? defaultPort : Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
    throw new TypeError(`"${text}" has an invalid port`);
  }
  return { host, port: portNumber };
}
