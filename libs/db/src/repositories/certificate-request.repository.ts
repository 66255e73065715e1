import { Inject, Injectable } from '@nestjs/common';
import type {
  Certificate,
  CertificateRequest,
  Challenge,
  Prisma,
  PrismaClient,
  RequestStatus,
} from '../generated/client';
import { PRISMA } from '../tokens';
import type { Db } from './audit.repository';

export type RequestWithCertificate = CertificateRequest & { certificate: Certificate | null };
export type RequestForWork = CertificateRequest & {
  certificate: Certificate | null;
  challenges: Challenge[];
  device: {
    id: string;
    hostname: string;
    status: string;
    fleetId: string;
    fleet: { defaultProfile: string | null };
  };
};

export const OPEN_STATUSES: RequestStatus[] = ['pending', 'deferred', 'processing'];

export interface NewRequest {
  deviceId: string;
  identifiers: Prisma.InputJsonArray;
  identifierSet: string;
  csrPem: string;
  csrSha256: string;
  publicKeySha256: string;
  idempotencyKey?: string;
  profile?: string;
  challengeType: 'dns_01' | 'http_01';
  http01Mode?: 'proxy' | 'pull';
  status?: RequestStatus;
  deferredUntil?: Date;
  replacesCertificateId?: string;
  ariReplaces?: string | null;
  isRenewal?: boolean;
}

@Injectable()
export class CertificateRequestRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  get db(): PrismaClient {
    return this.prisma;
  }

  /** A device's own request; another device's id finds nothing. */
  getForDevice(deviceId: string, id: string): Promise<RequestWithCertificate | null> {
    return this.prisma.certificateRequest.findFirst({
      where: { id, deviceId },
      include: { certificate: true },
    });
  }

  getForWork(id: string): Promise<RequestForWork | null> {
    return this.prisma.certificateRequest.findUnique({
      where: { id },
      include: {
        certificate: true,
        challenges: true,
        device: {
          select: {
            id: true,
            hostname: true,
            status: true,
            fleetId: true,
            fleet: { select: { defaultProfile: true } },
          },
        },
      },
    });
  }

  listForDevice(deviceId: string, limit: number): Promise<RequestWithCertificate[]> {
    return this.prisma.certificateRequest.findMany({
      where: { deviceId },
      include: { certificate: true },
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
  }

  /**
   * Serialises request creation per device for the rest of the transaction, so that two
   * identical submissions arriving together cannot both create a request.
   */
  async lockDevice(deviceId: string, tx: Db): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${deviceId}, 0))`;
  }

  findByIdempotencyKey(
    deviceId: string,
    idempotencyKey: string,
    tx: Db = this.prisma,
  ): Promise<RequestWithCertificate | null> {
    return tx.certificateRequest.findUnique({
      where: { deviceId_idempotencyKey: { deviceId, idempotencyKey } },
      include: { certificate: true },
    });
  }

  findOpenByCsr(
    deviceId: string,
    csrSha256: string,
    tx: Db = this.prisma,
  ): Promise<RequestWithCertificate | null> {
    return tx.certificateRequest.findFirst({
      where: { deviceId, csrSha256, status: { in: OPEN_STATUSES } },
      include: { certificate: true },
      orderBy: { createdAt: 'desc' },
    });
  }

  create(data: NewRequest, tx: Db): Promise<RequestWithCertificate> {
    return tx.certificateRequest.create({ data, include: { certificate: true } });
  }

  update(
    id: string,
    data: Prisma.CertificateRequestUncheckedUpdateInput,
    tx: Db = this.prisma,
  ): Promise<CertificateRequest> {
    return tx.certificateRequest.update({ where: { id }, data });
  }

  /** Open requests not touched since `before`, oldest first: candidates for the reconciler. */
  listOpenIdsUpdatedBefore(
    before: Date,
    limit: number,
    afterId?: string,
  ): Promise<{ id: string; status: RequestStatus; deferredUntil: Date | null }[]> {
    return this.prisma.certificateRequest.findMany({
      where: {
        status: { in: OPEN_STATUSES },
        updatedAt: { lt: before },
        id: afterId ? { gt: afterId } : undefined,
      },
      select: { id: true, status: true, deferredUntil: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
  }

  countByStatus(): Promise<{ status: RequestStatus; _count: { _all: number } }[]> {
    return this.prisma.certificateRequest.groupBy({ by: ['status'], _count: { _all: true } }) as never;
  }

  /**
   * The device's open requests and live certificates, with their keys and kinds: what the
   * home-privacy guard compares a new request against.
   */
  listLiveForDevice(
    deviceId: string,
    tx: Db = this.prisma,
  ): Promise<
    {
      identifierSet: string;
      publicKeySha256: string;
      status: RequestStatus;
      createdAt: Date;
      certificate: { createdAt: Date; publicKeySha256: string } | null;
    }[]
  > {
    return tx.certificateRequest.findMany({
      where: {
        deviceId,
        OR: [
          { status: { in: OPEN_STATUSES } },
          { status: 'valid', certificate: { notAfter: { gt: new Date() }, revokedAt: null } },
        ],
      },
      select: {
        identifierSet: true,
        publicKeySha256: true,
        status: true,
        createdAt: true,
        certificate: { select: { createdAt: true, publicKeySha256: true } },
      },
      orderBy: { createdAt: 'desc' },
      take: 50,
    });
  }
}
