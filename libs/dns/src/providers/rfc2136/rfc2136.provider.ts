import { randomInt } from 'node:crypto';
import { AddressChange, DnsProvider } from '../../dns-provider';
import { DnsUpdateRefusedError } from '../../errors/dns-update-refused.error';
import { formatEndpoint } from '../../transport/dns-endpoint';
import { exchangeDnsMessage } from '../../transport/dns-exchange';
import { signMessage } from '../../tsig/tsig-sign';
import { verifyMessage } from '../../tsig/tsig-verify';
import { rcodeName } from '../../wire/constants';
import { assertInZone } from '../../wire/dns-name';
import { readHeader } from '../../wire/message-layout';
import { buildUpdateMessage, UpdateRecord } from '../../wire/update-message';
import { addTxt, deleteTxt, replaceAddresses } from './rfc2136-updates';
import { ResolvedRfc2136Options, resolveRfc2136Options, Rfc2136ProviderOptions } from './rfc2136.options';

/**
 * Writes records with RFC 2136 dynamic updates signed with TSIG (RFC 8945): BIND9, Knot,
 * PowerDNS and Windows DNS all accept them.
 *
 * Each call is one UPDATE message, applied atomically by the server; every response must
 * carry a valid TSIG chained to our request before its RCODE is believed.
 *
 * Errors: {@link InvalidDnsRequestError} (refused locally, nothing sent),
 * {@link DnsUnavailableError} (no answer), {@link TsigVerificationError} (signature
 * rejected either way), {@link DnsUpdateRefusedError} (RCODE other than NOERROR).
 */
export class Rfc2136Provider implements DnsProvider {
  // Private field: the key (and its secret) stays out of `inspect`, JSON and errors.
  readonly #options: ResolvedRfc2136Options;

  constructor(options: Rfc2136ProviderOptions) {
    this.#options = resolveRfc2136Options(options);
  }

  /** The zone this provider may change (canonical). */
  get zone(): string {
    return this.#options.zone;
  }

  async presentTxt(fqdn: string, value: string): Promise<void> {
    const name = assertInZone(fqdn, this.#options.zone);
    await this.#update(`add TXT ${name}`, [addTxt(name, value, this.#options.ttl)]);
  }

  async cleanUpTxt(fqdn: string, value: string): Promise<void> {
    const name = assertInZone(fqdn, this.#options.zone);
    await this.#update(`delete TXT ${name}`, [deleteTxt(name, value)]);
  }

  async setAddresses(fqdn: string, addresses: AddressChange): Promise<void> {
    const name = assertInZone(fqdn, this.#options.zone);
    const updates = replaceAddresses(name, addresses, this.#options.ttl);
    if (updates.length === 0) return;
    await this.#update(`set addresses of ${name}`, updates);
  }

  async #update(operation: string, updates: UpdateRecord[]): Promise<void> {
    const { server, port, zone, key, timeoutMs, udpAttempts } = this.#options;
    const endpoint = { host: server, port };
    const request = signMessage(buildUpdateMessage(randomInt(0x10000), zone, updates), key);
    const response = await exchangeDnsMessage(endpoint, request.message, { timeoutMs, udpAttempts });
    verifyMessage(response, key, { requestMac: request.mac });
    const { rcode } = readHeader(response);
    if (rcode !== 0) throw new DnsUpdateRefusedError(formatEndpoint(endpoint), rcodeName(rcode), operation);
  }

  toJSON(): Record<string, unknown> {
    const { key, ...rest } = this.#options;
    return { provider: 'rfc2136', ...rest, key: key.toJSON() };
  }
}
