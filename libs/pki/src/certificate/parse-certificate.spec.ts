import { createHash, webcrypto } from 'node:crypto';
import { parseCertificateChain } from './parse-certificate';
import { CertificateError } from './certificate-error';
import { parseCsr } from '../csr/parse-csr';
import { Issuer, KeyPair, generateKeys, issue, makeCsr, makeRoot } from '../testing/pki-fixtures';
import { X509Certificate } from '../x509/x509-runtime';

describe(parseCertificateChain.name, () => {
  let root: Issuer;
  let intermediate: Issuer;
  let leafKeys: KeyPair;
  let leaf: X509Certificate;
  let chainPem: string;

  beforeAll(async () => {
    root = await makeRoot();
    const intermediateKeys = await generateKeys({ ec: 'P-256' });
    intermediate = {
      keys: intermediateKeys,
      certificate: await issue({
        issuer: root,
        subject: 'CN=fleetcert test intermediate',
        publicKey: intermediateKeys.publicKey,
        serialNumber: '02',
        ca: true,
      }),
    };
    leafKeys = await generateKeys({ ec: 'P-256' });
    leaf = await issue({
      issuer: intermediate,
      subject: 'CN=x7k2qf9a.devices.example.com',
      publicKey: leafKeys.publicKey,
      serialNumber: '87654321',
      dns: ['x7k2qf9a.devices.example.com'],
      ips: ['2001:db8:0:0:0:0:0:1', '192.0.2.7'],
      notBefore: new Date('2025-06-01T00:00:00Z'),
      notAfter: new Date('2025-06-07T16:00:00Z'),
    });
    chainPem = leaf.toString('pem') + '\n' + intermediate.certificate.toString('pem');
  });

  it('should read the leaf: serial, validity, names', () => {
    const parsed = parseCertificateChain(chainPem);
    expect(parsed).toMatchObject({
      serialHex: '0087654321',
      notBefore: new Date('2025-06-01T00:00:00Z'),
      notAfter: new Date('2025-06-07T16:00:00Z'),
      dnsNames: ['x7k2qf9a.devices.example.com'],
      ipAddresses: ['2001:db8::1', '192.0.2.7'],
    });
  });

  it('should keep serial bytes as DER has them, without a sign byte when none is needed', async () => {
    const other = await issue({
      issuer: intermediate,
      subject: 'CN=a',
      publicKey: leafKeys.publicKey,
      serialNumber: '7f01',
    });
    expect(parseCertificateChain(other.toString('pem')).serialHex).toBe('7f01');
  });

  it("should give the key the same fingerprint as the CSR's", async () => {
    const parsed = parseCertificateChain(chainPem);
    const csr = await parseCsr(await makeCsr({ keys: leafKeys, dns: ['x7k2qf9a.devices.example.com'] }));
    const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', leafKeys.publicKey));
    expect(parsed.publicKeySha256).toBe(createHash('sha256').update(spki).digest('hex'));
    expect(parsed.publicKeySha256).toBe(csr.publicKeySha256);
  });

  it("should read the AKI as the issuer's key identifier and derive the ARI certID from it", async () => {
    const parsed = parseCertificateChain(chainPem);
    const issuerKeyId = Buffer.from(await intermediate.certificate.publicKey.getKeyIdentifier(webcrypto));
    expect(parsed.authorityKeyIdentifier).toBe(issuerKeyId.toString('hex'));
    expect(parsed.ariCertId).toBe(`${issuerKeyId.toString('base64url')}.AIdlQyE`);
  });

  it('should normalise the PEM: leaf alone, then the chain with LF line ends and no blank lines', () => {
    const messy = `\r\n${chainPem.replace(/\n/g, '\r\n')}\r\n\r\n`;
    const parsed = parseCertificateChain(messy);
    expect(parsed.leafPem).toBe(leaf.toString('pem').replace(/\r\n/g, '\n') + '\n');
    expect(parsed.chainPem).toBe(
      parsed.leafPem + intermediate.certificate.toString('pem').replace(/\r\n/g, '\n') + '\n',
    );
    expect(parsed.chainPem).not.toContain('\r');
    expect(parsed.chainPem.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
  });

  it('should read validity written as GeneralizedTime (dates from 2050 on) as well as UTCTime', async () => {
    const longLived = await issue({
      issuer: intermediate,
      subject: 'CN=a',
      publicKey: leafKeys.publicKey,
      serialNumber: '03',
      notBefore: new Date('2049-12-31T23:59:59Z'),
      notAfter: new Date('2050-01-01T00:00:01Z'),
    });
    expect(parseCertificateChain(longLived.toString('pem'))).toMatchObject({
      notBefore: new Date('2049-12-31T23:59:59Z'),
      notAfter: new Date('2050-01-01T00:00:01Z'),
    });
  });

  it('should leave the AKI and certID undefined for a certificate without an AKI', () => {
    const parsed = parseCertificateChain(root.certificate.toString('pem'));
    expect(parsed.authorityKeyIdentifier).toBeUndefined();
    expect(parsed.ariCertId).toBeUndefined();
    expect(parsed.serialHex).toBe('01');
  });

  it.each([
    ['an empty text', () => ''],
    ['a CSR', async () => makeCsr({ keys: leafKeys, dns: ['a.example.com'] })],
    ['a certificate followed by garbage', async () => `${chainPem}junk`],
    [
      'a certificate block holding garbage',
      () => '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n',
    ],
    [
      'an issuer block holding garbage',
      () => `${leaf.toString('pem')}\n-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n`,
    ],
    [
      'an issuer whose DER is cut short inside',
      () => {
        const der = Buffer.from(intermediate.certificate.rawData);
        // The outer length still covers the buffer; the tbsCertificate's claims one byte more.
        der[der.indexOf(0x30, 1) + 3] += 1;
        return `${leaf.toString('pem')}\n-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
      },
    ],
  ])('should throw a CertificateError for %s', async (_what, make) => {
    const pem = await make();
    expect(() => parseCertificateChain(pem)).toThrow(CertificateError);
  });
});
