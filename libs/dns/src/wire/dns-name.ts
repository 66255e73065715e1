import { InvalidDnsRequestError } from '../errors/invalid-dns-request.error';

// Letters, digits, hyphen and underscore (`_acme-challenge`); IDNs arrive as punycode.
// Wildcard labels and escaped dots are deliberately not supported: nothing here needs them.
const LABEL = /^[a-z0-9_-]{1,63}$/;
const MAX_WIRE_LENGTH = 255;

/**
 * Returns the canonical form of a domain name: lower case, no trailing dot.
 * Throws {@link InvalidDnsRequestError} for the root, empty labels, labels over 63 octets,
 * characters outside `[a-z0-9_-]`, or names over 255 octets on the wire.
 */
export function normalizeDnsName(input: string): string {
  const name = input.toLowerCase().replace(/\.$/, '');
  if (name === '') throw new InvalidDnsRequestError(`invalid DNS name "${input}": empty`);
  const labels = name.split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) {
      throw new InvalidDnsRequestError(
        `invalid DNS name "${input}": label "${label}" must be 1-63 characters of a-z, 0-9, "-" or "_"`,
      );
    }
  }
  if (name.length + 2 > MAX_WIRE_LENGTH) {
    throw new InvalidDnsRequestError(`invalid DNS name "${input}": longer than 255 octets`);
  }
  return name;
}

/** True when `name` is `zone` or below it. Both must be canonical ({@link normalizeDnsName}). */
export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/**
 * Canonicalises `input` and checks it is inside `zone` (canonical), so that nothing outside
 * the provider's zone is ever sent.
 */
export function assertInZone(input: string, zone: string): string {
  const name = normalizeDnsName(input);
  if (!isInZone(name, zone)) {
    throw new InvalidDnsRequestError(`"${name}" is outside the zone "${zone}"`);
  }
  return name;
}

/**
 * Encodes a canonical name in uncompressed wire form. Because the name is canonical this is
 * also the RFC 4034 §6.2 canonical wire form that TSIG digests require.
 */
export function encodeDnsName(name: string): Buffer {
  const labels = name === '' ? [] : name.split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/**
 * Decodes a possibly compressed name at `offset`. Returns the name (lower-cased, no
 * trailing dot; `''` for the root) and the offset just past it in the original buffer.
 * Throws a plain `Error` on malformed input; callers wrap it in their own error.
 */
export function decodeDnsName(message: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let position = offset;
  let next = -1;
  // Each pointer must go strictly backwards, so following them always terminates.
  let limit = offset;
  let wireLength = 1;
  for (;;) {
    if (position >= message.length) throw new Error('name runs past the end of the message');
    const length = message[position];
    if (length === 0) {
      if (next < 0) next = position + 1;
      break;
    }
    if ((length & 0xc0) === 0xc0) {
      if (position + 1 >= message.length) throw new Error('name pointer runs past the end of the message');
      const target = message.readUInt16BE(position) & 0x3fff;
      if (target >= limit) throw new Error('name pointer does not point backwards');
      if (next < 0) next = position + 2;
      limit = target;
      position = target;
      continue;
    }
    if ((length & 0xc0) !== 0) throw new Error('unsupported label type');
    if (position + 1 + length > message.length) throw new Error('label runs past the end of the message');
    wireLength += length + 1;
    if (wireLength > MAX_WIRE_LENGTH) throw new Error('name longer than 255 octets');
    labels.push(message.toString('latin1', position + 1, position + 1 + length).toLowerCase());
    position += 1 + length;
  }
  return { name: labels.join('.'), next };
}

/** Offset just past the (possibly compressed) name at `offset`, without decoding it. */
export function skipDnsName(message: Buffer, offset: number): number {
  let position = offset;
  for (;;) {
    if (position >= message.length) throw new Error('name runs past the end of the message');
    const length = message[position];
    if (length === 0) return position + 1;
    if ((length & 0xc0) === 0xc0) {
      if (position + 1 >= message.length) throw new Error('name pointer runs past the end of the message');
      return position + 2;
    }
    if ((length & 0xc0) !== 0) throw new Error('unsupported label type');
    position += 1 + length;
  }
}
