import { postgresErrorOf } from './postgres-error';

/**
 * Whether `error` is Postgres refusing a row for a unique constraint (SQLSTATE 23505), as
 * any of our three ways of reaching it reports it: node-postgres (`code`), a Prisma model
 * query (`P2002`) or a Prisma raw query (`P2010`, with the driver adapter's cause).
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'P2002') return true;
  return postgresErrorOf(error)?.code === '23505' || code === '23505';
}
