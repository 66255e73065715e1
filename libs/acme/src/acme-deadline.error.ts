/**
 * An authorization or order was still pending or processing when the caller's deadline
 * passed. Nothing failed at the CA: resume later from the saved order URL.
 */
export class AcmeDeadlineError extends Error {
  constructor(
    readonly url: string,
    /** The status last seen. */
    readonly lastStatus: string,
    readonly deadline: Date,
  ) {
    super(`ACME object ${url} was still "${lastStatus}" at the deadline ${deadline.toISOString()}`);
    this.name = 'AcmeDeadlineError';
  }
}
