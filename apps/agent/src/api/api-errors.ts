/** Error codes Node's TLS layer gives a server certificate it does not trust. */
const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The server could not be reached or did not answer: refused, reset, timed out, untrusted TLS. */
export class ServerUnreachableError extends Error {
  readonly code: string | undefined;
  /** The TLS certificate was refused: a configuration problem (`caBundle`) rather than an outage. */
  readonly tlsUntrusted: boolean;

  constructor(url: string, cause: NodeJS.ErrnoException) {
    const code = cause.code;
    const tlsUntrusted = code !== undefined && TLS_TRUST_CODES.has(code);
    super(
      tlsUntrusted
        ? `the TLS certificate of ${new URL(url).host} is not trusted (${code}: ${cause.message}); ` +
            'for a server with a private CA, pass its CA bundle (--ca-bundle / caBundle)'
        : `cannot reach ${new URL(url).origin}: ${code ? `${code} ` : ''}${cause.message}`,
      { cause },
    );
    this.name = 'ServerUnreachableError';
    this.code = code;
    this.tlsUntrusted = tlsUntrusted;
  }
}

/** The server answered with an error status (its `{ statusCode, error, message }` body). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The server's Retry-After, in ms, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The server answered 2xx with a body the agent does not understand (a proxy page, a version skew). */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/**
 * Whether trying again later may succeed without anyone changing anything: outages,
 * timeouts, throttling, 5xx, garbled answers. A refusal (400/401/403/404/422...) is not:
 * the agent still retries it, but on the slower "refused" schedule.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof ServerUnreachableError) return !err.tlsUntrusted;
  if (err instanceof ProtocolError) return true;
  if (err instanceof ApiError)
    return err.status === 408 || err.status === 425 || err.status === 429 || err.status >= 500;
  return false;
}

/** The server's Retry-After, if the error carries one. */
export function retryAfterOf(err: unknown): number | undefined {
  return err instanceof ApiError ? err.retryAfterMs : undefined;
}

/** Parses a Retry-After header (delay in seconds or an HTTP date) into ms from `now`. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
