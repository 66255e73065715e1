import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { RSAPublicKey } from '@peculiar/asn1-rsa';
import { ECParameters } from '@peculiar/asn1-ecc';

/** What kind of key a CSR or certificate carries: enough to apply a key policy. */
export type PublicKeySummary =
  | { kind: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' | string }
  | { kind: 'rsa'; modulusBits: number; exponent: number }
  | { kind: 'other'; algorithm: string };

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

const CURVES: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
  '1.3.132.0.10': 'secp256k1',
};

const KEY_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.10040.4.1': 'DSA',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
};

/**
 * Describes a SubjectPublicKeyInfo. RSA parameters are read from the key itself rather than
 * through WebCrypto, which cannot import every key a device may send (e = 3, odd sizes).
 *
 * @throws when the key bits do not parse as the structure their algorithm OID announces.
 */
export function summarizePublicKey(spki: SubjectPublicKeyInfo): PublicKeySummary {
  const oid = spki.algorithm.algorithm;
  if (oid === RSA_ENCRYPTION) {
    const key = AsnConvert.parse(spki.subjectPublicKey, RSAPublicKey);
    return {
      kind: 'rsa',
      modulusBits: bitLength(key.modulus),
      exponent: Number(toBigInt(key.publicExponent)),
    };
  }
  if (oid === EC_PUBLIC_KEY) {
    const parameters = spki.algorithm.parameters;
    const namedCurve = parameters ? AsnConvert.parse(parameters, ECParameters).namedCurve : undefined;
    // Explicit curve parameters (no OID) are refused by every CA; name them so the error says why.
    return { kind: 'ec', curve: namedCurve ? (CURVES[namedCurve] ?? namedCurve) : 'explicit parameters' };
  }
  return { kind: 'other', algorithm: KEY_ALGORITHMS[oid] ?? oid };
}

/**
 * Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo: the key's fingerprint, the same
 * for a CSR and for the certificate issued from it (and what `openssl pkey -pubin -outform
 * DER | sha256sum` prints). Serialising the parsed structure, rather than slicing the input,
 * keeps CSRs and certificates on exactly one definition.
 */
export function publicKeySha256(spki: SubjectPublicKeyInfo): string {
  return spkiSha256(Buffer.from(AsnConvert.serialize(spki)));
}

/** {@link publicKeySha256} of a SubjectPublicKeyInfo already serialised to DER. */
export function spkiSha256(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

function toBigInt(bytes: ArrayBuffer): bigint {
  const hex = Buffer.from(bytes).toString('hex');
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}

function bitLength(bytes: ArrayBuffer): number {
  // The DER INTEGER may carry a leading 0x00 so that the modulus reads as positive.
  return toBigInt(bytes).toString(2).replace(/^0+/, '').length;
}
