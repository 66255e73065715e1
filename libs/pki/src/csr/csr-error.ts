/** Why a CSR was refused. */
export type CsrErrorCode =
  | 'malformed'
  | 'bad-signature'
  | 'weak-signature'
  | 'unsupported-key'
  | 'weak-key'
  | 'forbidden-san-type'
  | 'ip-in-common-name'
  | 'common-name-not-in-sans'
  | 'wildcard'
  | 'foreign-identifier'
  | 'too-many-identifiers'
  | 'no-identifiers'
  | 'account-key-reuse';

/**
 * HTTP status for each refusal, following the device API contract in DESIGN.md:
 *
 * - **400** — the request cannot be read or trusted as sent: not a CSR, not DER/PEM, a
 *   name that is not a valid host name as written, or a signature that does not verify
 *   (nothing inside an unverifiable CSR is a statement by the key holder).
 * - **403** — the CSR asks for something that is not this device's to ask for: a name or
 *   address not on record for it, or a wildcard (which covers names the device does not own
 *   — every device has exactly one assigned name and the product never issues wildcards).
 * - **422** — a readable, authentic CSR that policy refuses: weak or unsupported key or
 *   signature algorithm, forbidden SAN kinds, Common Name rules, identifier count, or the
 *   ACME account key offered as the certificate key. The device maker must change the CSR.
 */
export const CSR_ERROR_HTTP_STATUS: Readonly<Record<CsrErrorCode, 400 | 403 | 422>> = {
  malformed: 400,
  'bad-signature': 400,
  wildcard: 403,
  'foreign-identifier': 403,
  'weak-signature': 422,
  'unsupported-key': 422,
  'weak-key': 422,
  'forbidden-san-type': 422,
  'ip-in-common-name': 422,
  'common-name-not-in-sans': 422,
  'too-many-identifiers': 422,
  'no-identifiers': 422,
  'account-key-reuse': 422,
};

/**
 * The one error {@link parseCsr} and {@link checkCsr} throw. Its message is written for the
 * device maker (what is wrong and what to do instead) and is safe to return to the device:
 * it names only what the CSR itself contains.
 */
export class CsrError extends Error {
  /** The HTTP status the API should answer with ({@link CSR_ERROR_HTTP_STATUS}). */
  readonly httpStatus: 400 | 403 | 422;

  constructor(
    readonly code: CsrErrorCode,
    message: string,
    /** The offending identifier (`a.example.com`, `192.0.2.1`) or property (`publicKey`, `signature`). */
    readonly identifier?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CsrError';
    this.httpStatus = CSR_ERROR_HTTP_STATUS[code];
  }
}
