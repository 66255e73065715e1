// Test-only helpers: real keys, CSRs and certificates made with WebCrypto and
// @peculiar/x509, so that the specs exercise the same bytes a device or a CA would send.
import { webcrypto } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  Extension,
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
  nodeCrypto,
} from '../x509/x509-runtime';

export type KeyPair = webcrypto.CryptoKeyPair;
export type KeySpec = { ec: 'P-256' | 'P-384' | 'P-521' } | { rsa: number; exponent?: number; hash?: string };

/** Generates a signing key pair; RSA keys carry their signature hash (SHA-256 unless told). */
export async function generateKeys(spec: KeySpec): Promise<KeyPair> {
  const algorithm =
    'ec' in spec
      ? { name: 'ECDSA', namedCurve: spec.ec }
      : {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: spec.rsa,
          publicExponent: exponentBytes(spec.exponent ?? 65537),
          hash: spec.hash ?? 'SHA-256',
        };
  return (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as KeyPair;
}

export interface CsrSpec {
  keys: KeyPair;
  /** Subject, e.g. `CN=device.example.com`; none when omitted. */
  subject?: string;
  dns?: string[];
  ips?: string[];
  emails?: string[];
  uris?: string[];
  /** Hash for ECDSA signatures (RSA takes the hash its key was generated with). */
  hash?: string;
}

/** A real PKCS #10 request as PEM. */
export async function makeCsr(spec: CsrSpec): Promise<string> {
  const names = [
    ...(spec.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(spec.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
    ...(spec.emails ?? []).map((value) => ({ type: 'email' as const, value })),
    ...(spec.uris ?? []).map((value) => ({ type: 'url' as const, value })),
  ];
  const isEc = spec.keys.publicKey.algorithm.name === 'ECDSA';
  const csr = await Pkcs10CertificateRequestGenerator.create(
    {
      name: spec.subject,
      keys: spec.keys,
      signingAlgorithm: isEc
        ? { name: 'ECDSA', hash: spec.hash ?? 'SHA-256' }
        : { name: 'RSASSA-PKCS1-v1_5' },
      extensions: names.length > 0 ? [new SubjectAlternativeNameExtension(names)] : [],
    },
    nodeCrypto,
  );
  return csr.toString('pem');
}

/** PEM of a DER buffer, wrapped as the CSR's label. */
export function csrPem(der: Uint8Array): string {
  const body = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** The DER inside a PEM text (test convenience, lax). */
export function pemDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
}

export interface Issuer {
  certificate: X509Certificate;
  keys: KeyPair;
}

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A self-signed root CA (ECDSA P-256) with basicConstraints and a subject key identifier. */
export async function makeRoot(name = 'CN=fleetcert test root'): Promise<Issuer> {
  const keys = await generateKeys({ ec: 'P-256' });
  const certificate = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name,
      keys,
      signingAlgorithm: EC_P256,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2035-01-01T00:00:00Z'),
      extensions: [
        new BasicConstraintsExtension(true, undefined, true),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, nodeCrypto),
      ],
    },
    nodeCrypto,
  );
  return { certificate, keys };
}

export interface IssueSpec {
  issuer: Issuer;
  subject: string;
  publicKey: webcrypto.CryptoKey;
  /** Hex serial as @peculiar/x509 takes it (it adds the DER sign byte itself). */
  serialNumber: string;
  ca?: boolean;
  dns?: string[];
  ips?: string[];
  notBefore?: Date;
  notAfter?: Date;
}

/** A certificate signed by `issuer`, with an AKI naming the issuer's key. */
export async function issue(spec: IssueSpec): Promise<X509Certificate> {
  const names = [
    ...(spec.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(spec.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: Extension[] = [
    await AuthorityKeyIdentifierExtension.create(spec.issuer.keys.publicKey, false, nodeCrypto),
    await SubjectKeyIdentifierExtension.create(spec.publicKey, false, nodeCrypto),
  ];
  if (spec.ca) extensions.push(new BasicConstraintsExtension(true, 0, true));
  if (names.length > 0) extensions.push(new SubjectAlternativeNameExtension(names));
  return X509CertificateGenerator.create(
    {
      serialNumber: spec.serialNumber,
      subject: spec.subject,
      issuer: spec.issuer.certificate.subject,
      publicKey: spec.publicKey,
      signingKey: spec.issuer.keys.privateKey,
      signingAlgorithm: EC_P256,
      notBefore: spec.notBefore ?? new Date('2025-06-01T00:00:00Z'),
      notAfter: spec.notAfter ?? new Date('2025-06-07T16:00:00Z'),
      extensions,
    },
    nodeCrypto,
  );
}

function exponentBytes(exponent: number): Uint8Array {
  const hex = exponent.toString(16);
  return Uint8Array.from(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
}
