import { AsnConvert } from '@peculiar/asn1-schema';
import { Extension, GeneralName, SubjectAlternativeName, id_ce_subjectAltName } from '@peculiar/asn1-x509';
import { canonicalIp } from '../identifiers';

/** The names of a SubjectAltName extension, sorted by kind. */
export interface SubjectAltNames {
  /** dNSName entries exactly as written (not normalised: policy decides what to accept). */
  dnsNames: string[];
  /** iPAddress entries in canonical text ({@link canonicalIp}). */
  ipAddresses: string[];
  /** Kinds of any other entries present, each once: `email`, `uri`, `otherName`, ... */
  otherTypes: string[];
}

/**
 * Reads the SubjectAltName extension from a list of extensions (absent → all lists empty).
 *
 * @throws RangeError when the extension appears twice (RFC 5280 §4.2 forbids it, and two
 *   parsers could each pick a different one) or an IP entry is not 4 or 16 bytes.
 */
export function readSubjectAltNames(extensions: readonly Extension[]): SubjectAltNames {
  const sans = extensions.filter((e) => e.extnID === id_ce_subjectAltName);
  if (sans.length > 1) throw new RangeError('more than one subjectAltName extension');
  const result: SubjectAltNames = { dnsNames: [], ipAddresses: [], otherTypes: [] };
  if (sans.length === 0) return result;
  const other = new Set<string>();
  for (const name of AsnConvert.parse(sans[0].extnValue.buffer, SubjectAlternativeName)) {
    if (name.dNSName !== undefined) result.dnsNames.push(name.dNSName);
    else if (name.iPAddress !== undefined) result.ipAddresses.push(readIp(name.iPAddress));
    else other.add(otherKind(name));
  }
  result.otherTypes = [...other];
  return result;
}

function readIp(text: string): string {
  // The ASN.1 layer already turned the bytes into text; lengths other than 4 or 16 come
  // out as CIDR or hex, which canonicalIp refuses.
  try {
    return canonicalIp(text);
  } catch {
    throw new RangeError(`iPAddress entry '${text}' is not a 4- or 16-byte address`);
  }
}

function otherKind(name: GeneralName): string {
  if (name.rfc822Name !== undefined) return 'email';
  if (name.uniformResourceIdentifier !== undefined) return 'uri';
  if (name.otherName !== undefined) return 'otherName';
  if (name.directoryName !== undefined) return 'directoryName';
  if (name.registeredID !== undefined) return 'registeredID';
  if (name.ediPartyName !== undefined) return 'ediPartyName';
  return 'x400Address';
}
