import { createHash, createPublicKey } from 'node:crypto';

/**
 * The SPKI SHA-256 fingerprint (lower-case hex) of a PEM key — private or public — in the
 * same definition as {@link ParsedCsr.publicKeySha256}. Meant for the ACME account key, to
 * fill {@link CsrPolicy.forbiddenPublicKeySha256} without the key ever leaving the process.
 *
 * @throws when the text is not a key Node can read.
 */
export function publicKeySha256OfPem(keyPem: string): string {
  const spki = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}
