/**
 * Reads the few fields the product stores about an issued certificate straight from its
 * DER, by walking the TLV structure: an ASN.1 schema parse of a certificate costs ~500 µs
 * (asn1js), node's `X509Certificate` ~230 µs, this walk ~30 µs. The certificate comes from
 * the CA over TLS and is verified by whoever relies on it; this reader checks the DER is
 * well formed and shaped like a certificate, and throws RangeError when the bytes are not
 * where RFC 5280 puts them.
 */

/** One DER element: its tag, and where its content starts and where it ends. */
interface Element {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/** The leaf fields, as raw bytes where a caller needs the exact encoding. */
export interface LeafFields {
  /** The serial's DER INTEGER content bytes. */
  serial: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** The whole SubjectPublicKeyInfo element (what a key fingerprint hashes). */
  spki: Buffer;
  /** `extnValue` contents of every extension, by OID in dotted form, in order. */
  extensions: { oid: string; critical: boolean; value: Buffer }[];
}

const SEQUENCE = 0x30;
const BIT_STRING = 0x03;
const INTEGER = 0x02;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const OID = 0x06;
const BOOLEAN = 0x01;
const OCTET_STRING = 0x04;
const VERSION = 0xa0; // [0] EXPLICIT
const EXTENSIONS = 0xa3; // [3] EXPLICIT
const KEY_IDENTIFIER = 0x80; // [0] IMPLICIT, in AuthorityKeyIdentifier
const DNS_NAME = 0x82; // [2] IMPLICIT IA5String, in GeneralName
const IP_ADDRESS = 0x87; // [7] IMPLICIT OCTET STRING, in GeneralName

/**
 * Checks that `der` is a well-formed DER tree (every constructed element's content is
 * exactly a sequence of elements) shaped like a Certificate: SEQUENCE { tbsCertificate
 * SEQUENCE, signatureAlgorithm SEQUENCE, signature BIT STRING }.
 */
export function assertCertificateShape(der: Buffer): void {
  const root = element(der, 0, der.length);
  if (root.end !== der.length) throw new RangeError('trailing bytes after the certificate');
  const parts = children(der, expect(root, SEQUENCE, 'Certificate'));
  if (
    parts.length !== 3 ||
    parts[0].tag !== SEQUENCE ||
    parts[1].tag !== SEQUENCE ||
    parts[2].tag !== BIT_STRING
  ) {
    throw new RangeError('not shaped like a Certificate');
  }
  assertWellFormed(der, root);
}

export function readLeafFields(der: Buffer): LeafFields {
  const [tbs] = children(der, element(der, 0, der.length), SEQUENCE);
  const fields = children(der, expect(tbs, SEQUENCE, 'tbsCertificate'));
  let i = fields[0]?.tag === VERSION ? 1 : 0;
  const serial = expect(fields[i++], INTEGER, 'serialNumber');
  i += 2; // signature algorithm, issuer
  const validity = children(der, expect(fields[i++], SEQUENCE, 'validity'));
  i += 1; // subject
  const spki = expect(fields[i++], SEQUENCE, 'subjectPublicKeyInfo');
  const extensions = fields.slice(i).find((f) => f.tag === EXTENSIONS);
  return {
    serial: der.subarray(serial.contentStart, serial.end),
    notBefore: readTime(der, validity[0]),
    notAfter: readTime(der, validity[1]),
    spki: der.subarray(spki.start, spki.end),
    extensions: extensions ? readExtensions(der, extensions) : [],
  };
}

/** The keyIdentifier of an AuthorityKeyIdentifier extension value; undefined when absent or empty. */
export function readKeyIdentifier(akiValue: Buffer): Buffer | undefined {
  const fields = children(akiValue, expect(element(akiValue, 0, akiValue.length), SEQUENCE, 'AKI'));
  const keyId = fields.find((f) => f.tag === KEY_IDENTIFIER);
  return keyId && keyId.end > keyId.contentStart
    ? akiValue.subarray(keyId.contentStart, keyId.end)
    : undefined;
}

/**
 * The dNSName and iPAddress entries of a SubjectAltName extension value (GeneralNames), in
 * order; entries of other kinds are skipped. IP addresses are the raw octets.
 */
export function readSanEntries(sanValue: Buffer): { dnsNames: string[]; ipAddresses: Buffer[] } {
  const names = children(sanValue, expect(element(sanValue, 0, sanValue.length), SEQUENCE, 'GeneralNames'));
  const result = { dnsNames: [] as string[], ipAddresses: [] as Buffer[] };
  for (const name of names) {
    if (name.tag === DNS_NAME) result.dnsNames.push(sanValue.toString('latin1', name.contentStart, name.end));
    else if (name.tag === IP_ADDRESS) result.ipAddresses.push(sanValue.subarray(name.contentStart, name.end));
  }
  return result;
}

/** Dotted text of an OBJECT IDENTIFIER's content bytes. */
export function oidText(content: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (arcs.length === 0)
        arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

function readExtensions(der: Buffer, wrapper: Element): LeafFields['extensions'] {
  const [list] = children(der, wrapper);
  return children(der, expect(list, SEQUENCE, 'extensions')).map((ext) => {
    const parts = children(der, expect(ext, SEQUENCE, 'extension'));
    const oid = expect(parts[0], OID, 'extnID');
    const critical = parts[1]?.tag === BOOLEAN ? der[parts[1].contentStart] !== 0 : false;
    const value = expect(parts[parts.length - 1], OCTET_STRING, 'extnValue');
    return {
      oid: oidText(der.subarray(oid.contentStart, oid.end)),
      critical,
      value: der.subarray(value.contentStart, value.end),
    };
  });
}

function readTime(der: Buffer, el: Element | undefined): Date {
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

function assertWellFormed(der: Buffer, parent: Element): void {
  for (const child of children(der, parent)) if (child.tag & 0x20) assertWellFormed(der, child);
}

function expect(el: Element | undefined, tag: number, what: string): Element {
  if (!el || el.tag !== tag) throw new RangeError(`${what} not found where RFC 5280 puts it`);
  return el;
}

function children(der: Buffer, parent: Element, onlyTag?: number): Element[] {
  const out: Element[] = [];
  for (let offset = parent.contentStart; offset < parent.end;) {
    const el = element(der, offset, parent.end);
    if (onlyTag === undefined || el.tag === onlyTag) out.push(el);
    offset = el.end;
  }
  return out;
}

function element(der: Buffer, offset: number, limit: number): Element {
  if (offset + 2 > limit) throw new RangeError('truncated DER');
  const tag = der[offset];
  let length = der[offset + 1];
  let contentStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4 || contentStart + octets > limit) throw new RangeError('bad DER length');
    length = 0;
    for (let k = 0; k < octets; k++) length = length * 256 + der[contentStart + k];
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > limit) throw new RangeError('truncated DER element');
  return { tag, start: offset, contentStart, end };
}
