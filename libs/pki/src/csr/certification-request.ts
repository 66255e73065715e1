import {
  DER,
  DerElement,
  assertWellFormedDer,
  derChildren,
  derEncoding,
  expectDerTag,
  readIntegerContent,
  readOid,
  readSingleDerElement,
} from '../x509/der';
import { AlgorithmIdentifier, readAlgorithmIdentifier } from '../x509/algorithm-identifier';
import { X509Extension, readExtensions } from '../x509/extensions';
import { PublicKeyInfo, readOctetAlignedBits, readPublicKeyInfo } from '../x509/public-key';

/** The parts of a PKCS #10 request, located in its DER but not yet interpreted. */
export interface CertificationRequestParts {
  /** The certificationRequestInfo element exactly as received: what the signature covers. */
  info: Buffer;
  /** The subject Name element, within the request's DER. */
  subject: DerElement;
  publicKey: PublicKeyInfo;
  /** The extensions of every extensionRequest attribute (and each of its values), in order. */
  requestedExtensions: X509Extension[];
  signatureAlgorithm: AlgorithmIdentifier;
  /** The signature BIT STRING's bytes. */
  signature: Buffer;
}

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14'; // PKCS #9 (RFC 2985 §5.4.2)
const ATTRIBUTES = 0xa0; // [0] IMPLICIT SET OF Attribute

/**
 * Walks a CertificationRequest (RFC 2986 §4) in DER:
 *
 *     SEQUENCE { SEQUENCE { version INTEGER (0), subject Name, subjectPKInfo,
 *                           attributes [0] IMPLICIT SET OF Attribute },
 *                signatureAlgorithm AlgorithmIdentifier, signature BIT STRING }
 *
 * Every element must be where RFC 2986 puts it, with nothing before, between or after, and
 * the whole tree must be well-formed DER (see x509/der.ts).
 *
 * @throws RangeError naming the first part that is not as it should be.
 */
export function readCertificationRequest(der: Buffer): CertificationRequestParts {
  const root = expectDerTag(readSingleDerElement(der), DER.SEQUENCE, 'CertificationRequest');
  assertWellFormedDer(der, root);
  const parts = derChildren(der, root);
  if (parts.length !== 3) throw new RangeError('not a CertificationRequest: expected 3 parts');
  const info = derChildren(der, expectDerTag(parts[0], DER.SEQUENCE, 'certificationRequestInfo'));
  if (info.length !== 4) throw new RangeError('not a CertificationRequestInfo: expected 4 parts');
  const version = readIntegerContent(der, info[0], 'version');
  if (version.length !== 1 || version[0] !== 0) throw new RangeError('version is not v1 (0)');
  return {
    info: derEncoding(der, parts[0]),
    subject: expectDerTag(info[1], DER.SEQUENCE, 'subject'),
    publicKey: readPublicKeyInfo(der, info[2]),
    requestedExtensions: readRequestedExtensions(der, expectDerTag(info[3], ATTRIBUTES, 'attributes')),
    signatureAlgorithm: readAlgorithmIdentifier(der, parts[1], 'signatureAlgorithm'),
    signature: readOctetAlignedBits(der, parts[2], 'signature'),
  };
}

/** Attribute ::= SEQUENCE { type OID, values SET OF ANY }; extensionRequest values are Extensions. */
function readRequestedExtensions(der: Buffer, attributes: DerElement): X509Extension[] {
  const extensions: X509Extension[] = [];
  for (const attribute of derChildren(der, attributes)) {
    const parts = derChildren(der, expectDerTag(attribute, DER.SEQUENCE, 'attribute'));
    if (parts.length !== 2) throw new RangeError('an attribute is not a type and a set of values');
    const type = readOid(der, parts[0]);
    const values = derChildren(der, expectDerTag(parts[1], DER.SET, 'attribute values'));
    if (type === EXTENSION_REQUEST)
      for (const value of values) extensions.push(...readExtensions(der, value));
  }
  return extensions;
}
