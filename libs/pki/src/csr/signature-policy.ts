import { CsrError } from './csr-error';
import { ParsedCsr } from './parse-csr';

/** Boulder's goodSignatureAlgorithms: PKCS #1 v1.5 or ECDSA over SHA-2 (no SHA-224). */
const ACCEPTED = new Set([
  'sha256WithRSAEncryption',
  'sha384WithRSAEncryption',
  'sha512WithRSAEncryption',
  'ecdsa-with-SHA256',
  'ecdsa-with-SHA384',
  'ecdsa-with-SHA512',
]);
const BROKEN_HASHES = new Set(['MD2', 'MD5', 'SHA-1']);
const WHAT_TO_USE = 'sign the CSR with SHA-256 (ECDSA or RSA PKCS #1 v1.5)';

/**
 * Refuses a CSR whose signature algorithm the CA refuses, then one whose signature does not
 * verify. The algorithm comes first because a broken hash (MD5) may not be verifiable at all,
 * and "use SHA-256" is the useful answer then.
 *
 * @throws CsrError `weak-signature` (broken hash, or an algorithm outside the accepted set)
 *   or `bad-signature`.
 */
export function checkSignature(csr: ParsedCsr): void {
  if (!ACCEPTED.has(csr.signatureAlgorithm)) {
    const algorithm = csr.signatureAlgorithm;
    const message =
      csr.signatureHash && BROKEN_HASHES.has(csr.signatureHash)
        ? `CSR signed with ${algorithm}, and ${csr.signatureHash} is broken: ${WHAT_TO_USE}`
        : `CSR signed with ${algorithm}, which the CA does not accept: ${WHAT_TO_USE}`;
    throw new CsrError('weak-signature', message, 'signature');
  }
  if (!csr.signatureValid) {
    throw new CsrError(
      'bad-signature',
      'the CSR signature does not verify with its public key: the CSR was altered after signing or signed with another key',
      'signature',
    );
  }
}
