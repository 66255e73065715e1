import { X509Certificate, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** A fresh P-256 key and a CSR (DER) for `names` and `ips`, as a device would send it. */
export async function createCsr(identifiers: { dns?: string[]; ip?: string[] }): Promise<{ der: Buffer }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, false, ['sign', 'verify']);
  const names = [
    ...(identifiers.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(identifiers.ip ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      keys,
      signingAlgorithm: algorithm,
      extensions: [new x509.SubjectAlternativeNameExtension(names)],
    },
    webcrypto,
  );
  return { der: Buffer.from(csr.rawData) };
}

/** The certificates of a PEM chain, in order. */
export function splitChain(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (block) => new X509Certificate(block),
  );
}

/** Asserts `chain` is leaf first, each certificate signed by the next, the last signed by `rootPem`. */
export function expectChainsTo(chainPem: string, rootPem: string): X509Certificate[] {
  const chain = splitChain(chainPem);
  const root = new X509Certificate(rootPem);
  expect(chain.length).toBeGreaterThanOrEqual(2);
  const path = [...chain, root];
  for (let i = 0; i < path.length - 1; i++) {
    expect(path[i].checkIssued(path[i + 1])).toBe(true);
    expect(path[i].verify(path[i + 1].publicKey)).toBe(true);
  }
  expect(root.verify(root.publicKey)).toBe(true);
  return chain;
}
