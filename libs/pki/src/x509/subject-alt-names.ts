import { canonicalIp } from '../identifiers';
import {
  DER,
  DerElement,
  assertWellFormedDer,
  derChildren,
  derContent,
  expectDerTag,
  readOid,
  readSingleDerElement,
} from './der';

/** The names of a SubjectAltName extension, sorted by kind. */
export interface SubjectAltNames {
  /** dNSName entries exactly as written (not normalised: policy decides what to accept). */
  dnsNames: string[];
  /** iPAddress entries in canonical text ({@link canonicalIp}). */
  ipAddresses: string[];
  /** Kinds of any other entries present, each once: `email`, `uri`, `otherName`, ... */
  otherTypes: string[];
}

export const SUBJECT_ALT_NAME = '2.5.29.17';

const DNS_NAME = 0x82; // [2] IMPLICIT IA5String
const IP_ADDRESS = 0x87; // [7] IMPLICIT OCTET STRING
const DIRECTORY_NAME = 0xa4; // [4] EXPLICIT Name (a CHOICE, so explicit)
const REGISTERED_ID = 0x88; // [8] IMPLICIT OBJECT IDENTIFIER

/** The other GeneralName choices (RFC 5280 §4.2.1.6, implicitly tagged), by their tag octet. */
const OTHER_KINDS: Readonly<Record<number, string>> = {
  0xa0: 'otherName', // [0] IMPLICIT SEQUENCE
  0x81: 'email', // [1] IMPLICIT IA5String
  0xa3: 'x400Address', // [3] IMPLICIT SEQUENCE
  [DIRECTORY_NAME]: 'directoryName',
  0xa5: 'ediPartyName', // [5] IMPLICIT SEQUENCE
  0x86: 'uri', // [6] IMPLICIT IA5String
  [REGISTERED_ID]: 'registeredID',
};

/**
 * Reads the SubjectAltName extension from a list of extensions (absent → all lists empty).
 *
 * @throws RangeError when the extension appears twice (RFC 5280 §4.2 forbids it, and two
 *   parsers could each pick a different one), its value is not exactly one GeneralNames, an
 *   entry is of no GeneralName kind, or an IP entry is not 4 or 16 bytes.
 */
export function readSubjectAltNames(extensions: readonly { oid: string; value: Buffer }[]): SubjectAltNames {
  const sans = extensions.filter((e) => e.oid === SUBJECT_ALT_NAME);
  if (sans.length > 1) throw new RangeError('more than one subjectAltName extension');
  const result: SubjectAltNames = { dnsNames: [], ipAddresses: [], otherTypes: [] };
  if (sans.length === 0) return result;
  const value = sans[0].value;
  const generalNames = expectDerTag(readSingleDerElement(value), DER.SEQUENCE, 'GeneralNames');
  assertWellFormedDer(value, generalNames);
  const other = new Set<string>();
  for (const name of derChildren(value, generalNames)) {
    const content = derContent(value, name);
    if (name.tag === DNS_NAME) result.dnsNames.push(content.toString('latin1'));
    else if (name.tag === IP_ADDRESS) result.ipAddresses.push(ipText(content));
    else if (OTHER_KINDS[name.tag]) {
      assertUnreadEntryShape(value, name);
      other.add(OTHER_KINDS[name.tag]);
    } else
      throw new RangeError(`a subjectAltName entry has tag 0x${name.tag.toString(16)}, no GeneralName kind`);
  }
  result.otherTypes = [...other];
  return result;
}

/** The shape checks that apply to entries whose content is not read: only their kind is reported. */
function assertUnreadEntryShape(der: Buffer, name: DerElement): void {
  if (name.tag === REGISTERED_ID) readOid(der, { ...name, tag: DER.OID });
  if (name.tag === DIRECTORY_NAME) {
    const parts = derChildren(der, name);
    if (parts.length !== 1 || parts[0].tag !== DER.SEQUENCE)
      throw new RangeError('a directoryName entry is not a Name');
  }
}

/** Canonical text of an iPAddress entry's octets. */
function ipText(octets: Buffer): string {
  if (octets.length === 4) return canonicalIp(`${octets[0]}.${octets[1]}.${octets[2]}.${octets[3]}`);
  if (octets.length === 16) return canonicalIp(octets.toString('hex').replace(/(.{4})(?!$)/g, '$1:'));
  throw new RangeError(`iPAddress entry of ${octets.length} bytes is not a 4- or 16-byte address`);
}
