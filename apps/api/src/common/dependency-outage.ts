import { DnsUnavailableError } from '@fleetcert/dns';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * True when an error means a dependency (Postgres, Redis, DNS) could not be reached,
 * as opposed to a bug: such requests answer 503 and are safe to retry.
 */
export function isDependencyOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DnsUnavailableError) return true;
    const { name, code, message } = e as { name?: string; code?: string; message?: string };
    if (code && NETWORK_CODES.has(code)) return true;
    if (name === 'PrismaClientInitializationError') return true;
    if (name === 'DriverAdapterError' && /connect|terminat|timeout/i.test(message ?? '')) return true;
    // Prisma's own codes for "cannot reach the database", pool timeouts, and a transaction
    // that could not start in time (the database is saturated): retry later, nothing changed.
    if (code && ['P1001', 'P1002', 'P1017', 'P2024', 'P2028'].includes(code)) return true;
    // The same for statements on the shared pg pool: a transaction's bounded wait for a
    // connection (`inTransaction`'s maxWaitMs), or the pool's own `connectionTimeoutMillis`.
    if (code === 'POOL_WAIT_TIMEOUT') return true;
    if (
      typeof message === 'string' &&
      /Connection is closed|Stream isn't writeable|connect ECONNREFUSED|Connection terminated|MaxRetriesPerRequest|timeout exceeded when trying to connect/i.test(
        message,
      )
    ) {
      return true;
    }
  }
  return false;
}
