import { isIP } from 'node:net';
import type { DeviceView, Identifier } from '../api/device-api.types';
import type { CertificateKind } from '../config/agent-config';
import { isPublicAddress } from '../addresses/public-address';

/** What one certificate should name, or why the device needs none of this kind right now. */
export type WantedIdentifiers = { identifiers: Identifier[] } | { none: string };

/**
 * The identifiers of each kind, from what the server has on record for the device (the
 * server accepts a CSR only for those): the DNS certificate names the device's hostname;
 * the IP certificate names its public addresses and nothing else, so that no certificate
 * ever ties the name to the address (the privacy guard). Private addresses are left out
 * unless `includeNonPublic` (a private ACME CA that validates inside the network).
 */
export function wantedIdentifiers(
  kind: CertificateKind,
  device: DeviceView,
  opts: { includeNonPublic: boolean },
): WantedIdentifiers {
  if (kind === 'dns') return { identifiers: [{ type: 'dns', value: device.hostname }] };
  const addresses = [device.addresses.ipv4, device.addresses.ipv6].filter(
    (a): a is string => typeof a === 'string' && isIP(a) !== 0,
  );
  const usable = addresses.filter((a) => opts.includeNonPublic || isPublicAddress(a));
  if (usable.length === 0) {
    return {
      none:
        addresses.length === 0
          ? 'the server has no address on record for this device'
          : `no public address on record (${addresses.join(', ')}): a CA can only validate a public one`,
    };
  }
  return { identifiers: usable.map((value) => ({ type: 'ip', value })) };
}
