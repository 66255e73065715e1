// Test-only: PKCS #10 requests assembled byte by byte, so that specs can make any shape a
// device could send (string types, SAN kinds, attribute layouts, key and signature
// algorithms) and any malformation of it, and sign them with node:crypto.
import { KeyObject, constants, generateKeyPairSync, sign } from 'node:crypto';

/** One DER element: tag, minimal definite length, content. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

export function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

export const seq = (...content: Uint8Array[]) => tlv(0x30, ...content);
export const set = (...content: Uint8Array[]) => tlv(0x31, ...content);

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(BigInt);
  const bytes: number[] = [];
  for (const arc of [arcs[0] * 40n + arcs[1], ...arcs.slice(2)]) {
    const chunk = [Number(arc & 0x7fn)];
    for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) chunk.unshift(Number(rest & 0x7fn) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

export const OIDS = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  country: '2.5.4.6',
  extensionRequest: '1.2.840.113549.1.9.14',
  msExtensionRequest: '1.3.6.1.4.1.311.2.1.14',
  challengePassword: '1.2.840.113549.1.9.7',
  unstructuredName: '1.2.840.113549.1.9.2',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
};

/** The string types a Common Name can be written in, with their encoders. */
export const STRING_TYPES: Readonly<Record<string, { tag: number; encode: (text: string) => Buffer }>> = {
  utf8: { tag: 0x0c, encode: (text) => Buffer.from(text, 'utf8') },
  printable: { tag: 0x13, encode: (text) => Buffer.from(text, 'latin1') },
  teletex: { tag: 0x14, encode: (text) => Buffer.from(text, 'latin1') },
  ia5: { tag: 0x16, encode: (text) => Buffer.from(text, 'latin1') },
  bmp: { tag: 0x1e, encode: (text) => Buffer.from(text, 'utf16le').swap16() },
  universal: {
    tag: 0x1c,
    encode: (text) => Buffer.concat([...text].map((c) => uint32(c.codePointAt(0) ?? 0))),
  },
};

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** A Name from RDNs, each a list of `[type OID, string tag, value bytes]`. */
export function name(rdns: [string, number, Buffer][][]): Buffer {
  return seq(...rdns.map((rdn) => set(...rdn.map(([type, tag, value]) => seq(oid(type), tlv(tag, value))))));
}

export type GeneralNameSpec =
  | { dns: string }
  | { ip: Buffer }
  | { email: string }
  | { uri: string }
  | { registeredID: string }
  | { otherName: string }
  | { directoryName: string };

export function generalName(spec: GeneralNameSpec): Buffer {
  if ('dns' in spec) return tlv(0x82, Buffer.from(spec.dns, 'latin1'));
  if ('ip' in spec) return tlv(0x87, spec.ip);
  if ('email' in spec) return tlv(0x81, Buffer.from(spec.email, 'latin1'));
  if ('uri' in spec) return tlv(0x86, Buffer.from(spec.uri, 'latin1'));
  if ('registeredID' in spec) return tlv(0x88, oid(spec.registeredID).subarray(2));
  if ('otherName' in spec)
    return tlv(0xa0, oid('1.3.6.1.4.1.311.20.2.3'), tlv(0xa0, tlv(0x0c, Buffer.from(spec.otherName))));
  return tlv(0xa4, name([[[OIDS.commonName, 0x0c, Buffer.from(spec.directoryName)]]]));
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN (written when given), extnValue OCTET STRING }. */
export function extension(type: string, value: Buffer, critical?: boolean): Buffer {
  const flag = critical === undefined ? [] : [tlv(0x01, Buffer.from([critical ? 0xff : 0x00]))];
  return seq(oid(type), ...flag, tlv(0x04, value));
}

export function subjectAltName(names: GeneralNameSpec[], critical?: boolean): Buffer {
  return extension(OIDS.subjectAltName, seq(...names.map(generalName)), critical);
}

/** Attribute ::= SEQUENCE { type, values SET OF ANY }. */
export function attribute(type: string, ...values: Buffer[]): Buffer {
  return seq(oid(type), set(...values));
}

/** A key pair and how it signs: the signatureAlgorithm element and the signature bytes. */
export interface TestSigner {
  label: string;
  publicKey: KeyObject;
  spki: Buffer;
  sign(data: Buffer): { algorithm: Buffer; signature: Buffer };
}

const NULL = Buffer.from([0x05, 0x00]);
const SHA256_ALG = seq(oid('2.16.840.1.101.3.4.2.1'), NULL);
const MGF1_SHA256 = seq(oid('1.2.840.113549.1.1.8'), SHA256_ALG);

export type SignerSpec =
  | { rsa: number; pss?: 'explicit' | 'default' }
  | { rsaPssKey: number }
  | { ec: 'P-256' | 'P-384' | 'P-521' }
  | { ed25519: true };

export function makeSigner(spec: SignerSpec): TestSigner {
  if ('ec' in spec) {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: spec.ec });
    const [hash, algorithm] = {
      'P-256': ['sha256', '1.2.840.10045.4.3.2'],
      'P-384': ['sha384', '1.2.840.10045.4.3.3'],
      'P-521': ['sha512', '1.2.840.10045.4.3.4'],
    }[spec.ec];
    return signer(spec.ec, publicKey, (data) => ({
      algorithm: seq(oid(algorithm)),
      signature: sign(hash, data, privateKey),
    }));
  }
  if ('ed25519' in spec) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    return signer('Ed25519', publicKey, (data) => ({
      algorithm: seq(oid('1.3.101.112')),
      signature: sign(null, data, privateKey),
    }));
  }
  const modulusLength = 'rsa' in spec ? spec.rsa : spec.rsaPssKey;
  const pss = 'rsa' in spec ? spec.pss : 'explicit';
  const { publicKey, privateKey } =
    'rsa' in spec
      ? generateKeyPairSync('rsa', { modulusLength })
      : generateKeyPairSync('rsa-pss', { modulusLength });
  const label = `${'rsa' in spec ? 'RSA' : 'RSA-PSS key'}-${modulusLength}${pss ? ` PSS (${pss})` : ''}`;
  return signer(label, publicKey, (data) => {
    if (!pss)
      return {
        algorithm: seq(oid('1.2.840.113549.1.1.11'), NULL),
        signature: sign('sha256', data, privateKey),
      };
    // RFC 4055: explicit SHA-256 parameters, or the empty SEQUENCE that means SHA-1 / salt 20.
    const explicit = pss === 'explicit';
    const params = explicit
      ? seq(tlv(0xa0, SHA256_ALG), tlv(0xa1, MGF1_SHA256), tlv(0xa2, tlv(0x02, Buffer.from([32]))))
      : seq();
    const signature = sign(explicit ? 'sha256' : 'sha1', data, {
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: explicit ? 32 : 20,
    });
    return { algorithm: seq(oid('1.2.840.113549.1.1.10'), params), signature };
  });
}

function signer(label: string, publicKey: KeyObject, signWith: TestSigner['sign']): TestSigner {
  return { label, publicKey, spki: publicKey.export({ type: 'spki', format: 'der' }), sign: signWith };
}

/** CertificationRequestInfo ::= SEQUENCE { version 0, subject, subjectPKInfo, [0] attributes }. */
export function requestInfo(subject: Buffer, spki: Buffer, attributes: Buffer[]): Buffer {
  return seq(tlv(0x02, Buffer.from([0])), subject, spki, tlv(0xa0, ...attributes));
}

/** CertificationRequest ::= SEQUENCE { info, signatureAlgorithm, signature BIT STRING }, signed by `signer`. */
export function signedRequest(info: Buffer, signer: TestSigner): Buffer {
  const { algorithm, signature } = signer.sign(info);
  return seq(info, algorithm, tlv(0x03, Buffer.from([0]), signature));
}
