import { Name } from '@peculiar/asn1-x509';

const COMMON_NAME = '2.5.4.3';

/**
 * The subject's Common Name, or undefined when there is none (or it is empty, which every
 * CA treats as none).
 *
 * @throws RangeError for more than one CN (parsers disagree on which one counts: Go keeps
 *   the last, OpenSSL tools print the first) or a CN that is not a string type.
 */
export function readCommonName(subject: Name): string | undefined {
  const values = subject.flatMap((rdn) => rdn.filter((attribute) => attribute.type === COMMON_NAME));
  if (values.length > 1) throw new RangeError('the subject has more than one Common Name');
  if (values.length === 0) return undefined;
  const { value } = values[0];
  if (value.anyValue !== undefined) throw new RangeError('the Common Name is not a string');
  return value.toString() || undefined;
}
