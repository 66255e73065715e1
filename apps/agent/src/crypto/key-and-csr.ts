import { createPrivateKey, webcrypto } from 'node:crypto';
import type { Identifier } from '../api/device-api.types';
import type { KeyType } from '../config/agent-config';
import { Pkcs10CertificateRequestGenerator, SubjectAlternativeNameExtension } from './x509-runtime';

export interface KeyAndCsr {
  /** PKCS #8 PEM of the new private key. */
  keyPem: string;
  /** PKCS #10 PEM asking for exactly `identifiers`. */
  csrPem: string;
}

interface Algorithm {
  key: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams;
  sign: { name: string; hash?: string };
}

const ALGORITHMS: Record<KeyType, Algorithm> = {
  'ecdsa-p256': { key: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  'ecdsa-p384': { key: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } },
  'rsa-2048': rsa(2048),
  'rsa-3072': rsa(3072),
  'rsa-4096': rsa(4096),
};

function rsa(bits: number): Algorithm {
  return {
    key: {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: bits,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    sign: { name: 'RSASSA-PKCS1-v1_5' },
  };
}

/**
 * Generates a fresh key pair and a CSR for it. Every certificate gets its own key: a new
 * key at each renewal limits what one leaked key exposes, and a DNS and an IP certificate
 * never share one (the privacy guard: Certificate Transparency would link the device's
 * name to its home address through the common key).
 *
 * DNS certificates carry their first name as CN (older TLS clients look there); IP
 * certificates have an empty subject, since an IP address in a CN is refused by CAs.
 */
export async function generateKeyAndCsr(
  type: KeyType,
  identifiers: readonly Identifier[],
): Promise<KeyAndCsr> {
  if (identifiers.length === 0) throw new RangeError('a CSR needs at least one identifier');
  const algorithm = ALGORITHMS[type];
  const keys = (await webcrypto.subtle.generateKey(algorithm.key, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const firstDns = identifiers.find((i) => i.type === 'dns');
  const csr = await Pkcs10CertificateRequestGenerator.create(
    {
      ...(firstDns && { name: `CN=${firstDns.value}` }),
      keys,
      signingAlgorithm: algorithm.sign,
      extensions: [
        new SubjectAlternativeNameExtension(identifiers.map((i) => ({ type: i.type, value: i.value }))),
      ],
    },
    webcrypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    format: 'pem',
    type: 'pkcs8',
  }) as string;
  return { keyPem, csrPem: `${csr.toString('pem').trim()}\n` };
}
