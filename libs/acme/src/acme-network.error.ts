/**
 * The CA could not be reached or did not answer in time: DNS failure, refused or reset
 * connection, TLS failure, per-request timeout. Always worth retrying later.
 */
export class AcmeNetworkError extends Error {
  constructor(
    /** Node's error code (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, ...) or `ETIMEDOUT` for our own timeout. */
    readonly code: string,
    readonly method: string,
    readonly url: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`ACME request ${method.toUpperCase()} ${url} failed: ${detail}`, options);
    this.name = 'AcmeNetworkError';
  }
}
