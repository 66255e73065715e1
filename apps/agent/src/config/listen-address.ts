import { isIP } from 'node:net';

/**
 * Splits `host:port` (IPv6 hosts in brackets: `[::]:80`) as the responder's `listen`
 * setting takes it. Returns a message instead when the text is not such an address.
 */
export function parseListenAddress(text: string): { host: string; port: number } | string {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) return `"${text}" is not host:port (IPv6 in brackets, e.g. [::]:80)`;
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (port > 65535) return `port ${port} is out of range`;
  if (match[1] !== undefined && isIP(host) !== 6) return `"${host}" is not an IPv6 address`;
  if (match[2] !== undefined && isIP(host) === 0 && !/^[a-zA-Z0-9.-]+$/.test(host)) {
    return `"${host}" is not a host name or address`;
  }
  return { host, port };
}
