import { decodePem } from '../x509/pem';

/**
 * The DER bytes of a CSR that {@link parseCsr} already accepted (as stored with a request),
 * without parsing or verifying it again: what finalize sends to the CA. Re-parsing with
 * `parseCsr` costs a DER walk and a signature check per certificate (~0.1–0.25 ms for RSA
 * and P-256, see bench/micro/parse-csr.ts) for bytes that were checked at submission.
 *
 * @throws TypeError when `pem` holds no CERTIFICATE REQUEST block.
 */
export function csrDer(pem: string): Buffer {
  const block = decodePem(pem).find(
    (b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST',
  );
  if (!block) throw new TypeError('no CERTIFICATE REQUEST block in the stored CSR');
  return block.der;
}
