import { Inject, Injectable } from '@nestjs/common';
import type { Certificate, CertificateRequest, PrismaClient } from '../generated/client';
import { PRISMA } from '../tokens';

/** Keyset position: the sort time and id of the last row of the previous page. */
export interface HistoryCursor {
  at: Date;
  id: string;
}

export type RequestHistoryRow = Omit<CertificateRequest, 'csrPem'> & { certificate: { id: string } | null };
export type CertificateHistoryRow = Omit<Certificate, 'chainPem'> & {
  request: { identifiers: CertificateRequest['identifiers'] };
};

/**
 * One device's certificate requests and certificates, newest first, for the operator's
 * view of a device. Both walk the per-device indexes, so their cost does not grow with
 * the fleet. CSRs and chains are left out: a history does not need them.
 */
@Injectable()
export class DeviceHistoryRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** Requests by `createdAt` descending (index `deviceId, createdAt`). */
  listRequests(
    deviceId: string,
    page: { limit: number; after?: HistoryCursor },
  ): Promise<RequestHistoryRow[]> {
    const after = page.after;
    return this.prisma.certificateRequest.findMany({
      where: {
        deviceId,
        ...(after && {
          OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }],
        }),
      },
      omit: { csrPem: true },
      include: { certificate: { select: { id: true } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: page.limit,
    });
  }

  /** Certificates by `notAfter` descending (index `deviceId, notAfter`): the live one first. */
  listCertificates(
    deviceId: string,
    page: { limit: number; after?: HistoryCursor },
  ): Promise<CertificateHistoryRow[]> {
    const after = page.after;
    return this.prisma.certificate.findMany({
      where: {
        deviceId,
        ...(after && {
          OR: [{ notAfter: { lt: after.at } }, { notAfter: after.at, id: { lt: after.id } }],
        }),
      },
      omit: { chainPem: true },
      include: { request: { select: { identifiers: true } } },
      orderBy: [{ notAfter: 'desc' }, { id: 'desc' }],
      take: page.limit,
    });
  }
}
