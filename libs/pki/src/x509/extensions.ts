import { DER, DerElement, derChildren, derContent, expectDerTag, readOid } from './der';

/** One X.509 extension (RFC 5280 §4.1.2.9), its value still encoded. */
export interface X509Extension {
  /** Dotted OID. */
  oid: string;
  critical: boolean;
  /** The extnValue OCTET STRING's content: the extension's own DER. */
  value: Buffer;
}

/** Reads `Extensions ::= SEQUENCE OF SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`. */
export function readExtensions(der: Buffer, list: DerElement | undefined): X509Extension[] {
  return derChildren(der, expectDerTag(list, DER.SEQUENCE, 'extensions')).map((extension) => {
    const parts = derChildren(der, expectDerTag(extension, DER.SEQUENCE, 'extension'));
    if (parts.length < 2 || parts.length > 3) throw new RangeError('an extension is not an Extension');
    // An explicit FALSE is not DER (it is the default), but some tools write it and it means
    // the same to every reader; a BOOLEAN of another length than one octet is not a BOOLEAN.
    const critical = parts.length === 3 ? readBoolean(der, parts[1]) : false;
    return {
      oid: readOid(der, parts[0]),
      critical,
      value: derContent(der, expectDerTag(parts[parts.length - 1], DER.OCTET_STRING, 'extnValue')),
    };
  });
}

function readBoolean(der: Buffer, element: DerElement): boolean {
  const content = derContent(der, expectDerTag(element, DER.BOOLEAN, 'critical'));
  if (content.length !== 1 || (content[0] !== 0 && content[0] !== 0xff))
    throw new RangeError('critical is not a DER BOOLEAN');
  return content[0] === 0xff;
}
