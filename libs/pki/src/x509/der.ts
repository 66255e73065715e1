/**
 * A small, strict DER reader: one element at a time, bounds-checked, no allocation beyond
 * the element records. It is what CSRs and certificates are read with instead of an ASN.1
 * schema parse (asn1js costs ~0.5 ms a CSR or certificate, a walk ~10–30 µs).
 *
 * Strict on purpose, since a lenient reader and the CA's reader could see different things
 * in the same bytes: definite lengths only, each in its minimal form, the low-tag-number form
 * only (no X.509 structure needs more), and an element never runs past its parent.
 * Every function throws RangeError for bytes that break these rules.
 */

/** One DER element: its tag octet, and where it starts, where its content starts and where it ends. */
export interface DerElement {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

export const DER = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

const CONSTRUCTED = 0x20;

/** The element that starts at `offset` and must end by `limit`. */
export function readDerElement(der: Uint8Array, offset: number, limit: number): DerElement {
  if (offset + 2 > limit) throw new RangeError('truncated DER');
  const tag = der[offset];
  if ((tag & 0x1f) === 0x1f) throw new RangeError('DER tag in high-tag-number form');
  let length = der[offset + 1];
  let contentStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    // 0x80 is BER's indefinite length, never allowed in DER; 4 length octets (4 GiB) is
    // far beyond any certificate and keeps the arithmetic exact.
    if (octets === 0 || octets > 4) throw new RangeError('not a definite DER length');
    if (contentStart + octets > limit) throw new RangeError('truncated DER length');
    if (der[contentStart] === 0) throw new RangeError('non-minimal DER length');
    length = 0;
    for (let k = 0; k < octets; k++) length = length * 256 + der[contentStart + k];
    if (length < 0x80) throw new RangeError('non-minimal DER length');
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > limit) throw new RangeError('truncated DER element');
  return { tag, start: offset, contentStart, end };
}

/** The one element `der` holds, with nothing after it. */
export function readSingleDerElement(der: Uint8Array): DerElement {
  const element = readDerElement(der, 0, der.length);
  if (element.end < der.length)
    throw new RangeError(`${der.length - element.end} trailing byte(s) after the DER element`);
  return element;
}

/** The elements a constructed element's content is made of, in order; its content must be exactly these. */
export function derChildren(der: Uint8Array, parent: DerElement): DerElement[] {
  if (!(parent.tag & CONSTRUCTED)) throw new RangeError('a primitive DER element has no children');
  const children: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end;) {
    const child = readDerElement(der, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** `element` when it has tag `tag`; otherwise throws, naming `what` was expected. */
export function expectDerTag(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (!element || element.tag !== tag) throw new RangeError(`${what} not found where it belongs`);
  return element;
}

/** Checks that every constructed element under `parent`, at any depth, is made of whole elements. */
export function assertWellFormedDer(der: Uint8Array, parent: DerElement): void {
  for (const child of derChildren(der, parent)) if (child.tag & CONSTRUCTED) assertWellFormedDer(der, child);
}

/**
 * Checks that `der` is exactly one DER SEQUENCE: a definite, minimally encoded length that
 * covers the whole buffer.
 *
 * Without this a CSR or certificate could carry trailing bytes that another parser (the
 * CA's) might treat differently. Only the outer element is checked here.
 */
export function assertSingleDerSequence(der: Uint8Array): void {
  if (der.length < 2 || der[0] !== DER.SEQUENCE) throw new RangeError('not a DER SEQUENCE');
  readSingleDerElement(der);
}

/** The content bytes of `element`. */
export function derContent(der: Buffer, element: DerElement): Buffer {
  return der.subarray(element.contentStart, element.end);
}

/** The content bytes of an INTEGER element, which must be in its minimal two's-complement form. */
export function readIntegerContent(der: Buffer, element: DerElement | undefined, what: string): Buffer {
  const content = derContent(der, expectDerTag(element, DER.INTEGER, what));
  if (content.length === 0) throw new RangeError(`${what} is an empty INTEGER`);
  if (
    content.length > 1 &&
    ((content[0] === 0 && content[1] < 0x80) || (content[0] === 0xff && content[1] >= 0x80))
  )
    throw new RangeError(`${what} is not a minimal INTEGER`);
  return content;
}

/** The whole encoding (tag, length and content) of `element`. */
export function derEncoding(der: Buffer, element: DerElement): Buffer {
  return der.subarray(element.start, element.end);
}

/**
 * Dotted text of an OBJECT IDENTIFIER element, which must be a valid one: not empty, each
 * arc in minimal base-128 form and the last one complete.
 */
export function readOid(der: Uint8Array, element: DerElement): string {
  if (element.tag !== DER.OID) throw new RangeError('expected an OBJECT IDENTIFIER');
  if (element.end === element.contentStart) throw new RangeError('empty OBJECT IDENTIFIER');
  if (der[element.end - 1] & 0x80) throw new RangeError('truncated OBJECT IDENTIFIER arc');
  return oidText(der.subarray(element.contentStart, element.end));
}

/** Dotted text of an OBJECT IDENTIFIER's content bytes (checked as {@link readOid} says). */
function oidText(content: Uint8Array): string {
  let text = '';
  let value = 0;
  let big: bigint | undefined; // arcs beyond 2^53 (UUID arcs under 2.25 are 128-bit)
  let arcStart = true;
  for (const byte of content) {
    if (arcStart && byte === 0x80) throw new RangeError('non-minimal OBJECT IDENTIFIER arc');
    arcStart = !(byte & 0x80);
    if (big !== undefined) big = big * 128n + BigInt(byte & 0x7f);
    else if (value >= 2 ** 45) big = BigInt(value) * 128n + BigInt(byte & 0x7f);
    else value = value * 128 + (byte & 0x7f);
    if (!arcStart) continue;
    if (text === '') {
      // The first two arcs share one number: 40 × first + second, first ≤ 2.
      if (big !== undefined) text = `2.${big - 80n}`;
      else text = value < 80 ? `${Math.floor(value / 40)}.${value % 40}` : `2.${value - 80}`;
    } else text += `.${big ?? value}`;
    value = 0;
    big = undefined;
  }
  return text;
}
