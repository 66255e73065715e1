/**
 * Whether `error` is Postgres refusing a row for a unique constraint (SQLSTATE 23505), as
 * any of our three ways of reaching it reports it: node-postgres (`code`), a Prisma model
 * query (`P2002`) or a Prisma raw query (`P2010`, with the driver adapter's cause).
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } };
  } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === '23505' || e.code === 'P2002') return true;
  const cause = e.meta?.driverAdapterError?.cause;
  return (
    e.code === 'P2010' && (cause?.originalCode === '23505' || cause?.kind === 'UniqueConstraintViolation')
  );
}
