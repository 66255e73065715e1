import { errorReason } from '@fleetcert/observability';
import { postgresErrorOf } from './postgres-error';

/**
 * SQLSTATE classes and codes that say the database could not serve the session at all,
 * whatever the statement: https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const UNAVAILABLE_SQLSTATE_PREFIXES = [
  '08', // connection exception
  '28', // invalid authorization: the server refused this client's login
  '53', // insufficient resources: disk full, out of memory, too many connections
  '57P', // operator intervention: shutdown, crash, starting up, database dropped
];
const UNAVAILABLE_SQLSTATES = new Set([
  '3D000', // the database does not exist (dropped, renamed away, not created yet)
  '25006', // a read-only transaction: connected to a standby, as during a failover
]);

/**
 * Prisma's codes for the same: cannot authenticate, reach or find the database, a TLS
 * failure, a closed connection, pool and transaction-start timeouts, too many connections.
 * https://www.prisma.io/docs/orm/reference/error-reference
 */
const UNAVAILABLE_PRISMA_CODES = new Set([
  'P1000',
  'P1001',
  'P1002',
  'P1003',
  'P1008',
  'P1010',
  'P1011',
  'P1017',
  'P2024',
  'P2028',
  'P2037',
]);

/**
 * The driver adapter's kinds for the same (a Prisma raw query, P2010, carries the kind and
 * no Prisma code of its own; a socket error carries no SQLSTATE either).
 */
const UNAVAILABLE_ADAPTER_KINDS = new Set([
  'AuthenticationFailed',
  'DatabaseNotReachable',
  'DatabaseDoesNotExist',
  'DatabaseAccessDenied',
  'TlsConnectionError',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/**
 * node-postgres's own words for a connection it lost, could not open in time, or gave up
 * waiting on for an answer (`query_timeout`).
 */
const UNAVAILABLE_DRIVER_MESSAGES =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|Query read timeout/i;

/**
 * Whether `error` means Postgres could not run the statement at all (unreachable,
 * restarting, failing over, out of connections, the database closed to connections or
 * gone), as opposed to refusing the statement itself: a reason to answer 503 and retry
 * later, not a bug.
 *
 * A `FATAL` or `PANIC` error always counts: it ends the session, so it is about the
 * connection, never about the statement.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { name, code, message, meta, kind } = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown } } };
    kind?: unknown;
  };
  if (typeof code === 'string' && UNAVAILABLE_PRISMA_CODES.has(code)) return true;
  // In a Prisma error's `meta`, or the driver adapter's payload met on its own (the cause
  // of a DriverAdapterError).
  const adapterKind = meta?.driverAdapterError?.cause?.kind ?? kind;
  if (typeof adapterKind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(adapterKind)) return true;
  // A transaction's bounded wait for a pooled connection (`inTransaction`'s maxWaitMs).
  if (code === 'POOL_WAIT_TIMEOUT') return true;
  if (name === 'PrismaClientInitializationError') return true;
  const text = typeof message === 'string' ? message : '';
  if (name === 'DriverAdapterError' && /connect|terminat|timeout/i.test(text)) return true;
  if (UNAVAILABLE_DRIVER_MESSAGES.test(text)) return true;

  const pg = postgresErrorOf(error);
  if (!pg) return false;
  if (pg.severity === 'FATAL' || pg.severity === 'PANIC') return true;
  return (
    UNAVAILABLE_SQLSTATES.has(pg.code) ||
    UNAVAILABLE_SQLSTATE_PREFIXES.some((prefix) => pg.code.startsWith(prefix))
  );
}

/**
 * For process entry points that could not start: when the cause is Postgres not serving
 * the process, one line an operator can act on (the stack adds nothing to it); otherwise
 * undefined, and the caller prints the stack, which may show a bug.
 */
export function describeDatabaseUnavailable(error: unknown): string | undefined {
  if (!isDatabaseUnavailable(error)) return undefined;
  return (
    `Postgres is unavailable: ${errorReason(error)}. Check DATABASE_URL and that the server ` +
    'is running; `npm run db:migrate` creates and migrates the database.'
  );
}
