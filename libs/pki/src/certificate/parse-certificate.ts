import { AsnConvert } from '@peculiar/asn1-schema';
import { AuthorityKeyIdentifier, Certificate, id_ce_authorityKeyIdentifier } from '@peculiar/asn1-x509';
import { decodePem, encodePem } from '../x509/pem';
import { assertSingleDerSequence } from '../x509/der';
import { readSubjectAltNames } from '../x509/subject-alt-names';
import { publicKeySha256 } from '../x509/public-key';
import { ariCertId } from './ari-cert-id';
import { CertificateError } from './certificate-error';

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
 * URL. Only the leaf is interpreted; the issuers are checked to parse and re-encoded.
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
  const certificates = decodeCertificates(pem);
  const [leaf] = certificates;
  const tbs = leaf.asn.tbsCertificate;
  const sans = readSubjectAltNames(tbs.extensions ?? []);
  const aki = readAuthorityKeyIdentifier(leaf.asn);
  const serial = Buffer.from(tbs.serialNumber);
  return {
    leafPem: encodePem(leaf.der, 'CERTIFICATE'),
    chainPem: certificates.map((c) => encodePem(c.der, 'CERTIFICATE')).join(''),
    serialHex: serial.toString('hex'),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    dnsNames: sans.dnsNames,
    ipAddresses: sans.ipAddresses,
    publicKeySha256: publicKeySha256(tbs.subjectPublicKeyInfo),
    authorityKeyIdentifier: aki?.toString('hex'),
    ariCertId: aki ? ariCertId(aki, serial) : undefined,
  };
}

/**
 * Decodes every block of a PEM text as a certificate.
 *
 * @throws RangeError / ASN.1 errors on the first block that is not one.
 */
export function decodeCertificates(pem: string): { der: Buffer; asn: Certificate }[] {
  return decodePem(pem).map(({ label, der }, index) => {
    if (label !== 'CERTIFICATE') throw new RangeError(`block ${index + 1} is a ${label}, not a CERTIFICATE`);
    assertSingleDerSequence(der);
    return { der, asn: AsnConvert.parse(der, Certificate) };
  });
}

function readAuthorityKeyIdentifier(certificate: Certificate): Buffer | undefined {
  const extension = certificate.tbsCertificate.extensions?.find(
    (e) => e.extnID === id_ce_authorityKeyIdentifier,
  );
  if (!extension) return undefined;
  const keyIdentifier = AsnConvert.parse(extension.extnValue.buffer, AuthorityKeyIdentifier).keyIdentifier;
  return keyIdentifier && keyIdentifier.byteLength > 0 ? Buffer.from(keyIdentifier.buffer) : undefined;
}
