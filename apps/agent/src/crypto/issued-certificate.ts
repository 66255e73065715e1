import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Identifier } from '../api/device-api.types';
import { canonicalIdentifier, describeIdentifiers, sameIdentifiers } from './identifiers';
import { PeculiarCertificate, SubjectAlternativeNameExtension } from './x509-runtime';

/** A certificate chain as the agent installs it. */
export interface IssuedCertificate {
  /** The leaf alone. */
  certPem: string;
  /** The issuers (intermediates), possibly empty. */
  chainPem: string;
  /** Leaf then issuers. */
  fullchainPem: string;
  /** Lower-case hex serial number. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** The leaf's SANs, canonical. */
  identifiers: Identifier[];
}

/** The chain is unusable: not PEM, broken order or signatures, wrong key or names. */
export class CertificateCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateCheckError';
  }
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads a PEM chain, leaf first, and checks that each certificate is issued and signed by
 * the next. (The root is not part of what a CA sends; the agent trusts the chain because
 * it came from its own server over verified TLS, and checks it only for consistency.)
 *
 * @throws CertificateCheckError
 */
export function readCertificateChain(pem: string): IssuedCertificate {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new CertificateCheckError('no PEM certificate in the chain');
  let certs: X509Certificate[];
  try {
    certs = blocks.map((b) => new X509Certificate(b));
  } catch (err) {
    throw new CertificateCheckError(`a certificate of the chain does not parse: ${(err as Error).message}`);
  }
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i].checkIssued(certs[i + 1]) || !certs[i].verify(certs[i + 1].publicKey)) {
      throw new CertificateCheckError(
        `certificate ${i + 1} of the chain is not signed by certificate ${i + 2}`,
      );
    }
  }
  const pems = certs.map((c) => c.toString().trim() + '\n');
  const leaf = certs[0];
  return {
    certPem: pems[0],
    chainPem: pems.slice(1).join(''),
    fullchainPem: pems.join(''),
    serial: leaf.serialNumber.toLowerCase(),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    identifiers: subjectAltNames(pems[0]),
  };
}

/**
 * {@link readCertificateChain}, plus: the leaf is for `keyPem` and names exactly
 * `expected`. The agent installs nothing that fails this, so a server mix-up can never
 * replace a working certificate with one that does not fit the key.
 */
export function checkIssuedCertificate(
  pem: string,
  keyPem: string,
  expected: readonly Identifier[],
): IssuedCertificate {
  const issued = readCertificateChain(pem);
  if (!new X509Certificate(issued.certPem).checkPrivateKey(createPrivateKey(keyPem))) {
    throw new CertificateCheckError('the issued certificate is not for the key the agent generated');
  }
  if (!sameIdentifiers(issued.identifiers, expected)) {
    throw new CertificateCheckError(
      `the issued certificate names ${describeIdentifiers(issued.identifiers)}, expected ${describeIdentifiers(expected)}`,
    );
  }
  return issued;
}

function subjectAltNames(leafPem: string): Identifier[] {
  const san = new PeculiarCertificate(leafPem).getExtension(SubjectAlternativeNameExtension);
  if (!san) return [];
  return san.names.items
    .filter((n) => n.type === 'dns' || n.type === 'ip')
    .map((n) => canonicalIdentifier({ type: n.type as 'dns' | 'ip', value: n.value }));
}
