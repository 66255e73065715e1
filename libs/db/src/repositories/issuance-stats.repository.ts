import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '../generated/client';
import { PRISMA } from '../tokens';

export type StatsBucket = 'hour' | 'day';

export interface IssuanceSeriesRow {
  /** The instant the bucket starts (a local midnight or full hour in the asked time zone). */
  start: Date;
  issued: number;
  failed: number;
  /** Live certificates (neither revoked nor superseded) whose notAfter falls in the bucket. */
  expiring: number;
}

/**
 * Issuance over time for the operator's chart: certificates issued and requests failed
 * per bucket in the past, live certificates expiring per bucket in the future.
 *
 * Buckets are local days or hours of the viewer's time zone, computed by Postgres so that
 * DST days of 23 or 25 hours and half-hour offsets come out right. Columns are
 * `timestamp` holding UTC; each count is one range scan on an index over its column
 * (`certificates.createdAt`, `certificate_requests(status, updatedAt)`,
 * `certificates.notAfter`), bounded by the series' own first and last instants.
 */
@Injectable()
export class IssuanceStatsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async series(opts: {
    bucket: StatsBucket;
    timeZone: string;
    past: number;
    future: number;
  }): Promise<IssuanceSeriesRow[]> {
    const { bucket, timeZone, past, future } = opts;
    const step = `1 ${bucket}`;
    const rows = await this.prisma.$queryRaw<
      { start: Date; issued: number; failed: number; expiring: number }[]
    >`
      WITH buckets AS (
        SELECT gs AS local_start,
               (gs AT TIME ZONE ${timeZone}) AT TIME ZONE 'UTC' AS utc_start,
               ((gs + ${step}::interval) AT TIME ZONE ${timeZone}) AT TIME ZONE 'UTC' AS utc_end
          FROM generate_series(
                 date_trunc(${bucket}, now() AT TIME ZONE ${timeZone}) - ${past}::int * ${step}::interval,
                 date_trunc(${bucket}, now() AT TIME ZONE ${timeZone}) + ${future}::int * ${step}::interval,
                 ${step}::interval) AS gs
      ),
      bounds AS (SELECT min(utc_start) AS lo, max(utc_end) AS hi FROM buckets),
      issued AS (
        SELECT date_trunc(${bucket}, (c."createdAt" AT TIME ZONE 'UTC') AT TIME ZONE ${timeZone}) AS local_start,
               count(*) AS n
          FROM certificates c, bounds
         WHERE c."createdAt" >= bounds.lo AND c."createdAt" < bounds.hi
         GROUP BY 1
      ),
      failed AS (
        SELECT date_trunc(${bucket}, (r."updatedAt" AT TIME ZONE 'UTC') AT TIME ZONE ${timeZone}) AS local_start,
               count(*) AS n
          FROM certificate_requests r, bounds
         WHERE r.status = 'failed' AND r."updatedAt" >= bounds.lo AND r."updatedAt" < bounds.hi
         GROUP BY 1
      ),
      expiring AS (
        SELECT date_trunc(${bucket}, (c."notAfter" AT TIME ZONE 'UTC') AT TIME ZONE ${timeZone}) AS local_start,
               count(*) AS n
          FROM certificates c, bounds
         WHERE c."notAfter" >= bounds.lo AND c."notAfter" < bounds.hi
           AND c."revokedAt" IS NULL AND c."supersededById" IS NULL
         GROUP BY 1
      )
      SELECT b.utc_start AT TIME ZONE 'UTC' AS start,
             coalesce(i.n, 0)::int AS issued,
             coalesce(f.n, 0)::int AS failed,
             coalesce(e.n, 0)::int AS expiring
        FROM buckets b
        LEFT JOIN issued i ON i.local_start = b.local_start
        LEFT JOIN failed f ON f.local_start = b.local_start
        LEFT JOIN expiring e ON e.local_start = b.local_start
       ORDER BY b.local_start`;
    return rows.map((r) => ({
      start: new Date(r.start),
      issued: r.issued,
      failed: r.failed,
      expiring: r.expiring,
    }));
  }

  /** True when Postgres knows this IANA time zone name. */
  async knowsTimeZone(name: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ ok: number }[]>`
      SELECT 1 AS ok FROM pg_timezone_names WHERE name = ${name} LIMIT 1`;
    return rows.length > 0;
  }
}
