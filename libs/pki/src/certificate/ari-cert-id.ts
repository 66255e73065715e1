/**
 * The ARI certificate identifier (RFC 9773 §4.1): base64url of the Authority Key
 * Identifier's keyIdentifier, a dot, base64url of the serial number's DER INTEGER content
 * bytes — both without padding. Used as `GET {renewalInfo}/{certID}` and as the `replaces`
 * field of a renewal order.
 *
 * The serial is taken as DER content bytes, not as a number, because that is what the RFC
 * hashes into the URL: a serial whose first byte has the high bit set keeps its leading
 * 0x00 (`0x87654321` → `00 87 65 43 21` → `AIdlQyE`).
 *
 * @param akiKeyIdentifier the keyIdentifier octets of the certificate's AKI extension
 * @param serialDer the serial's DER INTEGER content bytes, as found in the certificate
 * @throws RangeError when either is empty, or `serialDer` is not a minimal positive DER
 *   integer (which catches passing the magnitude `87 65 43 21` instead of `00 87 65 43 21`).
 */
export function ariCertId(akiKeyIdentifier: Buffer, serialDer: Buffer): string {
  if (akiKeyIdentifier.length === 0) throw new RangeError('empty Authority Key Identifier');
  if (serialDer.length === 0) throw new RangeError('empty serial number');
  if (serialDer[0] & 0x80)
    throw new RangeError('serial number bytes read as negative: DER needs a leading 0x00');
  if (serialDer.length > 1 && serialDer[0] === 0 && !(serialDer[1] & 0x80)) {
    throw new RangeError('serial number bytes are not minimal DER: drop the leading 0x00');
  }
  return `${akiKeyIdentifier.toString('base64url')}.${serialDer.toString('base64url')}`;
}
