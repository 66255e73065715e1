// Test-only: a small CA that signs the agent's CSRs, so specs check real certificates.
import { randomBytes, webcrypto } from 'node:crypto';
import 'reflect-metadata';
import { Pkcs10CertificateRequest } from '@peculiar/x509';
import { Issuer, issue, makeRoot } from '../../../../libs/pki/src/testing/pki-fixtures';

export interface TestCa {
  /** PEM chain (leaf, intermediate) for the CSR's key and names. */
  sign(
    csrPem: string,
    opts?: { notBefore?: Date; notAfter?: Date; dns?: string[]; ips?: string[] },
  ): Promise<string>;
}

export async function createTestCa(): Promise<TestCa> {
  const root = await makeRoot('CN=agent test root');
  const intermediateKeys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const intermediateCert = await issue({
    issuer: root,
    subject: 'CN=agent test intermediate',
    publicKey: intermediateKeys.publicKey,
    serialNumber: '02',
    ca: true,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 365 * 86_400_000),
  });
  const intermediate: Issuer = { certificate: intermediateCert, keys: intermediateKeys };
  return {
    async sign(csrPem, opts = {}) {
      const csr = new Pkcs10CertificateRequest(csrPem);
      const sans = csr.getExtension('2.5.29.17') as unknown as {
        names: { items: { type: string; value: string }[] };
      };
      const names = sans.names.items;
      const leaf = await issue({
        issuer: intermediate,
        subject: 'CN=leaf',
        publicKey: await csr.publicKey.export(webcrypto),
        serialNumber: `4${randomBytes(8).toString('hex')}`,
        dns: opts.dns ?? names.filter((n) => n.type === 'dns').map((n) => n.value),
        ips: opts.ips ?? names.filter((n) => n.type === 'ip').map((n) => n.value),
        notBefore: opts.notBefore ?? new Date(Date.now() - 60_000),
        notAfter: opts.notAfter ?? new Date(Date.now() + 90 * 86_400_000),
      });
      return `${leaf.toString('pem')}\n${intermediateCert.toString('pem')}\n`;
    },
  };
}
