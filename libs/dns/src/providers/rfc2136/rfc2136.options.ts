import { TsigKey, TsigKeyOptions } from '../../tsig/tsig-key';
import { normalizeDnsName } from '../../wire/dns-name';
import { DEFAULT_DNS_TIMEOUT_MS } from '../../transport/dns-exchange';

/** Configuration of an {@link Rfc2136Provider}. */
export interface Rfc2136ProviderOptions {
  /** The primary nameserver that accepts dynamic updates for the zone: IP address or host name. */
  server: string;
  /** Its port. Default `53`. */
  port?: number;
  /**
   * The zone to change, e.g. `devices.example.com` (the zone section of every UPDATE names
   * its SOA). Names outside it are refused before anything is sent.
   */
  zone: string;
  /** TTL in seconds of every record written. Default `60`: challenge and device records change often. */
  ttl?: number;
  /**
   * The TSIG key every update is signed with (as printed by `tsig-keygen`). The server's
   * `update-policy` should let it change only what libs/dns/README.md lists.
   */
  tsig: TsigKeyOptions;
  /**
   * Budget in ms for one update, including UDP retransmissions and a TCP fallback. Past it,
   * {@link DnsUnavailableError}. Default `5000`.
   */
  timeoutMs?: number;
  /** UDP transmissions per update (updates are idempotent, so resending is safe). Default `3`. */
  udpAttempts?: number;
}

/** {@link Rfc2136ProviderOptions} validated, canonicalised and with defaults applied. */
export interface ResolvedRfc2136Options {
  server: string;
  port: number;
  zone: string;
  ttl: number;
  key: TsigKey;
  timeoutMs: number;
  udpAttempts: number;
}

export const RFC2136_DEFAULTS = {
  port: 53,
  ttl: 60,
  timeoutMs: DEFAULT_DNS_TIMEOUT_MS,
  udpAttempts: 3,
} as const;

/**
 * Validates options at construction, so a misconfiguration fails at boot rather than at the
 * first certificate. Throws `TypeError`; messages never include the secret.
 */
export function resolveRfc2136Options(options: Rfc2136ProviderOptions): ResolvedRfc2136Options {
  if (typeof options.server !== 'string' || options.server.trim() === '') {
    throw new TypeError('rfc2136: server is required');
  }
  const port = options.port ?? RFC2136_DEFAULTS.port;
  integer('port', port, 1, 65535);
  const ttl = options.ttl ?? RFC2136_DEFAULTS.ttl;
  integer('ttl', ttl, 0, 2 ** 31 - 1);
  const timeoutMs = options.timeoutMs ?? RFC2136_DEFAULTS.timeoutMs;
  integer('timeoutMs', timeoutMs, 1, 10 * 60_000);
  const udpAttempts = options.udpAttempts ?? RFC2136_DEFAULTS.udpAttempts;
  integer('udpAttempts', udpAttempts, 1, 10);
  if (!options.tsig) throw new TypeError('rfc2136: tsig key is required');
  let zone: string;
  try {
    zone = normalizeDnsName(options.zone ?? '');
  } catch (error) {
    throw new TypeError(`rfc2136: zone: ${(error as Error).message}`, { cause: error });
  }
  return {
    server: options.server.trim(),
    port,
    zone,
    ttl,
    key: new TsigKey(options.tsig),
    timeoutMs,
    udpAttempts,
  };
}

function integer(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`rfc2136: ${name} must be an integer from ${min} to ${max}`);
  }
}
