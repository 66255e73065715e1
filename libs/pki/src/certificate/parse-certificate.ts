import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, id_ce_authorityKeyIdentifier } from '@peculiar/asn1-x509';
import { decodePem, encodePem } from '../x509/pem';
import { assertSingleDerSequence } from '../x509/der';
import { readSubjectAltNames } from '../x509/subject-alt-names';
import { ariCertId } from './ari-cert-id';
import { CertificateError } from './certificate-error';
import { assertCertificateShape, readKeyIdentifier, readLeafFields } from './leaf-fields';

/** What the product stores about an issued certificate, read from its PEM chain. */
export interface ParsedCertificate {
  /** The leaf certificate alone, as normalised PEM. */
  leafPem: string;
  /** Leaf then issuers, each block re-encoded: 64-column base64, `\n` line ends, final newline. */
  chainPem: string;
  /**
   * Lower-case hex of the serial's DER INTEGER content bytes: minimal two's complement, so a
   * `00` prefix appears exactly when the first byte would otherwise have its high bit set
   * (`0087654321`, not `87654321`). These are the bytes the ARI certID encodes; note that
   * `openssl x509 -serial` prints the number without that `00`.
   */
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  /** dNSName SANs as written by the CA. */
  dnsNames: string[];
  /** iPAddress SANs in canonical text (RFC 5952 for IPv6). */
  ipAddresses: string[];
  /** Lower-case hex SHA-256 of the SubjectPublicKeyInfo DER; equals the CSR's for the same key. */
  publicKeySha256: string;
  /** Lower-case hex keyIdentifier of the AKI extension; absent on certificates without one (self-signed roots). */
  authorityKeyIdentifier?: string;
  /** RFC 9773 certID, when the certificate has an AKI keyIdentifier (every CA-issued one does). */
  ariCertId?: string;
}

/**
 * Reads a PEM certificate chain, leaf first, as an ACME CA returns it from the certificate
 * URL. Only the leaf is interpreted; the issuers are checked to be well-formed DER
 * certificates and re-encoded.
 * Order and signatures are {@link verifyChainTo}'s job.
 *
 * @throws CertificateError when the text is not only `CERTIFICATE` PEM blocks, a
 *   certificate does not parse, or the leaf's SAN / AKI / serial is invalid.
 */
export function parseCertificateChain(pem: string): ParsedCertificate {
  try {
    return readChain(pem);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CertificateError(`not a readable PEM certificate chain: ${why}`, { cause: error });
  }
}

function readChain(pem: string): ParsedCertificate {
  const blocks = decodeCertificateBlocks(pem);
  // No schema parse (see leaf-fields.ts for what it would cost): every block is checked to
  // be well-formed DER shaped like a certificate, and the leaf's stored fields are read
  // straight from its DER.
  for (const der of blocks) assertCertificateShape(der);
  const leaf = readLeafFields(blocks[0]);
  const sans = readSubjectAltNames(leaf.extensions);
  const akiExtension = leaf.extensions.find((e) => e.oid === id_ce_authorityKeyIdentifier);
  const aki = akiExtension ? readKeyIdentifier(akiExtension.value) : undefined;
  const serial = Buffer.from(leaf.serial);
  return {
    leafPem: encodePem(blocks[0], 'CERTIFICATE'),
    chainPem: blocks.map((der) => encodePem(der, 'CERTIFICATE')).join(''),
    serialHex: serial.toString('hex'),
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    dnsNames: sans.dnsNames,
    ipAddresses: sans.ipAddresses,
    // The SubjectPublicKeyInfo as the certificate encodes it: DER, so the same bytes a CSR's
    // fingerprint hashes (spkiSha256 in x509/public-key.ts).
    publicKeySha256: createHash('sha256').update(leaf.spki).digest('hex'),
    authorityKeyIdentifier: aki?.toString('hex'),
    ariCertId: aki ? ariCertId(Buffer.from(aki), serial) : undefined,
  };
}

/** The DER of every block of a PEM text, each checked to be a CERTIFICATE holding one DER SEQUENCE. */
function decodeCertificateBlocks(pem: string): Buffer[] {
  return decodePem(pem).map(({ label, der }, index) => {
    if (label !== 'CERTIFICATE') throw new RangeError(`block ${index + 1} is a ${label}, not a CERTIFICATE`);
    assertSingleDerSequence(der);
    return der;
  });
}

/**
 * Decodes every block of a PEM text as a certificate.
 *
 * @throws RangeError / ASN.1 errors on the first block that is not one.
 */
export function decodeCertificates(pem: string): { der: Buffer; asn: Certificate }[] {
  return decodeCertificateBlocks(pem).map((der) => ({ der, asn: AsnConvert.parse(der, Certificate) }));
}
