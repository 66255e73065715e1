import { isIP } from 'node:net';
import { DnsUnavailableError } from '../errors/dns-unavailable.error';
import { DnsEndpoint, formatEndpoint, parseEndpoint } from '../transport/dns-endpoint';
import { queryDns } from '../transport/dns-query';

/** One authoritative server address to poll. */
export interface Nameserver {
  /** How errors name it: `ns1.example.com (192.0.2.1:53)`, or `host:port` for an override. */
  label: string;
  /** `undefined` when the NS name has no address at all: it can never be checked, so it always lags. */
  endpoint: DnsEndpoint | undefined;
}

export interface DiscoveryOptions {
  port: number;
  families: ReadonlyArray<4 | 6>;
  queryTimeoutMs: number;
}

/** The explicit `host:port` list, as nameservers. */
export function configuredNameservers(list: readonly string[]): Nameserver[] {
  return list.map((entry) => {
    const endpoint = parseEndpoint(entry);
    return { label: formatEndpoint(endpoint), endpoint };
  });
}

/**
 * Finds every address of every authoritative nameserver of `zone`: the NS RRset from
 * `resolver`, then each name's A/AAAA from the glue in that answer or, failing that, from
 * `resolver` again. Throws {@link DnsUnavailableError} when the resolver cannot tell.
 */
export async function discoverNameservers(
  zone: string,
  resolver: DnsEndpoint,
  options: DiscoveryOptions,
): Promise<Nameserver[]> {
  const query = { recursionDesired: true, timeoutMs: options.queryTimeoutMs };
  const label = formatEndpoint(resolver);
  const answer = await queryDns(resolver, zone, 'NS', query);
  if (answer.rcode !== 'NOERROR') {
    throw new DnsUnavailableError(label, `NS query for "${zone}" answered ${answer.rcode}`);
  }
  const names = new Set<string>();
  for (const rr of answer.packet.answers ?? []) {
    if (rr.type === 'NS' && rr.name.toLowerCase() === zone)
      names.add(rr.data.toLowerCase().replace(/\.$/, ''));
  }
  if (names.size === 0) throw new DnsUnavailableError(label, `no NS records for "${zone}"`);

  const glue = new Map<string, string[]>();
  for (const rr of answer.packet.additionals ?? []) {
    if (rr.type !== 'A' && rr.type !== 'AAAA') continue;
    const owner = rr.name.toLowerCase();
    glue.set(owner, [...(glue.get(owner) ?? []), rr.data]);
  }

  const perName = await Promise.all(
    [...names].map(async (name) => {
      const known = glue.get(name) ?? [];
      const addresses: string[] = [];
      for (const family of [4, 6] as const) {
        const fromGlue = known.filter((address) => isIP(address) === family);
        if (fromGlue.length > 0) {
          addresses.push(...fromGlue);
          continue;
        }
        const result = await queryDns(resolver, name, family === 4 ? 'A' : 'AAAA', query);
        for (const rr of result.packet.answers ?? []) {
          if ((rr.type === 'A' || rr.type === 'AAAA') && isIP(rr.data) === family) addresses.push(rr.data);
        }
      }
      return { name, addresses: [...new Set(addresses)] };
    }),
  );

  const nameservers: Nameserver[] = [];
  for (const { name, addresses } of perName) {
    if (addresses.length === 0) {
      nameservers.push({ label: `${name} (no address)`, endpoint: undefined });
      continue;
    }
    // Families the operator excluded (e.g. no IPv6 route from here) are skipped on purpose.
    for (const address of addresses.filter((a) => options.families.includes(isIP(a) as 4 | 6))) {
      const endpoint = { host: address, port: options.port };
      nameservers.push({ label: `${name} (${formatEndpoint(endpoint)})`, endpoint });
    }
  }
  if (nameservers.length === 0) {
    throw new DnsUnavailableError(label, `no nameserver of "${zone}" has an address in the allowed families`);
  }
  return nameservers;
}
