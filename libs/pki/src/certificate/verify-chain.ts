import { BasicConstraintsExtension, X509Certificate, nodeCrypto } from '../x509/x509-runtime';
import { CertificateError } from './certificate-error';
import { decodeCertificates } from './parse-certificate';

/**
 * Whether a chain (leaf first, as from the CA) leads to the given root: each certificate's
 * issuer name is the next one's subject, the next one is a CA (basicConstraints cA) and its
 * key verifies the signature; the last certificate is issued by the root (or is the root
 * itself, which some CAs append).
 *
 * Signatures and names only: validity dates, revocation, name constraints and key usages are
 * not checked — this answers "did the CA give us the chain we expect?", for example after
 * choosing an alternate chain, not "should a TLS client trust it now?".
 *
 * @returns false when any link is missing or any signature does not verify.
 * @throws CertificateError when either text is not readable PEM certificates, or `rootPem`
 *   holds more than one.
 */
export async function verifyChainTo(chainPem: string, rootPem: string): Promise<boolean> {
  const chain = readCertificates(chainPem, 'chain');
  const roots = readCertificates(rootPem, 'root');
  if (roots.length !== 1) throw new CertificateError(`root: expected one certificate, found ${roots.length}`);
  const [root] = roots;
  const last = chain.at(-1);
  if (chain.length > 1 && last && Buffer.from(last.rawData).equals(Buffer.from(root.rawData))) chain.pop();
  for (let i = 0; i < chain.length; i++) {
    if (!(await issuedBy(chain[i], chain[i + 1] ?? root))) return false;
  }
  return true;
}

async function issuedBy(certificate: X509Certificate, issuer: X509Certificate): Promise<boolean> {
  if (certificate.issuer !== issuer.subject) return false;
  if (!issuer.getExtension(BasicConstraintsExtension)?.ca) return false;
  try {
    return await certificate.verify({ publicKey: issuer.publicKey, signatureOnly: true }, nodeCrypto);
  } catch {
    // An algorithm WebCrypto cannot run, or a key that does not import: not verified.
    return false;
  }
}

function readCertificates(pem: string, what: string): X509Certificate[] {
  try {
    return decodeCertificates(pem).map(({ der }) => new X509Certificate(der));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CertificateError(`${what}: not readable PEM certificates: ${why}`, { cause: error });
  }
}
