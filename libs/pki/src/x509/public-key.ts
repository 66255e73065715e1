import { createHash } from 'node:crypto';
import {
  DER,
  DerElement,
  derChildren,
  derContent,
  derEncoding,
  expectDerTag,
  readIntegerContent,
  readOid,
  readSingleDerElement,
} from './der';
import { AlgorithmIdentifier, readAlgorithmIdentifier } from './algorithm-identifier';

/** What kind of key a CSR or certificate carries: enough to apply a key policy. */
export type PublicKeySummary =
  | { kind: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' | string }
  | { kind: 'rsa'; modulusBits: number; exponent: number }
  | { kind: 'other'; algorithm: string };

/** A SubjectPublicKeyInfo, read but not interpreted. */
export interface PublicKeyInfo {
  /** The whole SubjectPublicKeyInfo element, as received (DER, so what a fingerprint hashes). */
  der: Buffer;
  algorithm: AlgorithmIdentifier;
  /** The subjectPublicKey BIT STRING's bytes (always whole octets). */
  key: Buffer;
}

export const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
export const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const ED25519 = '1.3.101.112';

/** Names of the named curves, by OID (shared with the asn1-schema test oracle: naming is not what it checks). */
export const CURVES: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
  '1.3.132.0.10': 'secp256k1',
};

/** Names of the other key algorithms, by OID. */
export const KEY_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.10040.4.1': 'DSA',
  [ED25519]: 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
};

/** Reads `SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }`. */
export function readPublicKeyInfo(der: Buffer, element: DerElement): PublicKeyInfo {
  const parts = derChildren(der, expectDerTag(element, DER.SEQUENCE, 'subjectPKInfo'));
  if (parts.length !== 2) throw new RangeError('subjectPKInfo is not a SubjectPublicKeyInfo');
  return {
    der: derEncoding(der, element),
    algorithm: readAlgorithmIdentifier(der, parts[0], 'the key algorithm'),
    key: readOctetAlignedBits(der, parts[1], 'subjectPublicKey'),
  };
}

/**
 * The bytes of a BIT STRING that holds whole octets, as keys and signatures do. A non-zero
 * unused-bits count would make the bytes mean something else than what is hashed and
 * verified, so it is refused.
 */
export function readOctetAlignedBits(der: Buffer, element: DerElement | undefined, what: string): Buffer {
  const bits = derContent(der, expectDerTag(element, DER.BIT_STRING, what));
  if (bits.length === 0 || bits[0] !== 0) throw new RangeError(`${what} is not a whole number of octets`);
  return bits.subarray(1);
}

/** The unsigned big-endian modulus and exponent of an RSAPublicKey (RFC 8017 §A.1.1). */
export function readRsaPublicKey(key: Buffer): { modulus: Buffer; exponent: Buffer } {
  const parts = derChildren(key, expectDerTag(readSingleDerElement(key), DER.SEQUENCE, 'RSAPublicKey'));
  if (parts.length !== 2) throw new RangeError('not an RSAPublicKey');
  return {
    modulus: readIntegerContent(key, parts[0], 'modulus'),
    exponent: readIntegerContent(key, parts[1], 'publicExponent'),
  };
}

/**
 * The named curve OID of an EC key's ECParameters (RFC 5480 §2.1.1); undefined for
 * implicit (NULL) or explicit (SEQUENCE) parameters and for none.
 */
export function readNamedCurve(parameters: Buffer | undefined): string | undefined {
  if (!parameters) return undefined;
  const element = readSingleDerElement(parameters);
  if (element.tag === DER.OID) return readOid(parameters, element);
  if (element.tag === DER.NULL || element.tag === DER.SEQUENCE) return undefined;
  throw new RangeError('EC key parameters are not ECParameters');
}

/**
 * Describes a SubjectPublicKeyInfo. RSA parameters are read from the key itself rather than
 * through WebCrypto, which cannot import every key a device may send (e = 3, odd sizes).
 *
 * @throws RangeError when the key bits do not parse as the structure their algorithm OID announces.
 */
export function summarizePublicKey(info: PublicKeyInfo): PublicKeySummary {
  const oid = info.algorithm.algorithm;
  if (oid === RSA_ENCRYPTION) {
    const { modulus, exponent } = readRsaPublicKey(info.key);
    return { kind: 'rsa', modulusBits: bitLength(modulus), exponent: Number(toBigInt(exponent)) };
  }
  if (oid === EC_PUBLIC_KEY) {
    const namedCurve = readNamedCurve(info.algorithm.parameters);
    // Explicit curve parameters (no OID) are refused by every CA; name them so the error says why.
    return { kind: 'ec', curve: namedCurve ? (CURVES[namedCurve] ?? namedCurve) : 'explicit parameters' };
  }
  return { kind: 'other', algorithm: KEY_ALGORITHMS[oid] ?? oid };
}

/**
 * Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo: the key's fingerprint, the same
 * for a CSR and for the certificate issued from it (and what `openssl pkey -pubin -outform
 * DER | sha256sum` prints). The bytes as received are that DER: the reader accepts only
 * minimal lengths and whole-octet key bits, so re-encoding them would give the same bytes.
 */
export function spkiSha256(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

/** The INTEGER's content bytes read as unsigned, as the previous ASN.1 reader did. */
function toBigInt(bytes: Buffer): bigint {
  const hex = bytes.toString('hex');
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}

/** Bit length of an unsigned big-endian number (the DER INTEGER may carry a leading 0x00). */
function bitLength(bytes: Buffer): number {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  if (start === bytes.length) return 0;
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start]));
}
