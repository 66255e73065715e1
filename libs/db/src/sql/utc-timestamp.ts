import { Prisma } from '../generated/client';

/**
 * Prisma stores `DateTime` as `timestamp` (without time zone) holding UTC. The helper
 * below gives raw SQL the database clock as such a UTC `timestamp`, so no session time
 * zone can shift it. (Prepared statements use `utc-param.ts`.)
 */

/** The database's current time as a UTC `timestamp` (one clock for every worker). */
export const UTC_NOW = Prisma.sql`(clock_timestamp() AT TIME ZONE 'UTC')`;
