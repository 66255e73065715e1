import { DnsProvider } from '../dns-provider';
import { Rfc2136Provider } from './rfc2136/rfc2136.provider';
import { Rfc2136ProviderOptions } from './rfc2136/rfc2136.options';

/** Builds a provider from its own options. */
export type DnsProviderFactory<TOptions> = (options: TOptions) => DnsProvider;

/**
 * Every provider, by the name configuration uses. Adding a provider means one folder under
 * `providers/` and one line here; nothing else in the core changes.
 */
export const dnsProviderFactories = {
  rfc2136: (options: Rfc2136ProviderOptions) => new Rfc2136Provider(options),
} satisfies Record<string, DnsProviderFactory<never>>;

export type DnsProviderName = keyof typeof dnsProviderFactories;

/** The options type of the provider called `TName`. */
export type DnsProviderOptions<TName extends DnsProviderName> = Parameters<
  (typeof dnsProviderFactories)[TName]
>[0];

/** Names configuration may use, e.g. to validate a `DNS_PROVIDER` setting. */
export const dnsProviderNames = Object.keys(dnsProviderFactories) as DnsProviderName[];

export function isDnsProviderName(name: string): name is DnsProviderName {
  return Object.hasOwn(dnsProviderFactories, name);
}

/** Creates the provider called `name`; throws `TypeError` for an unknown name. */
export function createDnsProvider<TName extends DnsProviderName>(
  name: TName,
  options: DnsProviderOptions<TName>,
): DnsProvider {
  if (!isDnsProviderName(name)) {
    throw new TypeError(`unknown DNS provider "${String(name)}"; known: ${dnsProviderNames.join(', ')}`);
  }
  const factory: DnsProviderFactory<DnsProviderOptions<TName>> = dnsProviderFactories[name];
  return factory(options);
}
