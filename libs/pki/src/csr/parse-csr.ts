import * as nodeCrypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { decodePem } from '../x509/pem';
import { assertSingleDerSequence } from '../x509/der';
import { readCommonName } from '../x509/common-name';
import { readSubjectAltNames } from '../x509/subject-alt-names';
import { PublicKeySummary, spkiSha256, summarizePublicKey } from '../x509/public-key';
import { nameSignatureAlgorithm } from '../x509/signature-algorithm';
import { readCertificationRequest } from './certification-request';
import { CsrError } from './csr-error';
import { SignatureCheck, planSignatureCheck, runSignatureCheck } from './csr-signature';

/** What a CSR says, read but not yet judged: {@link checkCsr} applies the policy. */
export interface ParsedCsr {
  /** The CSR's DER bytes, as sent to the CA at finalize. */
  der: Buffer;
  /** Lower-case hex SHA-256 of {@link der}: identifies a submission (idempotency, logs). */
  csrSha256: string;
  /** The subject Common Name as written, when present and non-empty. */
  subjectCommonName?: string;
  /** dNSName SANs as written, not normalised. */
  dnsNames: string[];
  /** iPAddress SANs in canonical text (RFC 5952 for IPv6). */
  ipAddresses: string[];
  /** Kinds of other SANs present (`email`, `uri`, `otherName`, ...), each once. */
  otherSanTypes: string[];
  publicKey: PublicKeySummary;
  /** Lower-case hex SHA-256 of the SubjectPublicKeyInfo DER; equals a certificate's for the same key. */
  publicKeySha256: string;
  /** e.g. `ecdsa-with-SHA256`, `sha256WithRSAEncryption`; the dotted OID when unknown. */
  signatureAlgorithm: string;
  /** The signature's hash (`SHA-256`, `SHA-1`, ...), when the algorithm fixes one. */
  signatureHash?: string;
  /** Whether the CSR's signature verifies with its own public key (false when it cannot be checked). */
  signatureValid: boolean;
}

/**
 * Largest PEM accepted. An RSA-4096 CSR with 100 long SANs is about 40 KiB of PEM; the
 * bound keeps a hostile body from reaching the DER reader at all.
 */
export const MAX_CSR_PEM_LENGTH = 64 * 1024;

const CSR_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

export interface ParseCsrOptions {
  /**
   * Runs the signature check, e.g. on another thread (`SignatureCheckThread`); must not
   * reject. By default it runs here, synchronously.
   */
  checkSignature?: (check: SignatureCheck) => Promise<boolean>;
}

/**
 * Reads one PEM PKCS #10 certificate request (RFC 2986) and verifies its signature (here,
 * or where `options.checkSignature` says).
 *
 * Accepts exactly one `CERTIFICATE REQUEST` block (or the legacy `NEW CERTIFICATE REQUEST`
 * label some tools still write), surrounded by whitespace only. An invalid signature is
 * reported in {@link ParsedCsr.signatureValid}, not thrown, so that callers can log what
 * was sent; {@link checkCsr} refuses it.
 *
 * @throws CsrError `malformed` for anything that is not such a CSR: not PEM, bad base64,
 *   text or bytes after the request, a structure that is not strict DER shaped as RFC 2986
 *   says (certification-request.ts), two Common Names or SubjectAltName extensions, an IP
 *   SAN that is not 4 or 16 bytes.
 */
export async function parseCsr(pem: string, options: ParseCsrOptions = {}): Promise<ParsedCsr> {
  const der = decodeCsrPem(pem);
  let read: { csr: Omit<ParsedCsr, 'signatureValid'>; check?: SignatureCheck };
  try {
    read = readCsr(der);
  } catch (error) {
    throw new CsrError('malformed', `not a valid PKCS #10 CSR: ${reason(error)}`, 'csr', { cause: error });
  }
  const { csr, check } = read;
  let signatureValid = false;
  if (check) {
    signatureValid = options.checkSignature
      ? await options.checkSignature(check)
      : runSignatureCheck(nodeCrypto, check);
  }
  return { ...csr, signatureValid };
}

function decodeCsrPem(pem: string): Buffer {
  if (typeof pem !== 'string' || pem.length > MAX_CSR_PEM_LENGTH) {
    throw new CsrError(
      'malformed',
      `the CSR must be a PEM string of at most ${MAX_CSR_PEM_LENGTH} characters`,
      'csr',
    );
  }
  try {
    const blocks = decodePem(pem);
    if (blocks.length !== 1 || !CSR_LABELS.has(blocks[0].label)) {
      const found = blocks.map((b) => b.label).join(', ');
      throw new RangeError(`expected one CERTIFICATE REQUEST block, found: ${found}`);
    }
    assertSingleDerSequence(blocks[0].der);
    return blocks[0].der;
  } catch (error) {
    throw new CsrError('malformed', `not a PEM CSR: ${reason(error)}`, 'csr', { cause: error });
  }
}

/**
 * Reads the CSR's DER with a strict walk (certification-request.ts) rather than an ASN.1
 * schema parse, which cost ~0.5 ms of the ~0.75 ms a P-256 CSR took; the signature is
 * checked on the same parts, over the info bytes exactly as received.
 */
function readCsr(der: Buffer): { csr: Omit<ParsedCsr, 'signatureValid'>; check?: SignatureCheck } {
  const csr = readCertificationRequest(der);
  const sans = readSubjectAltNames(csr.requestedExtensions);
  const signature = nameSignatureAlgorithm(csr.signatureAlgorithm.algorithm);
  const parsed = {
    der,
    csrSha256: createHash('sha256').update(der).digest('hex'),
    subjectCommonName: readCommonName(der, csr.subject),
    dnsNames: sans.dnsNames,
    ipAddresses: sans.ipAddresses,
    otherSanTypes: sans.otherTypes,
    publicKey: summarizePublicKey(csr.publicKey),
    publicKeySha256: spkiSha256(csr.publicKey.der),
    signatureAlgorithm: signature.name,
    signatureHash: signature.hash,
  };
  return {
    csr: parsed,
    check: planSignatureCheck(csr.signatureAlgorithm, csr.publicKey, csr.info, csr.signature),
  };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
