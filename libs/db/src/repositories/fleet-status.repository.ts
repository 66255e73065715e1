import { Inject, Injectable } from '@nestjs/common';
import { Prisma, type PrismaClient } from '../generated/client';
import { PRISMA } from '../tokens';

export interface CertificateCounts {
  /** Live certificates (neither superseded nor revoked) valid for more than `soon`. */
  valid: number;
  /** Live certificates expiring within `soon`. */
  expiringSoon: number;
  /** Live certificates past their notAfter. */
  expired: number;
  revoked: number;
}

/**
 * The counts behind `GET /v1/admin/fleet/status`: each one aggregate over one table with
 * `FILTER` clauses, so the cost is one scan per table whatever the fleet size, and the
 * renewal counts are index range scans on `certificates.renewAt`.
 */
@Injectable()
export class FleetStatusRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async devicesByStatus(): Promise<Record<string, number>> {
    const rows = await this.prisma.$queryRaw<{ status: string; n: number }[]>`
      SELECT status::text AS status, count(*)::int AS n FROM devices GROUP BY 1`;
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async requestsByStatus(): Promise<Record<string, number>> {
    const rows = await this.prisma.$queryRaw<{ status: string; n: number }[]>`
      SELECT status::text AS status, count(*)::int AS n FROM certificate_requests GROUP BY 1`;
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async certificateCounts(now: Date, soon: Date): Promise<CertificateCounts> {
    const [row] = await this.prisma.$queryRaw<CertificateCounts[]>`
      SELECT (count(*) FILTER (WHERE live AND "notAfter" > ${soon}))::int AS valid,
             (count(*) FILTER (WHERE live AND "notAfter" > ${now} AND "notAfter" <= ${soon}))::int AS "expiringSoon",
             (count(*) FILTER (WHERE live AND "notAfter" <= ${now}))::int AS expired,
             (count(*) FILTER (WHERE "revokedAt" IS NOT NULL))::int AS revoked
        FROM (SELECT "notAfter", "revokedAt", ("supersededById" IS NULL AND "revokedAt" IS NULL) AS live
                FROM certificates) c`;
    return row;
  }

  /** Requests that failed since `since`, in all and by error type (most frequent first, at most 10 types). */
  async failuresSince(
    since: Date,
  ): Promise<{ total: number; byType: { type: string | null; count: number }[] }> {
    const rows = await this.prisma.$queryRaw<{ type: string | null; count: number }[]>`
      SELECT "errorType" AS type, count(*)::int AS count
        FROM certificate_requests
       WHERE status = 'failed' AND "updatedAt" >= ${since}
       GROUP BY 1 ORDER BY 2 DESC`;
    return { total: rows.reduce((sum, r) => sum + r.count, 0), byType: rows.slice(0, 10) };
  }

  /**
   * Renewals the scheduler will start before each of `horizons`: live certificates whose
   * chosen renewal time falls before it (overdue ones included), in all and for names under
   * `zone` (which spend the zone's registered-domain limit unless exempt). One range scan
   * of the `renewAt` index up to the furthest horizon.
   */
  async renewalsDue(horizons: Date[], zone: string): Promise<{ total: number; underZone: number }[]> {
    if (horizons.length === 0) return [];
    const furthest = new Date(Math.max(...horizons.map((h) => h.getTime())));
    const underZone = Prisma.sql`"identifierSet" LIKE ${`dns:%.${likeEscape(zone)}%`}`;
    const columns = horizons.map(
      (horizon, i) => Prisma.sql`
        (count(*) FILTER (WHERE "renewAt" <= ${horizon}))::int AS ${Prisma.raw(`t${i}`)},
        (count(*) FILTER (WHERE "renewAt" <= ${horizon} AND ${underZone}))::int AS ${Prisma.raw(`z${i}`)}`,
    );
    const [row] = await this.prisma.$queryRaw<Record<string, number>[]>`
      SELECT ${Prisma.join(columns)} FROM certificates WHERE "renewAt" <= ${furthest}`;
    return horizons.map((_, i) => ({ total: row[`t${i}`], underZone: row[`z${i}`] }));
  }
}

/** `zone` as a LIKE pattern matching itself only. */
function likeEscape(zone: string): string {
  return zone.replace(/[\\%_]/g, '\\$&');
}
