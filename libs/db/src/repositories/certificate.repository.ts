import { Inject, Injectable } from '@nestjs/common';
import type { Certificate, Prisma, PrismaClient } from '../generated/client';
import { PRISMA } from '../tokens';
import type { Db } from './audit.repository';

@Injectable()
export class CertificateRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  create(data: Prisma.CertificateUncheckedCreateInput, tx: Db = this.prisma): Promise<Certificate> {
    return tx.certificate.create({ data });
  }

  getById(id: string): Promise<Certificate | null> {
    return this.prisma.certificate.findUnique({ where: { id } });
  }

  /** Certificates of the device whose key is `publicKeySha256` (privacy guard: no key reuse across kinds). */
  findByPublicKey(deviceId: string, publicKeySha256: string): Promise<Certificate[]> {
    return this.prisma.certificate.findMany({ where: { deviceId, publicKeySha256 } });
  }
}
