/**
 * What Postgres said about a failed statement: its SQLSTATE and, when the reporter kept
 * it, the severity (`FATAL` and `PANIC` mean the session itself ended).
 */
export interface PostgresError {
  code: string;
  severity?: string;
}

interface ReportedError {
  code?: unknown;
  severity?: unknown;
  originalCode?: unknown;
  meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; severity?: unknown } } };
}

/**
 * The Postgres error inside `error`, as any of our three ways of reaching Postgres reports
 * it: node-postgres (`code` and `severity` on the error), a Prisma query (its driver
 * adapter's cause in `meta`), or that driver-adapter cause met on its own.
 */
export function postgresErrorOf(error: unknown): PostgresError | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as ReportedError;
  const adapterCause = e.meta?.driverAdapterError?.cause;
  if (typeof adapterCause?.originalCode === 'string') {
    return withSeverity(adapterCause.originalCode, adapterCause.severity);
  }
  if (typeof e.originalCode === 'string') return withSeverity(e.originalCode, e.severity);
  // node-postgres: a server error always carries its severity. Prisma's own `P…` codes
  // never do, which keeps them out of here.
  if (typeof e.code === 'string' && typeof e.severity === 'string') return withSeverity(e.code, e.severity);
  return undefined;
}

function withSeverity(code: string, severity: unknown): PostgresError {
  return typeof severity === 'string' ? { code, severity } : { code };
}
