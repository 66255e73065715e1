import { isUtf8 } from 'node:buffer';
import { DER, DerElement, derChildren, derContent, expectDerTag, readOid } from './der';

const COMMON_NAME = '2.5.4.3';

const UTF8_STRING = 0x0c;
const PRINTABLE_STRING = 0x13;
const TELETEX_STRING = 0x14;
const IA5_STRING = 0x16;
const UNIVERSAL_STRING = 0x1c;
const BMP_STRING = 0x1e;

/**
 * The Common Name in a subject Name (`SEQUENCE OF SET OF SEQUENCE { type, value }`), or
 * undefined when there is none (or it is empty, which every CA treats as none).
 *
 * @throws RangeError for more than one CN (parsers disagree on which one counts: Go keeps
 *   the last, OpenSSL tools print the first), a CN that is not a string type, or string
 *   bytes that are not valid in their type's encoding.
 */
export function readCommonName(der: Buffer, subject: DerElement): string | undefined {
  let commonName: DerElement | undefined;
  for (const rdn of derChildren(der, expectDerTag(subject, DER.SEQUENCE, 'subject'))) {
    for (const attribute of derChildren(der, expectDerTag(rdn, DER.SET, 'RelativeDistinguishedName'))) {
      const parts = derChildren(der, expectDerTag(attribute, DER.SEQUENCE, 'AttributeTypeAndValue'));
      if (parts.length !== 2) throw new RangeError('a subject attribute is not a type and a value');
      if (readOid(der, parts[0]) !== COMMON_NAME) continue;
      if (commonName) throw new RangeError('the subject has more than one Common Name');
      commonName = parts[1];
    }
  }
  return commonName ? directoryString(der, commonName) || undefined : undefined;
}

/**
 * The text of a DirectoryString (or IA5String) element. Single-byte types are read a byte
 * a character (latin1), as the ASN.1 library did; the Unicode types must be valid.
 */
function directoryString(der: Buffer, element: DerElement): string {
  const bytes = derContent(der, element);
  switch (element.tag) {
    case PRINTABLE_STRING:
    case TELETEX_STRING:
    case IA5_STRING:
      return bytes.toString('latin1');
    case UTF8_STRING:
      if (!isUtf8(bytes)) throw new RangeError('the Common Name is not valid UTF-8');
      return bytes.toString('utf8');
    case BMP_STRING:
      if (bytes.length % 2 !== 0) throw new RangeError('the Common Name is not a BMPString');
      return utf16be(bytes);
    case UNIVERSAL_STRING:
      return ucs4(bytes);
    default:
      throw new RangeError('the Common Name is not a string');
  }
}

function utf16be(bytes: Buffer): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 2) text += String.fromCharCode(bytes.readUInt16BE(i));
  return text;
}

function ucs4(bytes: Buffer): string {
  if (bytes.length % 4 !== 0) throw new RangeError('the Common Name is not a UniversalString');
  let text = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const codePoint = bytes.readUInt32BE(i);
    if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff))
      throw new RangeError('the Common Name is not a UniversalString');
    text += String.fromCodePoint(codePoint);
  }
  return text;
}
