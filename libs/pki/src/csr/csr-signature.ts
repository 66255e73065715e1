import * as nodeCrypto from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { AlgorithmIdentifier } from '../x509/algorithm-identifier';
import {
  EC_PUBLIC_KEY,
  ED25519,
  PublicKeyInfo,
  RSA_ENCRYPTION,
  readNamedCurve,
  readRsaPublicKey,
} from '../x509/public-key';
import { MGF1, readRsassaPssParams } from './rsassa-pss-params';

/** How to check one signature algorithm with `node:crypto`. */
type Verifier =
  | { scheme: 'pkcs1'; hash: string }
  | { scheme: 'ecdsa'; hash: string }
  | { scheme: 'pss' }
  | { scheme: 'ed25519' };

/**
 * The signature algorithms whose signatures are checked: exactly the set the previous
 * WebCrypto path (`@peculiar/x509`) could verify, so that `signatureValid` means what it
 * meant. Policy (`signature-policy.ts`) accepts only part of it; anything else reads as not
 * verified. SHA-224 and MD5 are missing on purpose: WebCrypto has neither.
 */
const VERIFIERS: Readonly<Record<string, Verifier>> = {
  '1.2.840.113549.1.1.5': { scheme: 'pkcs1', hash: 'sha1' },
  '1.2.840.113549.1.1.11': { scheme: 'pkcs1', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { scheme: 'pkcs1', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { scheme: 'pkcs1', hash: 'sha512' },
  '1.2.840.10045.4.1': { scheme: 'ecdsa', hash: 'sha1' },
  '1.2.840.10045.4.3.2': { scheme: 'ecdsa', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { scheme: 'ecdsa', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { scheme: 'ecdsa', hash: 'sha512' },
  '1.2.840.113549.1.1.10': { scheme: 'pss' },
  '1.3.101.112': { scheme: 'ed25519' },
};

/** Hashes of RSASSA-PSS parameters (RFC 4055), by OID. */
const PSS_HASHES: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/**
 * The NIST curves WebCrypto implements, by OID, with their JWK name and coordinate size, and
 * whether a JWK import is the cheaper one. A JWK import checks the point's order with a
 * scalar multiplication: cheap with P-256's optimised code (import and verify ~210 µs, from
 * the SPKI ~265 µs), dearer than the SPKI decoder on P-384 (~1.5 ms against ~1.1 ms) and
 * P-521 (~3.1 ms against ~2.0 ms).
 */
const WEBCRYPTO_CURVES: Readonly<Record<string, { crv: string; bytes: number; jwk: boolean }>> = {
  '1.2.840.10045.3.1.7': { crv: 'P-256', bytes: 32, jwk: true },
  '1.3.132.0.34': { crv: 'P-384', bytes: 48, jwk: false },
  '1.3.132.0.35': { crv: 'P-521', bytes: 66, jwk: false },
};

/**
 * What checking one CSR signature takes, decided from the CSR's parts: the key to import,
 * the kinds of key allowed to verify, and `node:crypto`'s verify arguments. Plain data (it
 * survives `postMessage`), so that the check itself can run on another thread
 * (`SignatureCheckThread`): deciding is cheap, the key import and the verification are not.
 */
export interface SignatureCheck {
  /** For `createPublicKey`: a JWK where that import is the cheaper one, else the SPKI DER. */
  key: { format: 'jwk'; key: JsonWebKey } | { format: 'der'; type: 'spki'; key: Uint8Array };
  /** `KeyObject.asymmetricKeyType`s that may verify this algorithm. */
  keyTypes: string[];
  /** The digest for `verify`; null for Ed25519. */
  hash: string | null;
  /** RSASSA-PSS: the salt length from the parameters. */
  pssSaltLength?: number;
  signed: Uint8Array;
  signature: Uint8Array;
}

/**
 * The check for a CSR's `signature` over `signed` with `publicKey` under `algorithm`, made
 * from the already read parts (no second parse of the CSR, no WebCrypto import: that path
 * cost ~1.7 ms a CSR, this one ~0.2 ms), or undefined when it cannot be checked: a
 * signature we cannot check is one we do not trust. ECDSA signatures in X.509 are DER
 * `Ecdsa-Sig-Value`, node's default `dsaEncoding`.
 */
export function planSignatureCheck(
  algorithm: AlgorithmIdentifier,
  publicKey: PublicKeyInfo,
  signed: Buffer,
  signature: Buffer,
): SignatureCheck | undefined {
  const verifier = VERIFIERS[algorithm.algorithm];
  if (!verifier) return undefined;
  try {
    const { key, ecCurve } = keyToImport(publicKey);
    switch (verifier.scheme) {
      case 'pkcs1':
        return { key, keyTypes: ['rsa'], hash: verifier.hash, signed, signature };
      case 'ecdsa':
        return ecCurve === undefined
          ? undefined
          : { key, keyTypes: ['ec'], hash: verifier.hash, signed, signature };
      case 'ed25519':
        return { key, keyTypes: ['ed25519'], hash: null, signed, signature };
      case 'pss': {
        const pss = pssParameters(algorithm);
        return (
          pss && {
            key,
            keyTypes: ['rsa', 'rsa-pss'],
            hash: pss.hash,
            pssSaltLength: pss.saltLength,
            signed,
            signature,
          }
        );
      }
    }
  } catch {
    // Parameters or key numbers that do not parse.
    return undefined;
  }
}

/**
 * Runs a {@link SignatureCheck}: imports the key and verifies. Self-contained on purpose,
 * with `node:crypto` passed in: `SignatureCheckThread` runs this very function's source on
 * its thread, where nothing else of this module exists. Never throws: a key OpenSSL cannot
 * load does not verify.
 */
export function runSignatureCheck(crypto: typeof nodeCrypto, check: SignatureCheck): boolean {
  try {
    const key = crypto.createPublicKey(check.key as nodeCrypto.PublicKeyInput);
    if (!check.keyTypes.includes(key.asymmetricKeyType ?? '')) return false;
    if (check.pssSaltLength !== undefined) {
      return crypto.verify(
        check.hash,
        check.signed,
        { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: check.pssSaltLength },
        check.signature,
      );
    }
    return crypto.verify(check.hash, check.signed, key, check.signature);
  } catch {
    return false;
  }
}

/**
 * The key to import, and for ECDSA keys on a WebCrypto curve, that curve. RSA,
 * uncompressed P-256 and Ed25519 keys are imported from their numbers as a JWK: OpenSSL's
 * SPKI decoder costs ~170–260 µs a key, a JWK ~8 µs (RSA), ~18 µs (Ed25519) or ~90 µs
 * (P-256, which still checks the point). Anything else goes through the SPKI DER.
 * Measured with node 20 / OpenSSL 3.0; bench/micro/parse-csr.ts shows the sum.
 */
function keyToImport(publicKey: PublicKeyInfo): { key: SignatureCheck['key']; ecCurve?: string } {
  const { algorithm, parameters } = publicKey.algorithm;
  if (algorithm === RSA_ENCRYPTION) {
    const { modulus, exponent } = readRsaPublicKey(publicKey.key);
    return { key: jwk({ kty: 'RSA', n: base64Url(modulus), e: base64Url(exponent) }) };
  }
  if (algorithm === EC_PUBLIC_KEY && parameters) {
    const curve = WEBCRYPTO_CURVES[readNamedCurve(parameters) ?? ''];
    if (!curve) return { key: spki(publicKey) };
    const point = publicKey.key;
    // SEC 1 §2.3.3: 0x04 || X || Y; a compressed point (0x02/0x03) has no JWK form.
    if (curve.jwk && point[0] === 0x04 && point.length === 1 + 2 * curve.bytes) {
      const x = point.toString('base64url', 1, 1 + curve.bytes);
      const y = point.toString('base64url', 1 + curve.bytes);
      return { key: jwk({ kty: 'EC', crv: curve.crv, x, y }), ecCurve: curve.crv };
    }
    return { key: spki(publicKey), ecCurve: curve.crv };
  }
  // RFC 8410 §3: no parameters, and the key is the 32-byte public value.
  if (algorithm === ED25519 && !parameters && publicKey.key.length === 32) {
    return { key: jwk({ kty: 'OKP', crv: 'Ed25519', x: publicKey.key.toString('base64url') }) };
  }
  return { key: spki(publicKey) };
}

function jwk(key: JsonWebKey): SignatureCheck['key'] {
  return { format: 'jwk', key };
}

function spki(publicKey: PublicKeyInfo): SignatureCheck['key'] {
  return { format: 'der', type: 'spki', key: publicKey.der };
}

/** A DER INTEGER's unsigned big-endian bytes in JWK form: base64url without leading zero bytes. */
function base64Url(integer: Buffer): string {
  let start = 0;
  while (start < integer.length - 1 && integer[start] === 0) start++;
  return integer.toString('base64url', start);
}

/**
 * RSASSA-PSS: hash, MGF1 hash and salt length come from the parameters (RFC 4055 §3.1).
 * node's MGF1 uses the signature's hash, as WebCrypto does: anything else cannot verify.
 */
function pssParameters(algorithm: AlgorithmIdentifier): { hash: string; saltLength: number } | undefined {
  if (!algorithm.parameters) return undefined;
  const params = readRsassaPssParams(algorithm.parameters);
  const hash = PSS_HASHES[params.hashAlgorithm];
  if (
    !hash ||
    params.maskGenAlgorithm !== MGF1 ||
    PSS_HASHES[params.maskGenHash ?? ''] !== hash ||
    params.trailerField !== 1
  ) {
    return undefined;
  }
  return { hash, saltLength: params.saltLength };
}
