import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import 'reflect-metadata';
import { Pkcs10CertificateRequest, SubjectAlternativeNameExtension } from '@peculiar/x509';
import { KEY_TYPES } from '../config/agent-config';
import { generateKeyAndCsr } from './key-and-csr';

function sanOf(csr: Pkcs10CertificateRequest) {
  return new SubjectAlternativeNameExtension(csr.getExtension('2.5.29.17')!.rawData).names.items;
}

describe(generateKeyAndCsr.name, () => {
  it('should make an ECDSA P-256 key and a signed CSR for exactly the given names by default', async () => {
    const { keyPem, csrPem } = await generateKeyAndCsr('ecdsa-p256', [
      { type: 'dns', value: 'x7k2.devices.example.com' },
    ]);
    const key = createPrivateKey(keyPem);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);

    const csr = new Pkcs10CertificateRequest(csrPem);
    expect(await csr.verify(webcrypto)).toBe(true);
    expect(csr.subject).toBe('CN=x7k2.devices.example.com');
    const sans = sanOf(csr).map((n) => [n.type, n.value]);
    expect(sans).toEqual([['dns', 'x7k2.devices.example.com']]);
    // The CSR carries the public half of this very key.
    const csrKey = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
    expect(csrKey.export({ type: 'spki', format: 'der' })).toEqual(
      createPublicKey(key).export({ type: 'spki', format: 'der' }),
    );
  });

  it('should leave the subject empty for IP certificates (no IP address in a CN)', async () => {
    const { csrPem } = await generateKeyAndCsr('ecdsa-p256', [
      { type: 'ip', value: '203.0.113.7' },
      { type: 'ip', value: '2001:db8::7' },
    ]);
    const csr = new Pkcs10CertificateRequest(csrPem);
    expect(csr.subject).toBe('');
    expect(sanOf(csr).map((n) => n.value)).toEqual(['203.0.113.7', '2001:db8::7']);
  });

  it('should give every call a fresh key', async () => {
    const ids = [{ type: 'dns' as const, value: 'a.example.com' }];
    const [a, b] = await Promise.all([
      generateKeyAndCsr('ecdsa-p256', ids),
      generateKeyAndCsr('ecdsa-p256', ids),
    ]);
    expect(a.keyPem).not.toBe(b.keyPem);
  });

  it.each(KEY_TYPES.filter((t) => t !== 'rsa-4096'))(
    'should make a verifiable CSR with a %s key',
    async (type) => {
      const { keyPem, csrPem } = await generateKeyAndCsr(type, [{ type: 'dns', value: 'a.example.com' }]);
      expect(await new Pkcs10CertificateRequest(csrPem).verify(webcrypto)).toBe(true);
      const details = createPrivateKey(keyPem).asymmetricKeyDetails!;
      if (type.startsWith('rsa')) expect(details.modulusLength).toBe(Number(type.slice(4)));
      else expect(details.namedCurve).toBe(type === 'ecdsa-p256' ? 'prime256v1' : 'secp384r1');
    },
  );

  it('should refuse an empty identifier list', async () => {
    await expect(generateKeyAndCsr('ecdsa-p256', [])).rejects.toThrow(RangeError);
  });
});
