import { CsrError } from './csr-error';
import { ParsedCsr } from './parse-csr';

const WHAT_TO_USE = 'use RSA 2048–4096 or ECDSA P-256/P-384';
const ACCEPTED_CURVES = new Set(['P-256', 'P-384']);

/**
 * Refuses keys Let's Encrypt refuses (Boulder's goodkey): RSA must be 2048–4096 bits, a
 * multiple of 8, with e = 65537; ECDSA must be on P-256 or P-384. Anything else — P-521,
 * Ed25519, DSA, RSASSA-PSS-only keys — is unsupported. The CA would refuse these only at
 * finalize, after the authorizations were spent; refusing here costs nothing.
 *
 * @throws CsrError `weak-key` (too short, or a small/unusual exponent) or `unsupported-key`.
 */
export function checkPublicKey(csr: ParsedCsr): void {
  const key = csr.publicKey;
  if (key.kind === 'ec') {
    if (!ACCEPTED_CURVES.has(key.curve)) {
      throw new CsrError('unsupported-key', `ECDSA key on curve ${key.curve}: ${WHAT_TO_USE}`, 'publicKey');
    }
    return;
  }
  if (key.kind === 'rsa') {
    if (key.modulusBits < 2048) {
      throw new CsrError('weak-key', `RSA key of ${key.modulusBits} bits: ${WHAT_TO_USE}`, 'publicKey');
    }
    if (key.modulusBits > 4096 || key.modulusBits % 8 !== 0) {
      throw new CsrError(
        'unsupported-key',
        `RSA key of ${key.modulusBits} bits: ${WHAT_TO_USE}`,
        'publicKey',
      );
    }
    if (key.exponent !== 65537) {
      // Small exponents such as 3 have a history of practical attacks; CAs accept only 65537.
      throw new CsrError(
        'weak-key',
        `RSA key with public exponent ${key.exponent}: generate it with exponent 65537`,
        'publicKey',
      );
    }
    return;
  }
  throw new CsrError('unsupported-key', `${key.algorithm} key: ${WHAT_TO_USE}`, 'publicKey');
}

/**
 * Refuses the ACME account key offered as a certificate key: a device holding the
 * certificate key would then hold the key that controls the whole fleet's account, and
 * Let's Encrypt refuses it too.
 *
 * @param forbiddenSha256 SPKI SHA-256 fingerprints (hex, any case) of the account key(s).
 * @throws CsrError `account-key-reuse`.
 */
export function checkNotAccountKey(csr: ParsedCsr, forbiddenSha256: readonly string[] = []): void {
  if (forbiddenSha256.some((fingerprint) => fingerprint.toLowerCase() === csr.publicKeySha256)) {
    throw new CsrError(
      'account-key-reuse',
      'the CSR uses the ACME account key: generate a separate key for the certificate',
      'publicKey',
    );
  }
}
