import { CertificateIdentifier, canonicalIp, normalizeDnsName } from '../identifiers';
import { CsrError } from './csr-error';
import { checkNotAccountKey, checkPublicKey } from './key-policy';
import { ParsedCsr } from './parse-csr';
import { requestedIdentifiers } from './requested-identifiers';
import { checkSignature } from './signature-policy';

/** What one device may ask for. */
export interface CsrPolicy {
  /** The device's DNS names on record (any spelling; compared canonically). */
  allowedDnsNames: string[];
  /** The device's IP addresses on record (any valid spelling; compared canonically). */
  allowedIps: string[];
  /** Most identifiers in one CSR: the ACME profile's limit (100 classic, 25 tlsserver/shortlived). */
  maxIdentifiers: number;
  /** SPKI SHA-256 fingerprints (hex) of the ACME account key(s), which must never be a certificate key. */
  forbiddenPublicKeySha256?: string[];
}

/**
 * Applies Let's Encrypt's CSR checks plus "only this device's identifiers" (DESIGN.md,
 * security baseline), and returns what the order must contain.
 *
 * Checks run cheapest-to-explain first, as the CA does: the key, the signature algorithm and
 * signature, the account key, how names are written, how many there are, whose they are.
 *
 * @returns the requested identifiers, canonical and de-duplicated: DNS names sorted, then IP
 *   addresses sorted — the order to put in `newOrder`.
 * @throws CsrError on the first refusal (see {@link CSR_ERROR_HTTP_STATUS} for the codes).
 * @throws RangeError when the policy itself holds an invalid name or address (a server bug,
 *   not a device error).
 */
export function checkCsr(csr: ParsedCsr, policy: CsrPolicy): CertificateIdentifier[] {
  checkPublicKey(csr);
  checkSignature(csr);
  // After the signature: only a proven holder of the key learns that it is the account key.
  checkNotAccountKey(csr, policy.forbiddenPublicKeySha256);
  const identifiers = requestedIdentifiers(csr);
  if (identifiers.length === 0) {
    throw new CsrError(
      'no-identifiers',
      "the CSR names no DNS name or IP address: put the device's name in a DNS SAN",
    );
  }
  if (identifiers.length > policy.maxIdentifiers) {
    throw new CsrError(
      'too-many-identifiers',
      `the CSR asks for ${identifiers.length} distinct identifiers; at most ${policy.maxIdentifiers} are allowed`,
    );
  }
  checkOwnIdentifiers(identifiers, policy);
  return identifiers;
}

function checkOwnIdentifiers(identifiers: readonly CertificateIdentifier[], policy: CsrPolicy): void {
  const dns = new Set(policy.allowedDnsNames.map(normalizeDnsName));
  const ips = new Set(policy.allowedIps.map(canonicalIp));
  for (const { type, value } of identifiers) {
    if (type === 'dns' && !dns.has(value)) {
      throw new CsrError(
        'foreign-identifier',
        `'${value}' is not a name of this device: request only the name(s) assigned to it`,
        value,
      );
    }
    if (type === 'ip' && !ips.has(value)) {
      throw new CsrError(
        'foreign-identifier',
        `'${value}' is not an address on record for this device: report the address first, then request it`,
        value,
      );
    }
  }
}
