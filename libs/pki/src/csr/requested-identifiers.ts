import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { CertificateIdentifier, canonicalIdentifiers, normalizeDnsName } from '../identifiers';
import { CsrError } from './csr-error';
import { ParsedCsr } from './parse-csr';

const MAX_COMMON_NAME_LENGTH = 64;

/**
 * The identifiers a CSR asks for, canonical and de-duplicated, after the checks on how it
 * names them: only DNS and IP SANs, no IP address in the Common Name, a Common Name (if
 * any) of at most 64 characters that is also a DNS SAN, no wildcard.
 *
 * Names are compared in canonical form ({@link normalizeDnsName}), so `Device.Example.COM`
 * matches `device.example.com`. But the CSR itself is what the CA reads at finalize, and it
 * refuses a name written with a trailing dot or in Unicode (Go's parser rejects non-ASCII
 * dNSNames; Boulder rejects names ending in a dot). Such a CSR is refused here as
 * `malformed`, with the spelling to use, rather than accepted and failed by the CA after the
 * authorizations were spent. Upper case is fine: the CA lower-cases too.
 *
 * @throws CsrError `forbidden-san-type`, `ip-in-common-name`, `wildcard`, `malformed`,
 *   `common-name-not-in-sans`.
 */
export function requestedIdentifiers(csr: ParsedCsr): CertificateIdentifier[] {
  if (csr.otherSanTypes.length > 0) {
    const kind = csr.otherSanTypes[0];
    throw new CsrError(
      'forbidden-san-type',
      `the CSR has a Subject Alternative Name of type ${kind}: request only DNS names and IP addresses`,
      kind,
    );
  }
  const dnsNames = new Set(csr.dnsNames.map(canonicalDnsName));
  const cn = csr.subjectCommonName;
  if (cn !== undefined) {
    if (looksLikeIp(cn)) {
      throw new CsrError(
        'ip-in-common-name',
        `the Common Name '${cn}' is an IP address: leave the Common Name empty and put the address in an IP SAN`,
        cn,
      );
    }
    if (cn.length > MAX_COMMON_NAME_LENGTH) {
      // X.520's upper bound for a Common Name; Boulder refuses longer ones as badCSR.
      throw new CsrError(
        'malformed',
        `the Common Name is longer than ${MAX_COMMON_NAME_LENGTH} characters: leave the Common Name empty (the SANs are what count)`,
        cn,
      );
    }
    if (!dnsNames.has(canonicalDnsName(cn))) {
      throw new CsrError(
        'common-name-not-in-sans',
        `the Common Name '${cn}' is not among the DNS SANs: add it as a DNS SAN or leave the Common Name empty`,
        cn,
      );
    }
  }
  return canonicalIdentifiers([
    ...[...dnsNames].map((value) => ({ type: 'dns' as const, value })),
    ...csr.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ]);
}

/** A DNS name from the CSR in canonical form, refusing spellings the CA refuses. */
function canonicalDnsName(written: string): string {
  if (written.includes('*')) {
    throw new CsrError(
      'wildcard',
      `'${written}' is a wildcard: request the device's own name(s); wildcard certificates are not issued`,
      written,
    );
  }
  let canonical: string;
  try {
    canonical = normalizeDnsName(written);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CsrError(
      'malformed',
      `${why}: request DNS names as LDH host names (IP addresses go in IP SANs)`,
      written,
    );
  }
  // Checked after normalising so that the message can name the spelling to use.
  if (written.endsWith('.') || /[^\x20-\x7e]/.test(written)) {
    throw new CsrError(
      'malformed',
      `'${written}' is refused by the CA as written: write it as '${canonical}' (no trailing dot, IDNs as A-labels)`,
      written,
    );
  }
  return canonical;
}

function looksLikeIp(name: string): boolean {
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  // ipaddr.js also reads the short and hex IPv4 forms (`127.1`, `0x7f000001`) that
  // browsers and inet_aton accept.
  return isIP(bare) !== 0 || ipaddr.isValid(bare);
}
