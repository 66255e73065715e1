import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** A throwaway certificate with a chosen serial (hex) and authority key identifier (hex), for ARI. */
export async function certificateWith(serialHex: string, akiHex: string): Promise<string> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, false, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialHex,
      name: 'CN=ari test',
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2025-01-07T16:00:00Z'),
      signingAlgorithm: algorithm,
      keys,
      extensions: [new x509.AuthorityKeyIdentifierExtension(akiHex)],
    },
    webcrypto,
  );
  return cert.toString('pem');
}
