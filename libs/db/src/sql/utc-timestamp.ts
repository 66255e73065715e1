import { Prisma } from '../generated/client';

/**
 * Prisma stores `DateTime` as `timestamp` (without time zone) holding UTC. The helper
 * below gives raw SQL the database clock as such a UTC `timestamp`, so no session time
 * zone can shift it. (Prepared statements use `utc-param.ts`.)
 */

/** The database's current time as a UTC `timestamp` (one clock for every worker). */
export const UTC_NOW = Prisma.sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

/**
 * The start of the current transaction as a UTC `timestamp`: one instant for every row a
 * statement writes (a bulk insert's `createdAt` and `updatedAt` agree, as Prisma's would).
 */
export const TX_UTC_NOW = Prisma.sql`(now() AT TIME ZONE 'UTC')`;
