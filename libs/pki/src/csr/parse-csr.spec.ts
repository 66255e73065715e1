import { createHash, webcrypto } from 'node:crypto';
import { CsrError } from './csr-error';
import { MAX_CSR_PEM_LENGTH, parseCsr } from './parse-csr';
import { KeyPair, csrPem, generateKeys, makeCsr, pemDer } from '../testing/pki-fixtures';

async function spkiSha256(keys: KeyPair): Promise<string> {
  const spki = await webcrypto.subtle.exportKey('spki', keys.publicKey);
  return createHash('sha256').update(Buffer.from(spki)).digest('hex');
}

async function expectMalformed(pem: unknown): Promise<CsrError> {
  const error = await parseCsr(pem as string).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CsrError);
  expect(error).toMatchObject({ code: 'malformed', httpStatus: 400 });
  return error as CsrError;
}

describe(parseCsr.name, () => {
  let p256: KeyPair;
  let p384: KeyPair;
  let rsa2048: KeyPair;
  let validPem: string;

  beforeAll(async () => {
    [p256, p384, rsa2048] = await Promise.all([
      generateKeys({ ec: 'P-256' }),
      generateKeys({ ec: 'P-384' }),
      generateKeys({ rsa: 2048 }),
    ]);
    validPem = await makeCsr({
      keys: p256,
      subject: 'CN=Device.example.com, O=Acme',
      dns: ['Device.example.com', 'other.example.com'],
      ips: ['192.0.2.10', '2001:DB8:0:0:0:0:0:1'],
    });
  });

  it('should read names, key and signature of an ECDSA P-256 CSR', async () => {
    const csr = await parseCsr(validPem);
    expect(csr).toMatchObject({
      subjectCommonName: 'Device.example.com',
      dnsNames: ['Device.example.com', 'other.example.com'],
      ipAddresses: ['192.0.2.10', '2001:db8::1'],
      otherSanTypes: [],
      publicKey: { kind: 'ec', curve: 'P-256' },
      signatureAlgorithm: 'ecdsa-with-SHA256',
      signatureHash: 'SHA-256',
      signatureValid: true,
    });
  });

  it('should return the DER, its SHA-256 and the SPKI SHA-256 of the key', async () => {
    const csr = await parseCsr(validPem);
    expect(csr.der.equals(pemDer(validPem))).toBe(true);
    expect(csr.csrSha256).toBe(createHash('sha256').update(pemDer(validPem)).digest('hex'));
    expect(csr.publicKeySha256).toBe(await spkiSha256(p256));
  });

  it('should describe P-384 and RSA keys', async () => {
    const ec = await parseCsr(await makeCsr({ keys: p384, dns: ['a.example.com'], hash: 'SHA-384' }));
    expect(ec.publicKey).toEqual({ kind: 'ec', curve: 'P-384' });
    expect(ec.signatureAlgorithm).toBe('ecdsa-with-SHA384');
    const rsa = await parseCsr(await makeCsr({ keys: rsa2048, dns: ['a.example.com'] }));
    expect(rsa.publicKey).toEqual({ kind: 'rsa', modulusBits: 2048, exponent: 65537 });
    expect(rsa.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(rsa.publicKeySha256).toBe(await spkiSha256(rsa2048));
    expect(rsa.signatureValid).toBe(true);
  });

  it('should list other SAN kinds once each', async () => {
    const csr = await parseCsr(
      await makeCsr({
        keys: p256,
        dns: ['a.example.com'],
        emails: ['ops@example.com', 'root@example.com'],
        uris: ['https://example.com/'],
      }),
    );
    expect(csr.dnsNames).toEqual(['a.example.com']);
    expect(csr.otherSanTypes).toEqual(['email', 'uri']);
  });

  it('should leave the Common Name undefined when the subject has none', async () => {
    const csr = await parseCsr(await makeCsr({ keys: p256, dns: ['a.example.com'] }));
    expect(csr.subjectCommonName).toBeUndefined();
  });

  it('should report a flipped signature byte as an invalid signature', async () => {
    const der = pemDer(validPem);
    der[der.length - 1] ^= 0x01;
    const csr = await parseCsr(csrPem(der));
    expect(csr.signatureValid).toBe(false);
  });

  it('should report a subject changed after signing as an invalid signature', async () => {
    const der = pemDer(validPem);
    const at = der.indexOf('Device.example.com');
    expect(at).toBeGreaterThan(0);
    der.write('Evil', at); // same length, so the DER stays well-formed
    const csr = await parseCsr(csrPem(der));
    expect(csr.subjectCommonName).toBe('Evilce.example.com');
    expect(csr.signatureValid).toBe(false);
  });

  it('should report a CSR signed by another key than the one it carries as invalid', async () => {
    const pem = await makeCsr({
      keys: { publicKey: p256.publicKey, privateKey: p384.privateKey },
      dns: ['a.example.com'],
    });
    const csr = await parseCsr(pem);
    expect(csr.publicKey).toEqual({ kind: 'ec', curve: 'P-256' });
    expect(csr.signatureValid).toBe(false);
  });

  it('should accept the legacy NEW CERTIFICATE REQUEST label and CRLF line ends', async () => {
    const legacy = validPem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST').replace(/\n/g, '\r\n');
    const csr = await parseCsr(`\n${legacy}\n`);
    expect(csr.signatureValid).toBe(true);
    expect(csr.der.equals(pemDer(validPem))).toBe(true);
  });

  it.each([
    ['an empty string', () => ''],
    ['text that is not PEM', () => 'hello'],
    ['a certificate block', (pem: string) => pem.replace(/CERTIFICATE REQUEST/g, 'CERTIFICATE')],
    ['two CSR blocks', (pem: string) => pem + pem],
    ['text after the block', (pem: string) => `${pem}garbage`],
    ['text before the block', (pem: string) => `Certificate Request:\n${pem}`],
    ['a character outside base64', (pem: string) => pem.replace(/\n(.)/, '\n!')],
    ['truncated base64', (pem: string) => pem.replace(/.(\n-----END)/, '$1')],
    ['base64 that is not ASN.1', () => csrPem(Buffer.from('this is not a certificate request'))],
    ['DER with trailing bytes', (pem: string) => csrPem(Buffer.concat([pemDer(pem), Buffer.from([0])]))],
    ['a DER SEQUENCE that is not a CSR', () => csrPem(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]))],
    ['more than the size limit', (pem: string) => pem + ' '.repeat(MAX_CSR_PEM_LENGTH)],
  ])('should refuse %s as malformed', async (_what, make) => {
    await expectMalformed(make(validPem));
  });

  it('should refuse a value that is not a string as malformed', async () => {
    await expectMalformed(Buffer.from(validPem));
  });

  it('should refuse a subject with two Common Names as malformed', async () => {
    const pem = await makeCsr({
      keys: p256,
      subject: 'CN=a.example.com, CN=b.example.com',
      dns: ['a.example.com'],
    });
    const error = await expectMalformed(pem);
    expect(error.message).toContain('more than one Common Name');
  });
});
