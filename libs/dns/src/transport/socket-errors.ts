/** A short human description of a socket error, for {@link DnsUnavailableError} reasons. */
export function describeSocketError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens on that port)';
    case 'ECONNRESET':
      return 'connection reset by the server';
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'EADDRNOTAVAIL':
      return 'address not available';
    default:
      return code
        ? `network error ${code}`
        : `network error: ${(error as Error | undefined)?.message ?? error}`;
  }
}
