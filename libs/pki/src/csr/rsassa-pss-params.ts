import {
  DER,
  DerElement,
  derChildren,
  expectDerTag,
  readIntegerContent,
  readSingleDerElement,
} from '../x509/der';
import { readAlgorithmIdentifier } from '../x509/algorithm-identifier';

/** RSASSA-PSS parameters (RFC 4055 §3.1), defaults applied. */
export interface RsassaPssParams {
  /** Dotted OID of the message hash. */
  hashAlgorithm: string;
  /** Dotted OID of the mask generation function (MGF1 in practice). */
  maskGenAlgorithm: string;
  /** Dotted OID of the mask generation function's hash, when it names one. */
  maskGenHash?: string;
  saltLength: number;
  trailerField: number;
}

const SHA1 = '1.3.14.3.2.26';
export const MGF1 = '1.2.840.113549.1.1.8';

/**
 * Reads `SEQUENCE { hashAlgorithm [0] DEFAULT sha1, maskGenAlgorithm [1] DEFAULT mgf1SHA1,
 * saltLength [2] INTEGER DEFAULT 20, trailerField [3] INTEGER DEFAULT 1 }`, each field
 * explicitly tagged, in that order, each at most once.
 *
 * @throws RangeError for anything else.
 */
export function readRsassaPssParams(parameters: Buffer): RsassaPssParams {
  const params: RsassaPssParams = {
    hashAlgorithm: SHA1,
    maskGenAlgorithm: MGF1,
    maskGenHash: SHA1,
    saltLength: 20,
    trailerField: 1,
  };
  let lastField = -1;
  const sequence = expectDerTag(readSingleDerElement(parameters), DER.SEQUENCE, 'RSASSA-PSS-params');
  for (const field of derChildren(parameters, sequence)) {
    const number = field.tag - 0xa0;
    if (number <= lastField || number > 3) throw new RangeError('RSASSA-PSS-params fields out of order');
    lastField = number;
    const inner = derChildren(parameters, field);
    if (inner.length !== 1) throw new RangeError('an RSASSA-PSS-params field holds more than one value');
    if (number === 0)
      params.hashAlgorithm = readAlgorithmIdentifier(parameters, inner[0], 'hashAlgorithm').algorithm;
    else if (number === 1) {
      const mgf = readAlgorithmIdentifier(parameters, inner[0], 'maskGenAlgorithm');
      params.maskGenAlgorithm = mgf.algorithm;
      params.maskGenHash = mgf.parameters
        ? readAlgorithmIdentifier(mgf.parameters, readSingleDerElement(mgf.parameters), 'MGF hash').algorithm
        : undefined;
    } else if (number === 2) params.saltLength = smallInteger(parameters, inner[0], 'saltLength');
    else params.trailerField = smallInteger(parameters, inner[0], 'trailerField');
  }
  return params;
}

function smallInteger(der: Buffer, element: DerElement, what: string): number {
  const content = readIntegerContent(der, element, what);
  if (content.length > 4) throw new RangeError(`${what} is out of range`);
  return content.readIntBE(0, content.length);
}
