import { isDatabaseUnavailable } from '@fleetcert/db';
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

/** ioredis's words for a connection it lost, or a command it gave up on while offline. */
const REDIS_UNAVAILABLE = /Connection is closed|Stream isn't writeable|MaxRetriesPerRequest/i;

/**
 * True when an error means a dependency (Postgres, Redis, DNS) could not be reached or could
 * not serve the request, as opposed to a bug: such requests answer 503 and are safe to retry.
 */
export function isDependencyOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DnsUnavailableError) return true;
    if (isDatabaseUnavailable(e)) return true;
    const { code, message } = e as { code?: string; message?: string };
    if (code && NETWORK_CODES.has(code)) return true;
    if (
      typeof message === 'string' &&
      (REDIS_UNAVAILABLE.test(message) || /connect ECONNREFUSED/.test(message))
    ) {
      return true;
    }
  }
  return false;
}
