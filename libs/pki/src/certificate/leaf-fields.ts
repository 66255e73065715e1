/**
 * Reads the few fields the product stores about an issued certificate straight from its
 * DER, by walking the TLV structure: an ASN.1 schema parse of a certificate costs ~500 µs
 * (asn1js), node's `X509Certificate` ~230 µs, this walk ~30 µs. The certificate comes from
 * the CA over TLS and is verified by whoever relies on it; this reader checks the DER is
 * well formed (strictly: x509/der.ts) and shaped like a certificate, and throws RangeError
 * when the bytes are not where RFC 5280 puts them.
 */
import {
  DER,
  DerElement,
  assertWellFormedDer,
  derChildren,
  expectDerTag,
  readDerElement,
  readSingleDerElement,
} from '../x509/der';
import { X509Extension, readExtensions } from '../x509/extensions';

/** The leaf fields, as raw bytes where a caller needs the exact encoding. */
export interface LeafFields {
  /** The serial's DER INTEGER content bytes. */
  serial: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** The whole SubjectPublicKeyInfo element (what a key fingerprint hashes). */
  spki: Buffer;
  /** `extnValue` contents of every extension, by OID in dotted form, in order. */
  extensions: X509Extension[];
}

const { SEQUENCE, BIT_STRING, INTEGER } = DER;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const VERSION = 0xa0; // [0] EXPLICIT
const EXTENSIONS = 0xa3; // [3] EXPLICIT
const KEY_IDENTIFIER = 0x80; // [0] IMPLICIT, in AuthorityKeyIdentifier

/**
 * Checks that `der` is a well-formed DER tree (every constructed element's content is
 * exactly a sequence of elements) shaped like a Certificate: SEQUENCE { tbsCertificate
 * SEQUENCE, signatureAlgorithm SEQUENCE, signature BIT STRING }.
 */
export function assertCertificateShape(der: Buffer): void {
  const root = readSingleDerElement(der);
  const parts = derChildren(der, expect(root, SEQUENCE, 'Certificate'));
  if (
    parts.length !== 3 ||
    parts[0].tag !== SEQUENCE ||
    parts[1].tag !== SEQUENCE ||
    parts[2].tag !== BIT_STRING
  ) {
    throw new RangeError('not shaped like a Certificate');
  }
  assertWellFormedDer(der, root);
}

export function readLeafFields(der: Buffer): LeafFields {
  const root = readDerElement(der, 0, der.length);
  const fields = derChildren(der, expect(derChildren(der, root)[0], SEQUENCE, 'tbsCertificate'));
  let i = fields[0]?.tag === VERSION ? 1 : 0;
  const serial = expect(fields[i++], INTEGER, 'serialNumber');
  i += 2; // signature algorithm, issuer
  const validity = derChildren(der, expect(fields[i++], SEQUENCE, 'validity'));
  i += 1; // subject
  const spki = expect(fields[i++], SEQUENCE, 'subjectPublicKeyInfo');
  const extensions = fields.slice(i).find((f) => f.tag === EXTENSIONS);
  return {
    serial: der.subarray(serial.contentStart, serial.end),
    notBefore: readTime(der, validity[0]),
    notAfter: readTime(der, validity[1]),
    spki: der.subarray(spki.start, spki.end),
    extensions: extensions ? readExtensions(der, onlyChild(der, extensions)) : [],
  };
}

/** The keyIdentifier of an AuthorityKeyIdentifier extension value; undefined when absent or empty. */
export function readKeyIdentifier(akiValue: Buffer): Buffer | undefined {
  const fields = derChildren(akiValue, expect(readSingleDerElement(akiValue), SEQUENCE, 'AKI'));
  const keyId = fields.find((f) => f.tag === KEY_IDENTIFIER);
  return keyId && keyId.end > keyId.contentStart
    ? akiValue.subarray(keyId.contentStart, keyId.end)
    : undefined;
}

function readTime(der: Buffer, el: DerElement | undefined): Date {
  if (!el || (el.tag !== UTC_TIME && el.tag !== GENERALIZED_TIME))
    throw new RangeError('validity is not a time');
  const text = der.toString('latin1', el.contentStart, el.end);
  // RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ (YY < 50 is 20YY), GeneralizedTime YYYYMMDDHHMMSSZ.
  const match = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match || match[1].length !== (el.tag === UTC_TIME ? 2 : 4)) throw new RangeError(`bad time ${text}`);
  const [, y, mo, d, h, mi, s] = match;
  const year = y.length === 2 ? (Number(y) < 50 ? 2000 : 1900) + Number(y) : Number(y);
  return new Date(Date.UTC(year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

function expect(el: DerElement | undefined, tag: number, what: string): DerElement {
  return expectDerTag(el, tag, `${what} (RFC 5280)`);
}

/** The one element an EXPLICIT tag wraps. */
function onlyChild(der: Buffer, wrapper: DerElement): DerElement {
  const inner = derChildren(der, wrapper);
  if (inner.length !== 1) throw new RangeError('an explicit tag does not wrap exactly one element');
  return inner[0];
}
