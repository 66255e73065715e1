/**
 * Thrown when a certificate or chain cannot be read. These come from the CA or from our own
 * storage, never from a device, so there is no HTTP mapping: it is a fault to log and alert on.
 */
export class CertificateError extends Error {
  readonly code = 'malformed' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertificateError';
  }
}
