/**
 * Checks that `der` is exactly one DER SEQUENCE: a definite, minimally encoded length that
 * covers the whole buffer.
 *
 * The ASN.1 parser stops after the first element and ignores what follows, so without this
 * a CSR or certificate could carry trailing bytes that another parser (the CA's) might treat
 * differently. Only the outer element is checked; the signature covers the inner bytes.
 *
 * @throws RangeError describing the problem.
 */
export function assertSingleDerSequence(der: Uint8Array): void {
  if (der.length < 2 || der[0] !== 0x30) throw new RangeError('not a DER SEQUENCE');
  const first = der[1];
  let length: number;
  let header: number;
  if (first < 0x80) {
    length = first;
    header = 2;
  } else {
    const octets = first & 0x7f;
    // 0x80 is BER's indefinite length, never allowed in DER; 4 length octets (4 GiB) is
    // far beyond any certificate and keeps the arithmetic exact.
    if (octets === 0 || octets > 4) throw new RangeError('not a definite DER length');
    if (der.length < 2 + octets) throw new RangeError('truncated DER length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[2 + i];
    if (der[2] === 0 || length < 0x80) throw new RangeError('non-minimal DER length');
    header = 2 + octets;
  }
  if (header + length < der.length)
    throw new RangeError(`${der.length - header - length} trailing byte(s) after the DER element`);
  if (header + length > der.length) throw new RangeError('truncated DER element');
}
