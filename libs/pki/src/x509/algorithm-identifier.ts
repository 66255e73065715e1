import { DER, DerElement, derChildren, derEncoding, expectDerTag, readOid } from './der';

/** An AlgorithmIdentifier (RFC 5280 §4.1.1.2): an OID and, when present, its parameters. */
export interface AlgorithmIdentifier {
  /** Dotted OID. */
  algorithm: string;
  /** The parameters element as received (tag, length and content); undefined when absent. */
  parameters?: Buffer;
}

/** Reads `SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }`. */
export function readAlgorithmIdentifier(
  der: Buffer,
  element: DerElement | undefined,
  what: string,
): AlgorithmIdentifier {
  const parts = derChildren(der, expectDerTag(element, DER.SEQUENCE, what));
  if (parts.length < 1 || parts.length > 2) throw new RangeError(`${what} is not an AlgorithmIdentifier`);
  return {
    algorithm: readOid(der, parts[0]),
    parameters: parts[1] ? derEncoding(der, parts[1]) : undefined,
  };
}
