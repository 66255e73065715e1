import { ECDH, sign, webcrypto } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { Pkcs10CertificateRequestGenerator, nodeCrypto } from '../x509/x509-runtime';
import { csrPem, generateKeys, makeCsr, pemDer } from '../testing/pki-fixtures';
import { ParseCsrOptions, parseCsr as parseCsrWith } from './parse-csr';
import { SignatureCheckThread } from './signature-check-thread';

const NAME = 'a.example.com';

/** A CSR made by @peculiar/x509 for key and signature algorithms the fixtures do not cover. */
async function csrWith(
  keyAlgorithm: webcrypto.RsaHashedKeyGenParams | webcrypto.Algorithm,
  signingAlgorithm: webcrypto.Algorithm | webcrypto.RsaPssParams,
): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey(keyAlgorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await Pkcs10CertificateRequestGenerator.create(
    { name: `CN=${NAME}`, keys, signingAlgorithm },
    nodeCrypto,
  );
  return csr.toString('pem');
}

/** The same CSR with one bit of its signature flipped: it still parses, but must not verify. */
function tamperedSignature(pem: string): string {
  const der = pemDer(pem);
  der[der.length - 3] ^= 0x01;
  return csrPem(der);
}

/** The same CSR with one bit of the signed part (the subject) flipped. */
function tamperedSubject(pem: string): string {
  const der = pemDer(pem);
  der.write('b', der.indexOf(NAME));
  return csrPem(der);
}

const rsa = (hash: string) => ({
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash,
});

/** Each key and signature algorithm the WebCrypto path verified before, verified by node:crypto now. */
const SUPPORTED: [string, string, () => Promise<string>][] = [
  [
    'ECDSA P-256',
    'ecdsa-with-SHA256',
    async () => makeCsr({ keys: await generateKeys({ ec: 'P-256' }), subject: `CN=${NAME}`, dns: [NAME] }),
  ],
  [
    'ECDSA P-384',
    'ecdsa-with-SHA384',
    async () =>
      makeCsr({
        keys: await generateKeys({ ec: 'P-384' }),
        subject: `CN=${NAME}`,
        dns: [NAME],
        hash: 'SHA-384',
      }),
  ],
  [
    'ECDSA P-521',
    'ecdsa-with-SHA512',
    async () =>
      makeCsr({
        keys: await generateKeys({ ec: 'P-521' }),
        subject: `CN=${NAME}`,
        dns: [NAME],
        hash: 'SHA-512',
      }),
  ],
  [
    'ECDSA P-256 with SHA-1',
    'ecdsa-with-SHA1',
    async () => makeCsr({ keys: await generateKeys({ ec: 'P-256' }), subject: `CN=${NAME}`, hash: 'SHA-1' }),
  ],
  [
    'RSA PKCS #1 v1.5',
    'sha256WithRSAEncryption',
    () => csrWith(rsa('SHA-256'), { name: 'RSASSA-PKCS1-v1_5' }),
  ],
  [
    'RSA PKCS #1 v1.5 with SHA-512',
    'sha512WithRSAEncryption',
    () => csrWith(rsa('SHA-512'), { name: 'RSASSA-PKCS1-v1_5' }),
  ],
  [
    'RSA PKCS #1 v1.5 with SHA-1',
    'sha1WithRSAEncryption',
    () => csrWith(rsa('SHA-1'), { name: 'RSASSA-PKCS1-v1_5' }),
  ],
  [
    'RSASSA-PSS',
    'RSASSA-PSS',
    () =>
      csrWith({ ...rsa('SHA-256'), name: 'RSA-PSS' }, {
        name: 'RSA-PSS',
        saltLength: 32,
      } as webcrypto.RsaPssParams),
  ],
  ['Ed25519', 'Ed25519', () => csrWith({ name: 'Ed25519' }, { name: 'Ed25519' })],
];

// Every case runs twice: on the calling thread, and on a SignatureCheckThread (the API's way).
const thread = new SignatureCheckThread();
afterAll(() => thread.close());

describe.each<[string, ParseCsrOptions]>([
  ['on the calling thread', {}],
  ['on a check thread', { checkSignature: (check) => thread.check(check) }],
])('CSR signature verification (node:crypto), %s', (_where, options) => {
  const parseCsr = (pem: string) => parseCsrWith(pem, options);

  describe.each(SUPPORTED)('%s', (_name, algorithm, make) => {
    let pem: string;
    beforeAll(async () => {
      pem = await make();
    });

    it('should verify an untouched CSR', async () => {
      const csr = await parseCsr(pem);
      expect(csr.signatureAlgorithm).toBe(algorithm);
      expect(csr.signatureValid).toBe(true);
    });

    it('should not verify a CSR whose signature was altered', async () => {
      expect((await parseCsr(tamperedSignature(pem))).signatureValid).toBe(false);
    });

    it('should not verify a CSR whose signed subject was altered', async () => {
      const csr = await parseCsr(tamperedSubject(pem));
      expect(csr.subjectCommonName).toBe('b.example.com');
      expect(csr.signatureValid).toBe(false);
    });
  });

  describe('an ECDSA key written as a compressed point (no JWK form: imported from the SPKI)', () => {
    /** Re-encodes the CSR's key as a compressed point and signs the result again with `privateKey`. */
    async function compressed(signWith: 'own key' | 'another key'): Promise<string> {
      const keys = await generateKeys({ ec: 'P-256' });
      const csr = AsnConvert.parse(
        pemDer(await makeCsr({ keys, subject: `CN=${NAME}` })),
        CertificationRequest,
      );
      const spki = csr.certificationRequestInfo.subjectPKInfo;
      spki.subjectPublicKey = new Uint8Array(
        ECDH.convertKey(
          Buffer.from(spki.subjectPublicKey),
          'prime256v1',
          undefined,
          undefined,
          'compressed',
        ) as Buffer,
      ).buffer;
      const signer = signWith === 'own key' ? keys : await generateKeys({ ec: 'P-256' });
      const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', signer.privateKey));
      const info = Buffer.from(AsnConvert.serialize(csr.certificationRequestInfo));
      const signature = sign('sha256', info, { key: pkcs8, format: 'der', type: 'pkcs8' });
      const signed = new CertificationRequest({
        certificationRequestInfo: csr.certificationRequestInfo,
        signatureAlgorithm: csr.signatureAlgorithm,
        signature: new Uint8Array(signature).buffer,
      });
      return csrPem(new Uint8Array(AsnConvert.serialize(signed)));
    }

    it('should verify it, and describe the key as P-256', async () => {
      const csr = await parseCsr(await compressed('own key'));
      expect(csr.publicKey).toEqual({ kind: 'ec', curve: 'P-256' });
      expect(csr.signatureValid).toBe(true);
    });

    it('should not verify it when another key signed', async () => {
      expect((await parseCsr(await compressed('another key'))).signatureValid).toBe(false);
    });
  });
});
