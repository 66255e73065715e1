import { isIP } from 'node:net';
import type { AddressSource } from './agent-config';

/**
 * Parses the one-line form of an address source used on the command line and in the
 * configuration file: `interface`, `interface:eth0`, `url:https://…`, `command:…`,
 * `static:192.0.2.10`, `none`.
 *
 * @returns the source, or a message saying what is wrong.
 */
export function parseAddressSource(text: string, family: 'ipv4' | 'ipv6'): AddressSource | string {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const arg = colon < 0 ? '' : text.slice(colon + 1);
  switch (kind) {
    case 'none':
      return arg ? 'none takes no argument' : { from: 'none' };
    case 'interface':
      if (arg && !/^[\w.:@-]{1,32}$/.test(arg)) return `"${arg}" is not an interface name`;
      return arg ? { from: 'interface', interface: arg } : { from: 'interface' };
    case 'url': {
      let url: URL;
      try {
        url = new URL(arg);
      } catch {
        return 'url: needs an http(s) URL, e.g. url:https://api.ipify.org';
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'url: must be http(s)';
      return { from: 'url', url: url.toString() };
    }
    case 'command':
      return arg.trim() ? { from: 'command', command: arg } : 'command: needs a command';
    case 'static':
      if (isIP(arg) !== (family === 'ipv4' ? 4 : 6)) return `static: needs an ${family} address`;
      return { from: 'static', address: arg };
    default:
      return `"${text}" is not an address source (interface[:NAME], url:URL, command:CMD, static:ADDRESS, none)`;
  }
}

/** The one-line form of a source (inverse of {@link parseAddressSource}). */
export function formatAddressSource(source: AddressSource): string {
  switch (source.from) {
    case 'none':
      return 'none';
    case 'interface':
      return source.interface ? `interface:${source.interface}` : 'interface';
    case 'url':
      return `url:${source.url}`;
    case 'command':
      return `command:${source.command}`;
    case 'static':
      return `static:${source.address}`;
  }
}
