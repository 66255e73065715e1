import { Prisma } from '../generated/client';

/**
 * Prisma stores `DateTime` as `timestamp` (without time zone) holding UTC. These helpers
 * move instants across raw SQL as epoch milliseconds, so no session time zone can shift
 * them.
 */

/** An epoch-milliseconds parameter as a UTC `timestamp`. */
export function utcTimestamp(ms: number): Prisma.Sql {
  return Prisma.sql`(to_timestamp(${ms}::float8 / 1000) AT TIME ZONE 'UTC')`;
}

/** The database's current time as a UTC `timestamp` (one clock for every worker). */
export const UTC_NOW = Prisma.sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

/** A UTC `timestamp` column or expression as epoch milliseconds (`float8`). */
export function epochMs(column: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(extract(epoch from ${column}) * 1000)::float8`;
}
