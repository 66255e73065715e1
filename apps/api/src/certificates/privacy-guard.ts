import { UnprocessableEntityException } from '@nestjs/common';
import type { CertificateIdentifier } from '@fleetcert/pki';

/** The two kinds of certificate a device can hold; a home fleet keeps them apart. */
export type IdentifierKind = 'dns' | 'ip';

export function kindOf(identifiers: readonly CertificateIdentifier[]): IdentifierKind | 'mixed' {
  const kinds = new Set(identifiers.map((i) => i.type));
  return kinds.size > 1 ? 'mixed' : (identifiers[0].type as IdentifierKind);
}

export function kindOfSet(identifierSet: string): IdentifierKind | 'mixed' {
  const kinds = new Set(identifierSet.split(',').map((i) => i.slice(0, i.indexOf(':'))));
  return kinds.size > 1 ? 'mixed' : (identifierSet.slice(0, identifierSet.indexOf(':')) as IdentifierKind);
}

/**
 * Certificate Transparency logs every certificate forever. In a home fleet a certificate
 * naming both the device and its home IP would publish, permanently, where that device
 * (and its owner) lives. Refused unless the fleet explicitly allows it.
 */
export function refuseMixedIdentifiers(identifiers: readonly CertificateIdentifier[]): never {
  const ips = identifiers.filter((i) => i.type === 'ip').map((i) => i.value);
  throw new UnprocessableEntityException(
    `This CSR mixes DNS names and IP addresses (${ips.join(', ')}). Certificate Transparency logs every ` +
      'certificate publicly and forever, so one certificate with both would tie the device name to its home ' +
      'address for anyone to see. Request one certificate for the name and another, with a different key, for ' +
      "the address — or, if the fleet's devices are not in homes, an operator can allow mixed identifiers for the fleet.",
  );
}

/** The same public key in a DNS and an IP certificate links them just as well as one certificate would. */
export function refuseKeyReuse(kind: IdentifierKind): never {
  const other = kind === 'dns' ? 'IP address' : 'DNS name';
  throw new UnprocessableEntityException(
    `This CSR's public key is already used by this device's ${other} certificate. In Certificate Transparency ` +
      'the shared key would link the two; generate a separate key for each kind of certificate.',
  );
}

/**
 * When a device's certificate of the other kind was issued at `otherAt`, the new one waits a
 * random delay drawn from [min, max] after it, so that CT timestamps do not pair them.
 */
export function privacyDelayUntil(
  otherAt: Date,
  range: { min: number; max: number },
  now = Date.now(),
): Date | null {
  const delay = range.min + Math.random() * (range.max - range.min);
  const until = otherAt.getTime() + delay;
  return until > now ? new Date(until) : null;
}
