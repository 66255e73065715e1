import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '../generated/client';
import { PRISMA } from '../tokens';

export interface FailureGroupRow {
  /** The error type recorded with the failure (an ACME problem type or one of fleetcert's); null if none. */
  errorType: string | null;
  count: number;
  lastAt: Date;
}

export interface FailureRow {
  id: string;
  deviceId: string;
  hostname: string;
  identifiers: unknown;
  errorType: string | null;
  errorDetail: string | null;
  attempts: number;
  createdAt: Date;
  failedAt: Date;
}

/**
 * Failed certificate requests, grouped by the error the CA (or fleetcert) gave. A failed
 * request is final and no longer updated, so `updatedAt` is when it failed, and the
 * `(status, updatedAt)` index bounds every query to the asked time window.
 */
@Injectable()
export class FailureReportRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async groupSince(since: Date): Promise<FailureGroupRow[]> {
    const groups = await this.prisma.certificateRequest.groupBy({
      by: ['errorType'],
      where: { status: 'failed', updatedAt: { gte: since } },
      _count: { _all: true },
      _max: { updatedAt: true },
    });
    return groups
      .map((g) => ({ errorType: g.errorType, count: g._count._all, lastAt: g._max.updatedAt! }))
      .sort((a, b) => b.count - a.count || b.lastAt.getTime() - a.lastAt.getTime());
  }

  /** The latest failures since `since` with this error type (null: without one), newest first. */
  async latest(since: Date, errorType: string | null, limit: number): Promise<FailureRow[]> {
    const rows = await this.prisma.certificateRequest.findMany({
      where: { status: 'failed', updatedAt: { gte: since }, errorType },
      select: {
        id: true,
        deviceId: true,
        identifiers: true,
        errorType: true,
        errorDetail: true,
        attempts: true,
        createdAt: true,
        updatedAt: true,
        device: { select: { hostname: true } },
      },
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
    return rows.map(({ device, updatedAt, ...r }) => ({
      ...r,
      hostname: device.hostname,
      failedAt: updatedAt,
    }));
  }
}
